"""The JQL syncd sends: one bounded, stably ordered query per partition.

Scope is the configured projects (one partition each, keys validated and quoted) and/or the
configured JQL (parenthesised and ANDed). An incremental query adds
``updated >= "yyyy/MM/dd HH:mm"`` rendered in the API user's time zone, because Jira reads a
JQL datetime without an offset in that zone, to the minute: the literal is
``since - overlap`` in that zone, floored to the minute. There is never an upper bound (an
upper bound rendered in UTC skips recent updates on accounts east of UTC). Pages are ordered
by ``created ASC, key ASC``, which an update during the sweep cannot reshuffle.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Final

from syncd.core.domain import ensure_utc

__all__ = [
    "CENSUS_ORDER",
    "JQL_PARTITION",
    "LAST_FIRST_ORDER",
    "PAGE_ORDER",
    "Partition",
    "at_or_after",
    "census_partitions",
    "check_jql",
    "jql_datetime",
    "narrowed",
    "reordered",
    "sync_partitions",
    "unordered",
]

PAGE_ORDER: Final = "ORDER BY created ASC, key ASC"
LAST_FIRST_ORDER: Final = "ORDER BY created DESC, key DESC"
CENSUS_ORDER: Final = "ORDER BY key ASC"
JQL_PARTITION: Final = "jql"
_UNKNOWN_ZONE_MARGIN: Final = timedelta(hours=24)
_PROJECT_KEY: Final = re.compile(r"^[A-Z][A-Z0-9_]{0,49}$")
_QUOTED: Final = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_ORDER_BY: Final = re.compile(r"\border\s+by\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Partition:
    """One independent query: ``name`` (a project key or ``jql``) and its full JQL."""

    name: str
    jql: str


def check_jql(jql: str) -> str | None:
    """Why *jql* cannot be used as a scope (``None`` when it can).

    syncd parenthesises it, ANDs its own bound and appends its own order, so a configured JQL
    must be one balanced expression (``project = A) OR (project = B`` would escape the
    parentheses and widen the scope to everything) and must not carry ``ORDER BY``.
    """
    if not jql.strip():
        return "the configured jql is empty"
    unbalanced = _unbalanced(jql)
    if unbalanced is not None:
        return f"the configured jql must be one balanced expression: {unbalanced}"
    if _ORDER_BY.search(_QUOTED.sub('""', jql)):
        return "the configured jql must not contain ORDER BY (syncd orders pages itself)"
    return None


def _unbalanced(jql: str) -> str | None:
    """What breaks the balance of *jql*'s parentheses and quotes (outside quoted text)."""
    depth, quote, escaped = 0, "", False
    for position, char in enumerate(jql, start=1):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = ""
            continue
        if char in "\"'":
            quote, escaped = char, False
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth < 0:
                return f"')' at character {position} closes a parenthesis never opened"
    if quote:
        return f"a {quote} quote is never closed"
    if depth:
        return f"{depth} '(' never closed"
    return None


def jql_datetime(moment: datetime, zone: tzinfo) -> str:
    """*moment* as a JQL literal in *zone*, floored to the minute: ``"yyyy/MM/dd HH:mm"``."""
    local = ensure_utc(moment).astimezone(zone).replace(second=0, microsecond=0)
    return f'"{local:%Y/%m/%d %H:%M}"'


def sync_partitions(
    projects: Sequence[str],
    jql: str | None,
    *,
    since: datetime | None,
    overlap_minutes: int,
    zone: tzinfo | None,
) -> tuple[Partition, ...]:
    """The data queries for one run: everything updated at or after *since* minus overlap
    (see ``at_or_after`` for a *zone* that is not known)."""
    bound = None
    if since is not None:
        bound = at_or_after("updated", ensure_utc(since) - timedelta(minutes=overlap_minutes), zone)
    return tuple(
        Partition(name, _join(scope, bound, PAGE_ORDER)) for name, scope in _scopes(projects, jql)
    )


def census_partitions(
    projects: Sequence[str], jql: str | None, order: str = CENSUS_ORDER
) -> tuple[Partition, ...]:
    """The ids-only queries of a census: the whole scope of each partition, by key (or by
    *order*: ``PAGE_ORDER`` where results are read in windows of creation time)."""
    return tuple(
        Partition(name, _join(scope, None, order)) for name, scope in _scopes(projects, jql)
    )


def at_or_after(field: str, moment: datetime, zone: tzinfo | None) -> str:
    """``field >= "yyyy/MM/dd HH:mm"``: never later than *moment*, in Jira's reading.

    With no known *zone* the literal is rendered in UTC a day earlier: whatever zone Jira
    reads it in (UTC-12 to UTC+14), the bound is then never later than intended.
    """
    if zone is None:
        moment, zone = ensure_utc(moment) - _UNKNOWN_ZONE_MARGIN, UTC
    return f"{field} >= {jql_datetime(moment, zone)}"


def narrowed(jql: str, clause: str) -> str:
    """*jql* (as built here, ending in its ``ORDER BY``) with *clause* ANDed to its condition."""
    where, _, order = jql.rpartition(" ORDER BY ")
    return f"{where} AND {clause} ORDER BY {order}"


def reordered(jql: str, order: str) -> str:
    """*jql* (as built here, ending in its ``ORDER BY``) ordered by *order* instead."""
    return f"{unordered(jql)} {order}"


def unordered(jql: str) -> str:
    """*jql* (as built here, ending in its ``ORDER BY``) without its order: what a count asks."""
    return jql.rpartition(" ORDER BY ")[0] or jql


def _scopes(projects: Sequence[str], jql: str | None) -> list[tuple[str, str]]:
    extra = f"({jql.strip()})" if jql else None
    if not projects:
        if extra is None:
            raise ValueError("a Jira scope needs projects, jql or both")
        return [(JQL_PARTITION, extra)]
    scopes = []
    for key in projects:
        if not _PROJECT_KEY.match(key):
            raise ValueError(f"invalid project key {key[:60]!r}")
        clause = f'project = "{key}"'
        scopes.append((key, f"{clause} AND {extra}" if extra else clause))
    return scopes


def _join(scope: str, bound: str | None, order: str) -> str:
    where = f"{scope} AND {bound}" if bound else scope
    return f"{where} {order}"
