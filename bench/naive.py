"""The naive baseline: the ``jira`` package fetching everything, one ORM merge per issue.

This is how a first Jira sync is commonly written: ``search_issues(maxResults=False)`` (the
package pages through everything and returns one list of ``Issue`` resources), then
``Session.merge`` of one mapped object per issue and a commit.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import jira
from sqlalchemy import JSON, String, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from connectors.jira.fields import discover_fields
from connectors.jira.jql import PAGE_ORDER

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


def naive_sync(url: str, mode: str, database: Path, projects: Sequence[str]) -> dict[str, Any]:
    """Fetch every issue of *projects* and merge each into *database*; timings and counts."""
    started = time.perf_counter()
    api = jira.JIRA(server=url, options={"check_update": False}, max_retries=0)
    if mode != "cloud":
        api.deploymentType = "Server"
    fields = list(discover_fields(api.fields()).requested())
    engine = create_engine(f"sqlite:///{database}")
    _Base.metadata.create_all(engine)
    scope = ", ".join(f'"{key}"' for key in projects)
    found = api.search_issues(f"project in ({scope}) {PAGE_ORDER}", maxResults=False, fields=fields)
    count = 0
    with Session(engine) as session:
        for issue in found:
            session.merge(_mapped(issue.raw))
            count += 1
        session.commit()
    engine.dispose()
    return {"seconds": time.perf_counter() - started, "issues": count}


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
