"""The Jira connector: Cloud and Data Center issue search, paged and retried."""
