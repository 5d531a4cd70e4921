"""The raw-fetch ceiling as a script: ``python -m bench.raw_fetch SPEC``.

It fetches the pages a full sync asks for (the same JQL per project partition, fields and
page size, named in the JSON *SPEC* by the benchmark) one after another with ``requests``,
decodes them, and keeps nothing. It imports nothing but ``requests``, so its whole process,
start to exit, is the floor of any sync's: a sync cannot pay less than starting Python,
fetching and decoding. It prints one JSON line: its span from the first request to the last
page (start-up excluded), the issues and pages fetched.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from typing import Any

import requests

__all__ = ["raw_fetch"]


def raw_fetch(spec: dict[str, Any]) -> dict[str, Any]:
    """Fetch every page of *spec*'s partitions; span seconds, issues and pages."""
    started = time.perf_counter()
    session = requests.Session()
    session.get(f"{spec['url']}/rest/api/2/field", timeout=30).json()  # as a sync does first
    issues = pages = 0
    for jql in spec["jqls"]:
        for body in _pages(session, spec, jql):
            issues += len(body["issues"])
            pages += 1
    return {"span_seconds": time.perf_counter() - started, "issues": issues, "pages": pages}


def _pages(session: requests.Session, spec: dict[str, Any], jql: str) -> Iterator[Any]:
    params: dict[str, Any] = {
        "jql": jql,
        "fields": ",".join(spec["fields"]),
        "maxResults": spec["page_size"],
    }
    if spec["mode"] == "cloud":
        address = f"{spec['url']}/rest/api/2/search/jql"
        while True:
            body = session.get(address, params=params, timeout=60).json()
            yield body
            token = body.get("nextPageToken")
            if not token or body.get("isLast"):
                return
            params["nextPageToken"] = token
    address = f"{spec['url']}/rest/api/2/search"
    start = 0
    while True:
        body = session.get(address, params={**params, "startAt": start}, timeout=60).json()
        yield body
        start += body["maxResults"]
        if start >= body["total"]:
            return


if __name__ == "__main__":
    sys.stdout.write(json.dumps(raw_fetch(json.loads(sys.argv[1]))) + "\n")
