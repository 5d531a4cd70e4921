"""Evaluation of parsed JQL against issue records: predicates, project scope and ordering.

Date literals without an offset are read in the searching user's time zone, to the minute;
bare integers are epoch milliseconds; ``-1d``-style periods count from the emulator clock.
Unknown fields, values and operators raise :class:`JqlError` with Jira's wording.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from connectors.jira.emulator.catalog import CATEGORIES, ISSUE_TYPES, PRIORITIES, STATUSES
from connectors.jira.emulator.jql import And, Clause, Function, JqlError, Literal, Node, Not, Or
from connectors.jira.emulator.records import IssueRecord, to_ms

__all__ = [
    "Predicate",
    "QueryContext",
    "compile_where",
    "project_scope",
    "sort_key",
    "time_relative",
]

Predicate = Callable[[IssueRecord], bool]
_DATE = re.compile(r"^(\d{4})([/-])(\d{1,2})\2(\d{1,2})(?:\s+(\d{1,2}):(\d{2}))?$")
_PERIOD = re.compile(r"^([-+]?)((?:\d+[wdhm]\s*)+)$")
_PERIOD_PART = re.compile(r"(\d+)([wdhm])")
_UNIT_MS = {"w": 604_800_000, "d": 86_400_000, "h": 3_600_000, "m": 60_000}
_DATE_FIELDS = {
    "created": "created_ms",
    "createddate": "created_ms",
    "updated": "updated_ms",
    "updateddate": "updated_ms",
    "resolved": "resolved_ms",
    "resolutiondate": "resolved_ms",
}
_KEY_FIELDS = ("key", "issuekey", "id", "issue")
_COMPARE: dict[str, Callable[[int, int], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


@dataclass(frozen=True, slots=True)
class QueryContext:
    """What evaluation needs from the instance: the user's zone, the clock, lookups."""

    user_zone: ZoneInfo
    now_ms: int
    projects: dict[str, tuple[str, str]]  # visible key -> (id, name)
    key_to_id: Callable[[str], int | None]
    id_to_record: Callable[[int], IssueRecord | None]


def _text(value: Literal | Function, field: str) -> str:
    if isinstance(value, Function):
        raise JqlError(f"Unable to find JQL function '{value.name}()'.")
    return value.text


def _names(clause: Clause, resolve: Callable[[str], str | None]) -> set[str]:
    result = set()
    for value in clause.values:
        text = _text(value, clause.field)
        name = resolve(text)
        if name is None:
            raise JqlError(f"The value '{text}' does not exist for the field '{clause.field}'.")
        result.add(name)
    return result


def _lookup(table: dict[str, str]) -> Callable[[str], str | None]:
    folded = {k.lower(): k for k in table} | {v.lower(): k for k, v in table.items()}
    return lambda text: folded.get(text.lower())


def _set_predicate(
    clause: Clause, getter: Callable[[IssueRecord], str], names: set[str]
) -> Predicate:
    op = clause.operator
    if op in ("=", "in"):
        return lambda r: getter(r) in names
    if op in ("!=", "not in"):
        return lambda r: getter(r) not in names
    raise _unsupported(clause)


def _unsupported(clause: Clause) -> JqlError:
    shown = clause.operator.upper() if clause.operator[0].isalpha() else clause.operator
    return JqlError(f"The operator '{shown}' is not supported by the '{clause.field}' field.")


def _emptiness(clause: Clause, has_value: Predicate) -> Predicate | None:
    value = clause.values[0]
    if not (isinstance(value, Literal) and value.empty):
        return None
    if clause.operator in ("is", "="):
        return lambda r: not has_value(r)
    if clause.operator in ("is not", "!="):
        return has_value
    raise _unsupported(clause)


def _date_ms(value: Literal | Function, field: str, ctx: QueryContext) -> int:
    if isinstance(value, Function):
        if value.name.lower() == "now":
            return ctx.now_ms
        raise JqlError(f"Unable to find JQL function '{value.name}()'.")
    text = value.text.strip()
    if text.isdigit():
        return int(text)
    match = _DATE.match(text)
    if match:
        year, _sep, month, day, hour, minute = match.groups()
        try:
            local = datetime(
                int(year),
                int(month),
                int(day),
                int(hour or 0),
                int(minute or 0),
                tzinfo=ctx.user_zone,
            )
        except ValueError:
            raise _bad_date(text, field) from None
        return to_ms(local)
    period = _PERIOD.match(text)
    if period:
        total = sum(int(n) * _UNIT_MS[u] for n, u in _PERIOD_PART.findall(period.group(2)))
        return ctx.now_ms - total if period.group(1) == "-" else ctx.now_ms + total
    raise _bad_date(text, field)


