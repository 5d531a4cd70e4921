"""Objectives, key results and agreements, each replaced as a whole set when its file changes.

Replacing an identical set writes nothing and reports ``False``, so callers may replace on
every load without churning the tables.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Row, delete, select
from sqlalchemy.engine import Connection

from syncd.core.domain import Agreement, KeyResult, Measure, Objective, Subject
from syncd.store.schema import agreements, okr_key_results, okr_objectives

__all__ = [
    "load_key_results",
    "load_objectives",
    "read_agreements",
    "replace_agreements",
    "replace_okrs",
]


def replace_okrs(
    connection: Connection, objectives: Iterable[Objective], key_results: Iterable[KeyResult]
) -> bool:
    """Replace every objective and key result; return whether anything changed."""
    new_objectives = sorted(objectives, key=lambda o: o.objective_id)
    new_results = sorted(key_results, key=lambda k: k.key_result_id)
    if (new_objectives, new_results) == (
        load_objectives(connection),
        load_key_results(connection),
    ):
        return False
    connection.execute(delete(okr_key_results))
    connection.execute(delete(okr_objectives))
    if new_objectives:
        connection.execute(okr_objectives.insert(), [_objective_row(o) for o in new_objectives])
    if new_results:
        connection.execute(okr_key_results.insert(), [_key_result_row(k) for k in new_results])
    return True


def replace_agreements(connection: Connection, given: Iterable[Agreement]) -> bool:
    """Replace every agreement; return whether anything changed."""
    new = sorted(given, key=lambda a: a.agreement_id)
    if new == read_agreements(connection):
        return False
    connection.execute(delete(agreements))
    if new:
        connection.execute(agreements.insert(), [_agreement_row(a) for a in new])
    return True


def load_objectives(connection: Connection) -> list[Objective]:
    """Every stored objective, ordered by id."""
    rows = connection.execute(select(okr_objectives).order_by(okr_objectives.c.objective_id))
    return [
        Objective(r.objective_id, r.title, tuple(r.teams), r.period_start, r.period_end)
        for r in rows
    ]


def load_key_results(connection: Connection) -> list[KeyResult]:
    """Every stored key result, ordered by id."""
    rows = connection.execute(select(okr_key_results).order_by(okr_key_results.c.key_result_id))
    return [_to_key_result(row) for row in rows]


def read_agreements(connection: Connection) -> list[Agreement]:
    """Every stored agreement, ordered by id."""
    rows = connection.execute(select(agreements).order_by(agreements.c.agreement_id))
    return [_to_agreement(row) for row in rows]


def _objective_row(objective: Objective) -> dict[str, Any]:
    return {
        "objective_id": objective.objective_id,
        "title": objective.title,
        "teams": list(objective.teams),
        "period_start": objective.period_start,
        "period_end": objective.period_end,
    }


def _key_result_row(result: KeyResult) -> dict[str, Any]:
    return {
        "key_result_id": result.key_result_id,
        "objective_id": result.objective_id,
        "title": result.title,
        "teams": list(result.teams),
        "period_start": result.period_start,
        "period_end": result.period_end,
        "measure": Measure(result.measure).value,
        "target": result.target,
        "field": result.field,
    }


def _agreement_row(agreement: Agreement) -> dict[str, Any]:
    return {
        "agreement_id": agreement.agreement_id,
        "work_class": agreement.subject.work_class,
        "category": agreement.subject.category,
        "team": agreement.team,
        "min_share": agreement.min_share,
        "max_share": agreement.max_share,
        "valid_from": agreement.valid_from,
        "valid_to": agreement.valid_to,
        "owner": agreement.owner,
        "note": agreement.note,
        "judged_window": agreement.window,
        "judged_weighting": agreement.weighting,
    }


def _to_key_result(row: Row[Any]) -> KeyResult:
    return KeyResult(
        key_result_id=row.key_result_id,
        objective_id=row.objective_id,
        title=row.title,
        teams=tuple(row.teams),
        period_start=row.period_start,
        period_end=row.period_end,
        measure=Measure(row.measure),
        target=row.target,
        field=row.field,
    )


def _to_agreement(row: Row[Any]) -> Agreement:
    return Agreement(
        agreement_id=row.agreement_id,
        subject=Subject(work_class=row.work_class, category=row.category),
        team=row.team,
        min_share=row.min_share,
        max_share=row.max_share,
        valid_from=row.valid_from,
        valid_to=row.valid_to,
        owner=row.owner,
        note=row.note,
        window=row.judged_window,
        weighting=row.judged_weighting,
    )
