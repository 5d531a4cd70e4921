"""The naive baseline as a script: ``python -m bench.naive SPEC``.

This is how a competent first Jira sync is commonly written: the ``jira`` package asks for
one page at a time (``search_issues`` with ``startAt``, or ``enhanced_search_issues`` with
``nextPageToken`` on Cloud), each issue is merged as one mapped object with
``Session.merge`` (an upsert by id), and each page is committed, so memory stays flat and an
interruption keeps the pages done. It stores in the same database as syncd (the JSON *SPEC*
names its URL, the JQL and the fields, chosen by the benchmark so that the pages are the
ones a sync asks for). It prints one JSON line: its span from the first request to the last
commit (start-up excluded) and the issues stored.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from typing import Any

import jira
from sqlalchemy import JSON, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

__all__ = ["naive_sync"]


class _Base(DeclarativeBase):
    pass


class NaiveIssue(_Base):
    """One issue, as a naive sync maps it."""

    __tablename__ = "naive_issues"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    project: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(String(512))
    status: Mapped[str] = mapped_column(String(64))
    updated: Mapped[str] = mapped_column(String(64))
    raw: Mapped[dict[str, Any]] = mapped_column(JSON)


def naive_sync(spec: dict[str, Any]) -> dict[str, Any]:
    """Fetch every issue *spec*'s JQL finds, page by page, merging and committing each page."""
    started = time.perf_counter()
    api = jira.JIRA(server=spec["url"], options={"check_update": False}, max_retries=0)
    if spec["mode"] != "cloud":
        api.deploymentType = "Server"
    engine = create_engine(spec["database"])
    _Base.metadata.create_all(engine)
    count = 0
    with Session(engine) as session:
        for page in _pages(api, spec):
            for issue in page:
                session.merge(_mapped(issue.raw))
            session.commit()
            count += len(page)
    engine.dispose()
    return {"span_seconds": time.perf_counter() - started, "issues": count}


def _pages(api: jira.JIRA, spec: dict[str, Any]) -> Iterator[Any]:
    jql, fields, size = spec["jql"], spec["fields"], spec["page_size"]
    if spec["mode"] == "cloud":
        token: str | None = None
        while True:
            page = api.enhanced_search_issues(
                jql, nextPageToken=token, maxResults=size, fields=fields
            )
            yield page
            token = getattr(page, "nextPageToken", None)
            if not token:
                return
    start = 0
    while True:
        page = api.search_issues(jql, startAt=start, maxResults=size, fields=fields)
        yield page
        start += len(page)
        if not page or start >= page.total:
            return


def _mapped(raw: dict[str, Any]) -> NaiveIssue:
    fields = raw.get("fields") or {}
    return NaiveIssue(
        id=int(raw["id"]),
        key=raw["key"],
        project=(fields.get("project") or {}).get("key", ""),
        summary=fields.get("summary") or "",
        status=(fields.get("status") or {}).get("name", ""),
        updated=fields.get("updated") or "",
        raw=raw,
    )


if __name__ == "__main__":
    sys.stdout.write(json.dumps(naive_sync(json.loads(sys.argv[1]))) + "\n")