def _bad_date(text: str, field: str) -> JqlError:
    return JqlError(
        f"Date value '{text}' for field '{field}' is invalid. Valid formats include: "
        "'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period "
        "format e.g. '-5d', '4w 2d'."
    )


def _date_clause(clause: Clause, attribute: str, ctx: QueryContext) -> Predicate:
    def get(r: IssueRecord) -> int | None:
        value: int | None = getattr(r, attribute)
        return value

    empty = _emptiness(clause, lambda r: get(r) is not None)
    if empty is not None:
        return empty
    moments = {_date_ms(v, clause.field, ctx) for v in clause.values}
    op = clause.operator
    if op in _COMPARE:
        (moment,) = moments
        compare = _COMPARE[op]
        return lambda r: (v := get(r)) is not None and compare(v, moment)
    if op in ("=", "in"):
        return lambda r: get(r) in moments
    if op in ("!=", "not in"):
        return lambda r: (v := get(r)) is not None and v not in moments
    raise _unsupported(clause)


def _key_clause(clause: Clause, ctx: QueryContext) -> Predicate:
    empty = _emptiness(clause, lambda r: True)
    if empty is not None:
        return empty
    ids: list[int] = []
    for value in clause.values:
        text = _text(value, clause.field)
        issue_id = int(text) if text.isdigit() else ctx.key_to_id(text.upper())
        record = None if issue_id is None else ctx.id_to_record(issue_id)
        if record is None:
            raise JqlError(f"An issue with key '{text}' does not exist for field '{clause.field}'.")
        ids.append(record.id)
    op = clause.operator
    if op in _COMPARE:
        pivot = ctx.id_to_record(ids[0])
        assert pivot is not None
        compare, project, number = _COMPARE[op], pivot.project, pivot.number
        return lambda r: r.project == project and compare(r.number, number)
    wanted = set(ids)
    if op in ("=", "in"):
        return lambda r: r.id in wanted
    if op in ("!=", "not in"):
        return lambda r: r.id not in wanted
    raise _unsupported(clause)


def _multi_clause(clause: Clause, getter: Callable[[IssueRecord], tuple[str, ...]]) -> Predicate:
    empty = _emptiness(clause, lambda r: bool(getter(r)))
    if empty is not None:
        return empty
    wanted = {_text(v, clause.field) for v in clause.values}
    op = clause.operator
    if op in ("=", "in"):
        return lambda r: not wanted.isdisjoint(getter(r))
    if op in ("!=", "not in"):  # like Jira, a negation never matches an empty field
        return lambda r: bool(getter(r)) and wanted.isdisjoint(getter(r))
    raise _unsupported(clause)


def _clause(clause: Clause, ctx: QueryContext) -> Predicate:
    field = clause.field.lower()
    if field in _DATE_FIELDS:
        return _date_clause(clause, _DATE_FIELDS[field], ctx)
    if field in _KEY_FIELDS:
        return _key_clause(clause, ctx)
    if field in _MULTI_FIELDS:
        return _multi_clause(clause, _MULTI_FIELDS[field])
    if field not in _SINGLE_FIELDS:
        raise JqlError(
            f"Field '{clause.field}' does not exist or you do not have permission to view it."
        )
    empty = _emptiness(clause, lambda r: True)
    if empty is not None:
        return empty
    resolver, getter = _SINGLE_FIELDS[field]
    if field == "statuscategory":
        categories = _names(clause, resolver(ctx))
        names = {name for name, s in STATUSES.items() if s.category in categories}
    else:
        names = _names(clause, resolver(ctx))
    return _set_predicate(clause, getter, names)


_MULTI_FIELDS: dict[str, Callable[[IssueRecord], tuple[str, ...]]] = {
    "labels": lambda r: r.labels,
    "component": lambda r: r.components,
}


