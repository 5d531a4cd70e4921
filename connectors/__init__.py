"""Connectors to external systems: Jira and roadmap-tool exports."""
