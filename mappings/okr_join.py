"""Objectives and key results found in roadmap exports, joined to the configured OKR model.

The OKR file is the authority: an exported objective or key result with an id the file also
defines is dropped, and when its fields differ the difference is reported as a conflict. Ids
the file does not define join the model (the first export to name an id wins among exports).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import TypeVar

from syncd.core.domain import KeyResult, Objective, RoadmapSnapshot

__all__ = ["OkrConflict", "OkrJoin", "join_okrs"]

T = TypeVar("T", Objective, KeyResult)


@dataclass(frozen=True, slots=True)
class OkrConflict:
    """An exported objective or key result that differs from the one already in the model."""

    kind: str
    entity_id: str
    source: str
    differing: tuple[str, ...]

    def __str__(self) -> str:
        what = ", ".join(self.differing)
        return (
            f"{self.kind} {self.entity_id} from roadmap source {self.source!r} differs in "
            f"{what}; the configured (or first exported) definition is kept"
        )


@dataclass(frozen=True, slots=True)
class OkrJoin:
    """The joined model, the ids that came from exports, and the conflicts found."""

    objectives: tuple[Objective, ...]
    key_results: tuple[KeyResult, ...]
    added: tuple[str, ...]
    conflicts: tuple[OkrConflict, ...]


def join_okrs(
    objectives: Iterable[Objective],
    key_results: Iterable[KeyResult],
    snapshots: Iterable[RoadmapSnapshot],
) -> OkrJoin:
    """Add the good *snapshots*' objectives and key results to the configured ones."""
    by_objective = {o.objective_id: o for o in objectives}
    by_key_result = {k.key_result_id: k for k in key_results}
    added: list[str] = []
    conflicts: list[OkrConflict] = []
    for snapshot in (s for s in snapshots if s.ok):
        merges = [
            *(
                _merge(by_objective, o.objective_id, o, snapshot.source, added)
                for o in snapshot.objectives
            ),
            *(
                _merge(by_key_result, k.key_result_id, k, snapshot.source, added)
                for k in snapshot.key_results
            ),
        ]
        conflicts.extend(conflict for conflict in merges if conflict is not None)
    return OkrJoin(
        tuple(by_objective.values()), tuple(by_key_result.values()), tuple(added), tuple(conflicts)
    )


def _merge(
    known: dict[str, T],
    entity_id: str,
    entity: T,
    source: str,
    added: list[str],
) -> OkrConflict | None:
    current = known.get(entity_id)
    if current is None:
        known[entity_id] = entity
        added.append(entity_id)
        return None
    differing = tuple(
        f.name for f in fields(entity) if getattr(entity, f.name) != getattr(current, f.name)
    )
    if differing:
        kind = "objective" if isinstance(entity, Objective) else "key result"
        return OkrConflict(kind, entity_id, source, differing)
    return None
