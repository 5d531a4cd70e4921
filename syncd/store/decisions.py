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

import orjson
from sqlalchemy import Engine, Row, bindparam, func, select, update
from sqlalchemy.engine import Connection

from syncd.core.domain import Decision, WorkClass
from syncd.store.bulk import BulkStatement
from syncd.store.dialect import chunked, upsert
from syncd.store.scan import driver_rows, parameter_mark, scanned
from syncd.store.schema import decision_history, decisions

__all__ = [
    "DecisionCounts",
    "DecisionRecord",
    "decided_rulesets",
    "decision_for",
    "decision_history_for",
    "iter_decisions",
    "replace_decisions",
]

_CHUNK = 2000
_OUTCOME = ("work_class", "category", "key_result", "rule_id", "path", "reason")
_VALUE_COLUMNS = (*_OUTCOME, "ruleset_version", "decided_at")
_BATCH = (
    decisions.c.source == bindparam("source_"),
    decisions.c.issue_id.in_(bindparam("ids_", expanding=True)),
)
_STORED = select(
    decisions.c.source,
    decisions.c.issue_id,
    *(decisions.c[name] for name in _OUTCOME),
    decisions.c.ruleset_version,
).where(*_BATCH)
_RESTAMP = update(decisions).where(*_BATCH).values(ruleset_version=bindparam("version_"))
# Built once per dialect (see syncd.store.bulk): a first refresh, or a rule change that
# re-decides most issues, writes every decision and its history row.
_WRITTEN = ("source", "issue_id", *_VALUE_COLUMNS)
_DECISION_UPSERT = BulkStatement(
    decisions,
    _WRITTEN,
    lambda connection: upsert(connection, decisions, ("source", "issue_id"), _VALUE_COLUMNS),
)
_HISTORY_INSERT = BulkStatement(
    decision_history, _WRITTEN, lambda connection: decision_history.insert()
)


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


def decided_rulesets(connection: Connection) -> dict[str, int]:
    """The number of current decisions per rule-set version."""
    rows = connection.execute(
        select(decisions.c.ruleset_version, func.count()).group_by(decisions.c.ruleset_version)
    )
    return {version: int(count) for version, count in rows}


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
        rows: list[dict[str, Any]] = []
        restamp: dict[tuple[str, str], list[int]] = defaultdict(list)
        for decision in latest:
            before = current.get((decision.source, decision.issue_id))
            if before is None or before[:-1] != _outcome(decision):
                rows.append(_row(decision, now))
            elif before[-1] != decision.ruleset_version:
                restamp[(decision.source, decision.ruleset_version)].append(decision.issue_id)
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


def _outcome(decision: Decision) -> tuple[Any, ...]:
    # In _OUTCOME's order, as the stored row reads back (the path is a JSON list).
    return (
        WorkClass(decision.work_class).value,
        decision.category,
        decision.key_result,
        decision.rule_id,
        list(decision.path),
        decision.reason,
    )


def _current(
    connection: Connection, batch: list[Decision]
) -> dict[tuple[str, int], tuple[Any, ...]]:
    """The stored outcome of each decision in *batch*, then its ruleset version, by issue."""
    by_source: dict[str, list[int]] = defaultdict(list)
    for decision in batch:
        by_source[decision.source].append(decision.issue_id)
    found: dict[tuple[str, int], tuple[Any, ...]] = {}
    for source, ids in by_source.items():
        for row in _stored(connection, source, ids):
            found[(row[0], row[1])] = tuple(row[2:])
    return found


def _stored(connection: Connection, source: str, ids: list[int]) -> list[Any]:
    # Straight from the driver: SQLAlchemy's row handling cost more than the query itself
    # when a refresh compares 200k decisions. The path is decoded as its JSON column would be.
    names = ", ".join(
        scanned(connection, column.name, "json" if column.name == "path" else "text")
        for column in _STORED.selected_columns
    )
    parameters: tuple[Any, ...]
    low, high = min(ids), max(ids)
    mark = parameter_mark(connection)
    if high - low < 2 * len(ids):
        # Most of a range (a refresh that decides every issue goes through them in order):
        # one range scan of the key, the few others in it skipped here.
        where = f"source = {mark} AND issue_id BETWEEN {mark} AND {mark}"
        parameters = (source, low, high)
    elif connection.dialect.name == "postgresql":
        # Typed as the column: psycopg sends small ids as smallint[], which no index serves.
        where, parameters = "source = %s AND issue_id = ANY(%s::bigint[])", (source, ids)
    else:
        marks = ", ".join("?" * len(ids))
        where, parameters = f"source = ? AND issue_id IN ({marks})", (source, *ids)
    sql = f"SELECT {names} FROM {decisions.name} WHERE {where}"  # noqa: S608 - fixed names, placeholders only
    path = _OUTCOME.index("path") + 2
    wanted = set(ids)
    return [
        (*row[:path], orjson.loads(row[path]), *row[path + 1 :])
        for row in driver_rows(connection, sql, parameters)
        if row[1] in wanted
    ]


def _write(
    connection: Connection,
    rows: list[dict[str, Any]],
    restamp: Mapping[tuple[str, str], list[int]],
) -> None:
    _DECISION_UPSERT.execute(connection, rows)
    _HISTORY_INSERT.execute(connection, rows)
    # One statement per source and version: a new rule set restamps most decisions at once.
    for (source, version), ids in restamp.items():
        connection.execute(_RESTAMP, {"source_": source, "ids_": ids, "version_": version})


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
