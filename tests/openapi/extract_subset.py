"""Cut Atlassian's Jira Cloud platform OpenAPI document down to what the conformance tests
check: the operations syncd calls, their 200 answers and request bodies, and every schema
those reach. Run it when the document is updated::

    python tests/openapi/extract_subset.py PATH/TO/jira-platform-v3.json

and commit the ``jira-platform-v3-subset.json`` it writes beside itself.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

OPERATIONS = (
    ("/rest/api/3/serverInfo", "get"),
    ("/rest/api/3/myself", "get"),
    ("/rest/api/3/field", "get"),
    ("/rest/api/3/search/jql", "get"),
    ("/rest/api/3/search/jql", "post"),
    ("/rest/api/3/status", "get"),
    ("/rest/api/3/issue/{issueIdOrKey}", "get"),
    ("/rest/api/3/issue/{issueIdOrKey}/changelog", "get"),
    ("/rest/api/3/changelog/bulkfetch", "post"),
    ("/rest/api/3/issue/bulkfetch", "post"),
)
TARGET = Path(__file__).with_name("jira-platform-v3-subset.json")


def _refs(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["$ref"].rsplit("/", 1)[1]} if isinstance(node.get("$ref"), str) else set()
        return found.union(*(_refs(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_refs(value) for value in node))
    return set()


def subset(document: dict[str, Any]) -> dict[str, Any]:
    """The operations' answers and bodies, and the schemas they reach."""
    paths: dict[str, Any] = {}
    for path, method in OPERATIONS:
        operation = document["paths"][path][method]
        kept = {"responses": {"200": operation["responses"]["200"]}}
        if "requestBody" in operation:
            kept["requestBody"] = operation["requestBody"]
        paths.setdefault(path, {})[method] = kept
    schemas = document["components"]["schemas"]
    wanted, todo = set(), _refs(paths)
    while todo:
        name = todo.pop()
        if name not in wanted:
            wanted.add(name)
            todo |= _refs(schemas[name])
    return {
        "openapi": document["openapi"],
        "info": document["info"],
        "paths": paths,
        "components": {"schemas": {name: schemas[name] for name in sorted(wanted)}},
    }


if __name__ == "__main__":
    full = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    TARGET.write_text(json.dumps(subset(full), indent=1, sort_keys=True) + "\n", encoding="utf-8")
