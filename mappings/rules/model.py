"""The schema of a rule file (see docs/mapping.md for the reference with examples).

A rule file is ``format: 1``, optional ``settings`` and ``categories``, and an ordered list of
``rules``. Each rule has an ``id``, a ``when`` condition and a ``then`` action; the first rule
whose condition holds decides. Lists given as a single string are accepted (``project: PLAT``).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from mappings._files import Number, StrictModel
from mappings.rules.patterns import compile_patterns
from syncd.core.domain import StatusCategory

__all__ = [
    "Action",
    "Condition",
    "CustomMatch",
    "InheritanceSettings",
    "RoadmapMatch",
    "RoadmapSettings",
    "Rule",
    "RuleFile",
    "SetMatch",
    "Settings",
]

RuleId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$")]
Category = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
_STATUS_NAMES = {"in_progress": "indeterminate", "to_do": "new", "todo": "new"}


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str | int | float) else value


def _as_set_match(value: Any) -> Any:
    return {"any": _as_list(value)} if isinstance(value, str | list) else value


def _status_name(value: Any) -> Any:
    if isinstance(value, str):
        name = value.strip().lower().replace(" ", "_")
        return _STATUS_NAMES.get(name, name)
    return value


def _some_values(values: tuple[str, ...]) -> tuple[str, ...]:
    # An empty list would be a condition nothing can meet, and says nothing to explain.
    if not values:
        raise ValueError("give at least one value")
    return values


StrList = Annotated[tuple[str, ...], BeforeValidator(_as_list), AfterValidator(_some_values)]


def _one_pattern(pattern: str) -> str:
    compile_patterns((pattern,))
    return pattern


def _all_patterns(patterns: tuple[str, ...]) -> tuple[str, ...]:
    # Each pattern alone is checked (and placed on its line) first; together they must also
    # fit the engine's memory budget, since a rule compiles them into one.
    compile_patterns(patterns)
    return patterns


PatternList = Annotated[
    tuple[Annotated[str, AfterValidator(_one_pattern)], ...],
    BeforeValidator(_as_list),
    AfterValidator(_some_values),
    AfterValidator(_all_patterns),
]
Status = Annotated[StatusCategory, BeforeValidator(_status_name)]


def _not_empty(items: tuple[Any, ...], what: str) -> tuple[Any, ...]:
    """Refuse an empty list (unlike ``min_length``, silent when its items are invalid)."""
    if not items:
        raise ValueError(f"give at least one {what}")
    return items


class SetMatch(StrictModel):
    """Matches a set-valued field (labels, components): any, all and none of given values."""

    any_of: StrList = Field(default=(), alias="any")
    all_of: StrList = Field(default=(), alias="all")
    none_of: StrList = Field(default=(), alias="none")

    @model_validator(mode="after")
    def _not_empty(self) -> SetMatch:
        if not (self.any_of or self.all_of or self.none_of):
            raise ValueError("give at least one of 'any', 'all' or 'none'")
        return self


class CustomMatch(StrictModel):
    """Matches one configured custom field: equal to one of ``equals``, present, or in a range."""

    equals: StrList = ()
    present: bool | None = None
    min: Number | None = None
    max: Number | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> CustomMatch:
        if not self.equals and self.present is None and self.min is None and self.max is None:
            raise ValueError("give at least one of 'equals', 'present', 'min' or 'max'")
        return self


def _as_custom_match(value: Any) -> Any:
    return value if isinstance(value, dict) else {"equals": value}


class RoadmapMatch(StrictModel):
    """Matches the roadmap item linked to the issue itself (by its key)."""

    linked: bool | None = None
    hint: StrList = ()
    key_result: StrList = ()


class Condition(StrictModel):
    """A condition: every key given must hold (an implicit ``all``); no key matches everything."""

    all_of: tuple[Condition, ...] | None = Field(default=None, alias="all")
    any_of: tuple[Condition, ...] | None = Field(default=None, alias="any")
    not_: Condition | None = Field(default=None, alias="not")
    project: StrList | None = None
    issue_type: StrList | None = None
    labels: Annotated[SetMatch, BeforeValidator(_as_set_match)] | None = None
    components: Annotated[SetMatch, BeforeValidator(_as_set_match)] | None = None
    epic_key: StrList | None = None
    parent_key: StrList | None = None
    has_parent: bool | None = None
    has_epic: bool | None = None
    status_category: Annotated[tuple[Status, ...], BeforeValidator(_as_list)] | None = None
    priority: StrList | None = None
    team: StrList | None = None
    custom: dict[str, Annotated[CustomMatch, BeforeValidator(_as_custom_match)]] | None = None
    summary_matches: PatternList | None = None
    roadmap: RoadmapMatch | None = None
    key_result_label: bool | None = None

    @field_validator("all_of", "any_of")
    @classmethod
    def _non_empty_group(cls, group: tuple[Condition, ...] | None) -> tuple[Condition, ...] | None:
        if group is not None and not group:
            raise ValueError("an 'all' or 'any' group needs at least one condition")
        return group


class Action(StrictModel):
    """What a matching rule decides: a work class, and optionally a category and key result."""

    work_class: Literal["product", "technology"]
    category: Category | None = None
    key_result: str | None = None


class Rule(StrictModel):
    """One rule. ``fallback`` rules are defaults that yield to an inherited decision."""

    id: RuleId
    description: str = ""
    when: Condition = Field(default_factory=Condition)
    then: Action
    fallback: bool = False


_Decided = Literal["product", "technology"]


def _default_hints() -> dict[str, _Decided]:
    return {"product": "product", "technology": "technology"}


class InheritanceSettings(StrictModel):
    """How sub-task → parent → epic → roadmap item inheritance combines with an own decision.

    ``precedence: own``: an issue's own non-fallback rule beats anything inherited.
    ``precedence: inherited``: an inherited decision beats every own rule.
    ``key_result``: when the winning decision has no key result, take the nearest ancestor's.
    """

    enabled: bool = True
    precedence: Literal["own", "inherited"] = "own"
    key_result: bool = True


class RoadmapSettings(StrictModel):
    """How a roadmap item decides for the issues linked to it.

    Its ``hint`` (case-insensitive) is looked up in ``hints``; an item without a usable hint
    decides ``default_work_class`` (``null``: it passes on only its key result, if any).
    """

    hints: dict[str, _Decided] = Field(default_factory=_default_hints)
    default_work_class: _Decided | None = None


class Settings(StrictModel):
    """Rule-set-wide settings."""

    key_result_label_prefix: str | None = "kr:"
    inheritance: InheritanceSettings = Field(default_factory=InheritanceSettings)
    roadmap: RoadmapSettings = Field(default_factory=RoadmapSettings)


class RuleFile(StrictModel):
    """A whole rule file. ``categories`` (optional) lists the categories each work class allows."""

    format: Literal[1]
    name: str = ""
    settings: Settings = Field(default_factory=Settings)
    categories: dict[str, tuple[Category, ...]] | None = None
    rules: tuple[Rule, ...]

    @field_validator("rules")
    @classmethod
    def _some_rules(cls, rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
        return _not_empty(rules, "rule")

    @field_validator("categories")
    @classmethod
    def _work_classes(
        cls, categories: dict[str, tuple[str, ...]] | None
    ) -> dict[str, tuple[str, ...]] | None:
        unknown = sorted(set(categories or {}) - {"product", "technology"})
        if unknown:
            raise ValueError(f"categories are listed per product or technology, not {unknown}")
        return categories
