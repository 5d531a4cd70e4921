"""OKR files: objectives and their key results, with period and measure, from YAML.

A period is a quarter (``2026-Q4``) or explicit ``start``/``end`` dates (both inclusive). A key
result inherits its objective's teams unless it names its own. ``field_sum`` needs ``field``.
Key result ids are unique across the file, so a ``kr:`` label names exactly one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, field_validator, model_validator

from mappings._files import (
    Number,
    StrictModel,
    TeamName,
    content_version,
    parse_model,
    read_text,
)
from syncd.core.domain import KeyResult, Measure, Objective
from syncd.core.errors import Problem, RuleSetError
from syncd.core.yamlfile import LineIndex

__all__ = ["OkrSet", "load_okrs", "parse_okrs", "parse_quarter"]

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


def parse_quarter(text: str) -> tuple[date, date]:
    """First and last day of a quarter written ``YYYY-Qn``; ``ValueError`` otherwise."""
    found = _QUARTER.match(text)
    if found is None:
        raise ValueError(f"period {text!r} is not a quarter like 2026-Q4")
    year, quarter = int(found.group(1)), int(found.group(2))
    start = date(year, 3 * quarter - 2, 1)
    following = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, following - timedelta(days=1)


class _Period(StrictModel):
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> _Period:
        if self.end < self.start:
            raise ValueError("the period ends before it starts")
        return self


def _period(value: Any) -> Any:
    if isinstance(value, str):
        start, end = parse_quarter(value)
        return {"start": start, "end": end}
    return value


class _KeyResult(StrictModel):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
    title: str
    measure: Measure
    target: Number = Field(gt=0)
    field: str | None = None
    teams: tuple[TeamName, ...] | None = None

    @model_validator(mode="after")
    def _field_when_summed(self) -> _KeyResult:
        if (self.measure is Measure.FIELD_SUM) != (self.field is not None):
            raise ValueError("'field' is required with measure field_sum, and only with it")
        return self


class _Objective(StrictModel):
    id: str
    title: str
    teams: tuple[TeamName, ...] = Field(min_length=1)
    period: Annotated[_Period, BeforeValidator(_period)]
    key_results: tuple[_KeyResult, ...]

    @field_validator("key_results")
    @classmethod
    def _some_key_results(cls, items: tuple[_KeyResult, ...]) -> tuple[_KeyResult, ...]:
        if not items:
            raise ValueError("give at least one key result")
        return items


class _OkrFile(StrictModel):
    objectives: tuple[_Objective, ...]

    @field_validator("objectives")
    @classmethod
    def _some_objectives(cls, items: tuple[_Objective, ...]) -> tuple[_Objective, ...]:
        if not items:
            raise ValueError("give at least one objective")
        return items


@dataclass(frozen=True, slots=True)
class OkrSet:
    """Validated objectives and key results; ``version`` is the file's content hash."""

    objectives: tuple[Objective, ...]
    key_results: tuple[KeyResult, ...]
    version: str

    @property
    def key_result_ids(self) -> frozenset[str]:
        """Every key result id."""
        return frozenset(kr.key_result_id for kr in self.key_results)

    def key_result(self, key_result_id: str) -> KeyResult | None:
        """The key result with *key_result_id*, or ``None``."""
        return next((kr for kr in self.key_results if kr.key_result_id == key_result_id), None)


def load_okrs(path: Path) -> OkrSet:
    """Read and validate an OKR file; ``RuleSetError`` lists every problem with its line."""
    return parse_okrs(read_text(path), str(path))


def parse_okrs(text: str, filename: str = "<okrs>") -> OkrSet:
    """Validate OKR-file *text*; ``RuleSetError`` lists every problem with its line."""
    parsed, data, index, problems = parse_model(text, filename, _OkrFile)
    if parsed is not None:
        problems = _repeated_ids(parsed, index)
    if parsed is None or problems:
        raise RuleSetError(f"{filename}: the OKR file is invalid", problems)
    objectives, key_results = [], []
    for objective in parsed.objectives:
        start, end = objective.period.start, objective.period.end
        objectives.append(Objective(objective.id, objective.title, objective.teams, start, end))
        for kr in objective.key_results:
            teams = kr.teams or objective.teams
            key_results.append(
                KeyResult(
                    kr.id,
                    objective.id,
                    kr.title,
                    teams,
                    start,
                    end,
                    kr.measure,
                    kr.target,
                    kr.field,
                )
            )
    return OkrSet(tuple(objectives), tuple(key_results), content_version(data))


def _repeated_ids(parsed: _OkrFile, index: LineIndex) -> list[Problem]:
    problems = []
    objectives: set[str] = set()
    results: set[str] = set()
    for o, objective in enumerate(parsed.objectives):
        if objective.id in objectives:
            problems.append(index.problem(("objectives", o, "id"), "objective id is repeated"))
        objectives.add(objective.id)
        for k, kr in enumerate(objective.key_results):
            if kr.id in results:
                where = ("objectives", o, "key_results", k, "id")
                problems.append(index.problem(where, f"key result id {kr.id!r} is repeated"))
            results.add(kr.id)
    return problems
