"""Classification decisions: one current decision per issue, and a history of changes.

A decision counts as changed when its outcome or explanation changes (class, category, key
result, rule, inheritance path, reason). A new rule-set version that decides the same way
only restamps ``ruleset_version`` and adds no history, so editing one rule does not write
a history row for every issue.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Row, bindparam, select, update
from sqlalchemy.engine import Connection

from syncd.domain import Decision, WorkClass
from syncd.store.dialect import chunked, upsert
from syncd.store.schema import decision_history, decisions

__all__ = [
    "DecisionCounts",
    "DecisionRecord",
    "decision_for",
    "decision_history_for",
    "iter_decisions",
    "replace_decisions",
]

_CHUNK = 5000
_OUTCOME = ("work_class", "category", "key_result", "rule_id", "path", "reason")
_VALUE_COLUMNS = (*_OUTCOME, "ruleset_version", "decided_at")


@dataclass(frozen=True, slots=True)
class DecisionCounts:
    """How many given decisions changed (new ones included) and how many stayed the same."""

    changed: int
    unchanged: int


@dataclass(frozen=True, slots=True)
class DecisionRecord:
    """A decision as it stood from ``decided_at`` on."""

    decision: Decision
    decided_at: datetime


def replace_decisions(
    connection: Connection, given: Iterable[Decision], now: datetime
) -> DecisionCounts:
    """Make *given* the current decisions of their issues, within the caller's transaction.

    Issues not in *given* keep their decisions. Works in chunks, so 200k decisions stream
    through bounded memory with a few statements per chunk.
    """
    changed = unchanged = 0
    for batch in chunked(given, _CHUNK):
        current = _current(connection, batch)
        latest = list(_last_per_issue(batch))
        rows, restamp = [], []
        for decision in latest:
            row = _row(decision, now)
            before = current.get((decision.source, decision.issue_id))
            if before is None or any(before[name] != row[name] for name in _OUTCOME):
                rows.append(row)
            elif before["ruleset_version"] != row["ruleset_version"]:
                restamp.append(row)
        changed += len(rows)
        unchanged += len(latest) - len(rows)
        _write(connection, rows, restamp)
    return DecisionCounts(changed=changed, unchanged=unchanged)


def iter_decisions(engine: Engine, source: str | None, chunk: int = _CHUNK) -> Iterator[Decision]:
    """Stream the current decisions, ordered by source and issue id."""
    statement = select(decisions).order_by(decisions.c.source, decisions.c.issue_id)
    if source is not None:
        statement = statement.where(decisions.c.source == source)
    with engine.connect() as connection:
        for row in connection.execution_options(yield_per=chunk).execute(statement):
            yield _to_decision(row)


def decision_for(connection: Connection, source: str, issue_id: int) -> DecisionRecord | None:
    """The current decision for one issue, or ``None`` when it was never classified."""
    row = connection.execute(
        select(decisions).where(decisions.c.source == source, decisions.c.issue_id == issue_id)
    ).one_or_none()
    return None if row is None else DecisionRecord(_to_decision(row), row.decided_at)


def decision_history_for(
    connection: Connection, source: str, issue_id: int
) -> list[DecisionRecord]:
    """Every decision the issue has had, oldest first."""
    statement = (
        select(decision_history)
        .where(decision_history.c.source == source, decision_history.c.issue_id == issue_id)
        .order_by(decision_history.c.id)
    )
    return [
        DecisionRecord(_to_decision(row), row.decided_at) for row in connection.execute(statement)
    ]


def _last_per_issue(batch: list[Decision]) -> Iterator[Decision]:
    # One statement may not touch a row twice on PostgreSQL: the last decision given wins.
    yield from {(decision.source, decision.issue_id): decision for decision in batch}.values()


def _current(
    connection: Connection, batch: list[Decision]
) -> dict[tuple[str, int], Mapping[str, Any]]:
    by_source: dict[str, list[int]] = defaultdict(list)
    for decision in batch:
        by_source[decision.source].append(decision.issue_id)
    found: dict[tuple[str, int], Mapping[str, Any]] = {}
    for source, ids in by_source.items():
        statement = select(decisions).where(
            decisions.c.source == source, decisions.c.issue_id.in_(ids)
        )
        for row in connection.execute(statement):
            found[(row.source, row.issue_id)] = dict(row._mapping)
    return found


def _write(
    connection: Connection, rows: list[dict[str, Any]], restamp: list[dict[str, Any]]
) -> None:
    if rows:
        statement = upsert(connection, decisions, ("source", "issue_id"), _VALUE_COLUMNS)
        connection.execute(statement, rows)
        connection.execute(decision_history.insert(), rows)
    if restamp:
        statement = (
            update(decisions)
            .where(
                decisions.c.source == bindparam("b_source"),
                decisions.c.issue_id == bindparam("b_issue_id"),
            )
            .values(ruleset_version=bindparam("b_version"))
        )
        connection.execute(
            statement,
            [
                {
                    "b_source": r["source"],
                    "b_issue_id": r["issue_id"],
                    "b_version": r["ruleset_version"],
                }
                for r in restamp
            ],
        )


def _row(decision: Decision, now: datetime) -> dict[str, Any]:
    return {
        "source": decision.source,
        "issue_id": decision.issue_id,
        "work_class": WorkClass(decision.work_class).value,
        "category": decision.category,
        "key_result": decision.key_result,
        "rule_id": decision.rule_id,
        "ruleset_version": decision.ruleset_version,
        "path": list(decision.path),
        "reason": decision.reason,
        "decided_at": now,
    }


def _to_decision(row: Row[Any]) -> Decision:
    return Decision(
        source=row.source,
        issue_id=int(row.issue_id),
        work_class=WorkClass(row.work_class),
        category=row.category,
        key_result=row.key_result,
        rule_id=row.rule_id,
        ruleset_version=row.ruleset_version,
        path=tuple(row.path),
        reason=row.reason,
    )
