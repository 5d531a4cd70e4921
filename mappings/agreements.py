"""Agreement files: agreed share bands per work class or category, org-wide or per team.

Validated as a whole: each band lies in [0, 1] with ``min <= max`` and at least one bound;
``valid_from`` comes before ``valid_to`` (exclusive); and no two agreements for the same
subject and team are in force on the same day. A window is judged against the agreement in
force on its last day; a team without its own agreement falls back to the org-wide one.
Each agreement names the ``window`` and ``weighting`` it is judged on (alerts fire on that
share only); without them, ``90d`` and ``issues``.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Literal, cast

from pydantic import Field, field_validator, model_validator

from mappings._files import (
    Number,
    StrictModel,
    TeamName,
    content_version,
    parse_model,
    read_text,
)
from syncd.core.domain import AGREEMENT_WEIGHTING, AGREEMENT_WINDOW, Agreement, Subject
from syncd.core.errors import Problem, RuleSetError
from syncd.core.yamlfile import LineIndex

__all__ = ["AgreementSet", "Judging", "load_agreements", "parse_agreements"]

_Share = Number
_Weighting = Literal["capacity", "issues", "story_points", "time_spent"]


class _Subject(StrictModel):
    work_class: str | None = Field(default=None, pattern=r"^(product|technology)$")
    category: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{0,39}$")

    @model_validator(mode="after")
    def _exactly_one(self) -> _Subject:
        if (self.work_class is None) == (self.category is None):
            raise ValueError("name exactly one of 'work_class' or 'category'")
        return self


class _Agreement(StrictModel):
    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")
    subject: _Subject
    team: TeamName | None = None
    min: _Share | None = Field(default=None, ge=0, le=1)
    max: _Share | None = Field(default=None, ge=0, le=1)
    valid_from: date
    valid_to: date | None = None
    owner: str = Field(min_length=1)
    note: str = ""
    window: str = Field(default=AGREEMENT_WINDOW, pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    weighting: _Weighting = cast(_Weighting, AGREEMENT_WEIGHTING)

    @model_validator(mode="after")
    def _band_and_dates(self) -> _Agreement:
        if self.min is None and self.max is None:
            raise ValueError("give 'min', 'max' or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min {self.min:g} is above max {self.max:g}")
        if self.valid_to is not None and self.valid_to <= self.valid_from:
            raise ValueError("valid_to (exclusive) must come after valid_from")
        return self


class _AgreementFile(StrictModel):
    agreements: tuple[_Agreement, ...]

    @field_validator("agreements")
    @classmethod
    def _some_agreements(cls, items: tuple[_Agreement, ...]) -> tuple[_Agreement, ...]:
        if not items:
            raise ValueError("give at least one agreement")
        return items


@dataclass(frozen=True, slots=True)
class AgreementSet:
    """Validated agreements; ``version`` is the file's content hash."""

    agreements: tuple[Agreement, ...]
    version: str

    def in_force(self, subject: Subject, team: str | None, day: date) -> Agreement | None:
        """The agreement for *subject* and *team* on *day*; a team falls back to org-wide."""
        for wanted in (team, None) if team is not None else (None,):
            for agreement in self.agreements:
                if (
                    agreement.subject == subject
                    and agreement.team == wanted
                    and agreement.in_force_on(day)
                ):
                    return agreement
        return None

    def for_window(
        self, subject: Subject, team: str | None, start: date, end: date
    ) -> Agreement | None:
        """The agreement judging the window ``[start, end)``: the one in force on its last day."""
        return self.in_force(subject, team, max(start, end - timedelta(days=1)))

    def subjects(self) -> tuple[Subject, ...]:
        """Every subject some agreement constrains, in file order."""
        return tuple(dict.fromkeys(agreement.subject for agreement in self.agreements))


@dataclass(frozen=True, slots=True)
class Judging:
    """What agreements may be judged on: the configured windows and weightings."""

    windows: Collection[str]
    weightings: Collection[str]


def load_agreements(
    path: Path, categories: Collection[str] | None = None, judging: Judging | None = None
) -> AgreementSet:
    """Read and validate an agreement file; ``RuleSetError`` lists every problem with its line.

    With *categories* (those the rule set declares), an unknown category subject is a problem;
    with *judging*, so is a window or weighting the analytics do not compute.
    """
    return parse_agreements(read_text(path), str(path), categories, judging)


def parse_agreements(
    text: str,
    filename: str = "<agreements>",
    categories: Collection[str] | None = None,
    judging: Judging | None = None,
) -> AgreementSet:
    """Validate agreement-file *text*; ``RuleSetError`` lists every problem with its line."""
    parsed, data, index, problems = parse_model(text, filename, _AgreementFile)
    if parsed is not None:
        problems = _cross_checks(parsed, index, categories)
        problems += _judging_checks(parsed, index, judging)
    if parsed is None or problems:
        raise RuleSetError(f"{filename}: the agreement file is invalid", problems)
    agreements = tuple(_domain(a) for a in parsed.agreements)
    return AgreementSet(agreements, content_version(data))


def _domain(a: _Agreement) -> Agreement:
    subject = Subject(a.subject.work_class, a.subject.category)
    return Agreement(
        a.id,
        subject,
        a.team,
        a.min,
        a.max,
        a.valid_from,
        a.valid_to,
        a.owner,
        a.note,
        window=a.window,
        weighting=a.weighting,
    )


def _judging_checks(
    parsed: _AgreementFile, index: LineIndex, judging: Judging | None
) -> list[Problem]:
    if judging is None:
        return []
    problems: list[Problem] = []
    for position, agreement in enumerate(parsed.agreements):
        for key, value, known in (
            ("window", agreement.window, judging.windows),
            ("weighting", agreement.weighting, judging.weightings),
        ):
            if value not in known:
                message = (
                    f"judged on {key} {value!r}, which the analytics do not compute "
                    f"(configured: {', '.join(known)}); name one in '{key}'"
                )
                problems.append(index.problem(("agreements", position, key), message))
    return problems


def _cross_checks(
    parsed: _AgreementFile, index: LineIndex, categories: Collection[str] | None
) -> list[Problem]:
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for position, agreement in enumerate(parsed.agreements):
        here = ("agreements", position)
        if agreement.id in seen:
            problems.append(
                index.problem((*here, "id"), f"agreement id {agreement.id!r} is repeated")
            )
        seen.setdefault(agreement.id, position)
        category = agreement.subject.category
        if categories is not None and category is not None and category not in categories:
            message = f"category {category!r} is not declared in the rule set"
            problems.append(index.problem((*here, "subject", "category"), message))
        for earlier in parsed.agreements[:position]:
            if _overlap(earlier, agreement):
                message = f"overlaps agreement {earlier.id!r} for the same subject and team"
                problems.append(index.problem((*here, "valid_from"), message))
    return problems


def _overlap(first: _Agreement, second: _Agreement) -> bool:
    if first.subject != second.subject or first.team != second.team:
        return False
    first_end = first.valid_to or date.max
    second_end = second.valid_to or date.max
    return first.valid_from < second_end and second.valid_from < first_end