def _project_resolver(ctx: QueryContext) -> Callable[[str], str | None]:
    folded: dict[str, str] = {}
    for key, (ident, name) in ctx.projects.items():
        folded[key.lower()] = key
        folded[ident] = key
        folded[name.lower()] = key
    return lambda text: folded.get(text.lower())


def _category_resolver(_: QueryContext) -> Callable[[str], str | None]:
    base = _lookup({c.key: str(c.id) for c in CATEGORIES.values()})
    by_name = {c.name.lower(): c.key for c in CATEGORIES.values()}
    return lambda text: base(text) or by_name.get(text.lower())


def _static(table: dict[str, str]) -> Callable[[QueryContext], Callable[[str], str | None]]:
    resolve = _lookup(table)
    return lambda _ctx: resolve


_Resolver = Callable[[QueryContext], Callable[[str], str | None]]
_SINGLE_FIELDS: dict[str, tuple[_Resolver, Callable[[IssueRecord], str]]] = {
    "project": (_project_resolver, lambda r: r.project),
    "issuetype": (_static({k: v.id for k, v in ISSUE_TYPES.items()}), lambda r: r.issue_type),
    "type": (_static({k: v.id for k, v in ISSUE_TYPES.items()}), lambda r: r.issue_type),
    "status": (_static({k: v.id for k, v in STATUSES.items()}), lambda r: r.status),
    "statuscategory": (_category_resolver, lambda r: r.status),
    "priority": (_static(PRIORITIES), lambda r: r.priority),
}


def compile_where(node: Node, ctx: QueryContext) -> Predicate:
    """Compile a parsed restriction into a predicate over issue records."""
    if isinstance(node, Clause):
        return _clause(node, ctx)
    if isinstance(node, Not):
        inner = compile_where(node.part, ctx)
        return lambda r: not inner(r)
    parts = [compile_where(part, ctx) for part in node.parts]
    if isinstance(node, And):
        return lambda r: all(p(r) for p in parts)
    return lambda r: any(p(r) for p in parts)


def project_scope(node: Node | None, ctx: QueryContext) -> set[str] | None:
    """The projects a restriction limits results to, or None when it may match any."""
    if isinstance(node, Clause):
        return _clause_scope(node, ctx)
    if not isinstance(node, And | Or):
        return None  # no restriction, or a NOT: any project may match
    scopes = [project_scope(part, ctx) for part in node.parts]
    known = [scope for scope in scopes if scope is not None]
    if isinstance(node, Or):
        return set().union(*known) if len(known) == len(scopes) else None
    return set.intersection(*known) if known else None


def _clause_scope(clause: Clause, ctx: QueryContext) -> set[str] | None:
    if clause.field.lower() != "project" or clause.operator not in ("=", "in"):
        return None
    if any(isinstance(v, Literal) and v.empty for v in clause.values):
        return None
    return _names(clause, _project_resolver(ctx))


_SORT_FIELDS: dict[str, Callable[[IssueRecord], tuple[object, ...]]] = {
    "created": lambda r: (r.created_ms,),
    "updated": lambda r: (r.updated_ms,),
    "resolved": lambda r: (r.resolved_ms is None, r.resolved_ms or 0),
    "resolutiondate": lambda r: (r.resolved_ms is None, r.resolved_ms or 0),
    "key": lambda r: (r.project, r.number),
    "issuekey": lambda r: (r.project, r.number),
    "id": lambda r: (r.id,),
    "project": lambda r: (r.project,),
}


def sort_key(field: str) -> Callable[[IssueRecord], tuple[object, ...]]:
    """The sort key for an ORDER BY field; JqlError for fields the emulator cannot sort."""
    key = _SORT_FIELDS.get(field.lower())
    if key is None:
        raise JqlError(f"Not able to sort using field '{field}'.")
    return key


def time_relative(node: Node | None) -> bool:
    """Whether a restriction reads the clock (``now()`` or a period like ``-1d``)."""
    if node is None:
        return False
    if isinstance(node, Clause):
        return any(
            isinstance(v, Function) or (not v.empty and _PERIOD.match(v.text.strip()))
            for v in node.values
        )
    if isinstance(node, Not):
        return time_relative(node.part)
    return any(time_relative(part) for part in node.parts)
