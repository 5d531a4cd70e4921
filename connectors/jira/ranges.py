"""Cutting one partition into ranges of creation time, fetched in parallel.

A probe reads a partition's first and last issue in page order (``created``, then ``key``)
and its size (Data Center's ``total``, Cloud's approximate count). The span between the two
creation times is cut at minute literals ``t1 < t2 < … < tk`` in the API user's time zone:
the first range is ``created < t1``, the next ``created >= t1 AND created < t2``, …, the
last ``created >= tk``, each ANDed to the partition's own query (its scope and any
``updated >=`` bound) and ordered as it. So:

- every literal is sent once as ``<`` and once as ``>=``, and Jira reads one literal as one
  instant, so no issue matches two ranges and none falls between two, whatever zone Jira
  reads the literal in (the zone only makes the ranges more or less even);
- the first range has no lower bound and the last no upper bound, so issues created (or
  first matching an ``updated`` bound) during the run are in exactly one range too;
- the literals are strictly increasing wall-clock times that exist in the zone (each is an
  instant rendered there), and reading such times never goes backwards across a daylight
  saving change, so no range reaches below the one before it.

The probe only decides where the cuts fall; what each range holds is decided by Jira.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from itertools import pairwise
from typing import Final

from connectors.jira.client import JiraClient
from connectors.jira.jql import LAST_FIRST_ORDER, Partition, jql_datetime, narrowed, reordered
from connectors.jira.parse import created_of

__all__ = ["RANGES_PER_THREAD", "Extent", "cuts", "probe", "range_counts", "split"]

RANGES_PER_THREAD: Final = 2
"""Automatic ranges per fetch thread: a thread done with a short range takes another, which
evens out creation rates that vary over time."""


@dataclass(frozen=True, slots=True)
class Extent:
    """What a probe saw of one partition: the creation times of its first and last issues
    in page order (``None``: empty, or not readable) and its size (``None``: unknown)."""

    first: datetime | None
    last: datetime | None
    count: int | None


def probe(
    client: JiraClient, partition: Partition, first: bool
) -> tuple[datetime | None, int | None]:
    """The creation time of *partition*'s first (or last) issue in page order, and with the
    first its size: Data Center's ``total``, Cloud's estimate (``None`` if it has none)."""
    jql = partition.jql if first else reordered(partition.jql, LAST_FIRST_ORDER)
    count: int | None = None
    if client.deployment == "cloud":
        body = client.search_cloud(jql, None, 1, ("created",))
        count = client.approximate_count(jql) if first else None
    else:
        body = client.search_datacenter(jql, 0, 1, ("created",))
        count = body["total"] if first else None
    issues = body["issues"]
    return (created_of(issues[0]) if issues else None), count


def range_counts(
    extents: Mapping[str, Extent], *, concurrency: int, page_size: int, most: int | None
) -> dict[str, int]:
    """How many ranges each partition is cut into.

    Never more than the partition's pages (a range under a page saves no request), and at
    most *most* when that is configured; otherwise ``RANGES_PER_THREAD`` per thread, shared
    among the partitions by size (a partition of unknown size weighs as the average).
    """
    pages = {name: _pages(extent, page_size) for name, extent in extents.items()}
    known = [count for count in pages.values() if count is not None]
    average = sum(known) / len(known) if known else 1.0
    weights = {
        name: float(count) if count is not None else average for name, count in pages.items()
    }
    whole = sum(weights.values()) or 1.0
    slots = RANGES_PER_THREAD * concurrency
    counts: dict[str, int] = {}
    for name in extents:
        wanted = most if most is not None else round(slots * weights[name] / whole)
        cap = pages[name]
        counts[name] = max(1, wanted if cap is None else min(wanted, cap))
    return counts


def split(
    partition: Partition, extent: Extent, pieces: int, zone: tzinfo | None
) -> tuple[Partition, ...]:
    """*partition* as up to *pieces* ranges of creation time, named ``NAME i/n`` (the
    partition itself when it cannot be cut: empty, one instant, or one piece asked)."""
    literals = cuts(extent, pieces, zone)
    if not literals:
        return (partition,)
    clauses = [
        f"created < {literals[0]}",
        *(f"created >= {low} AND created < {high}" for low, high in pairwise(literals)),
        f"created >= {literals[-1]}",
    ]
    return tuple(
        Partition(f"{partition.name} {number}/{len(clauses)}", narrowed(partition.jql, clause))
        for number, clause in enumerate(clauses, start=1)
    )


def cuts(extent: Extent, pieces: int, zone: tzinfo | None) -> tuple[str, ...]:
    """The JQL literals that cut the extent's span into *pieces* about equal spans: strictly
    increasing, each later than the first issue's minute (a cut at or before it would only
    make an empty range). In UTC when the zone is unknown: the ranges stay exact."""
    first, last = extent.first, extent.last
    if pieces < 2 or first is None or last is None or last <= first:
        return ()
    where = zone or UTC
    span = last - first
    floor = jql_datetime(first, where)
    literals = {jql_datetime(first + span * step / pieces, where) for step in range(1, pieces)}
    # Zero-padded "yyyy/MM/dd HH:mm" text sorts as the wall-clock times it names.
    return tuple(sorted(literal for literal in literals if literal > floor))


def _pages(extent: Extent, page_size: int) -> int | None:
    if extent.count is None:
        return None
    return max(1, math.ceil(extent.count / page_size))
