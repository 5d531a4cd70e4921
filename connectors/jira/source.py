"""``JiraSource``: a Jira Cloud or Data Center instance as a ``syncd.core.domain.Source``.

Each run first reads the deployment (``serverInfo``), the API user's time zone (``/myself``),
the custom field ids (``/field``) and, when histories are kept, the status list (``/status``,
which maps statuses to categories), then fetches one partition per configured project (or
the single ``jql`` partition) on up to ``concurrency`` threads, one ``jira`` client each.
With fewer partitions than threads (or ``ranges`` configured), each partition is first
probed and cut into ranges of creation time (``connectors.jira.ranges``), fetched like
partitions. Pages reach the caller through a bounded queue, parsed, with their issues'
histories (``connectors.jira.histories``), in order within a range.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

import jira
import structlog
from pydantic import SecretStr

from connectors.http import ConcurrencyLimit, RequestObserver, RetryPolicy
from connectors.jira.changelog import ChangelogContext, status_categories
from connectors.jira.client import (
    CENSUS_PAGE_SIZE,
    JiraClient,
    connect_client,
    credentials,
)
from connectors.jira.config import JiraSourceConfig
from connectors.jira.fanout import fan_out
from connectors.jira.fields import FieldIds, discover_fields, field_name_map
from connectors.jira.histories import HistoryReader
from connectors.jira.jql import (
    CENSUS_ORDER,
    PAGE_ORDER,
    Partition,
    at_or_after,
    census_partitions,
    check_jql,
    narrowed,
    sync_partitions,
)
from connectors.jira.paging import NextWindow, RawPage, cloud_pages, datacenter_pages
from connectors.jira.parse import created_of, parse_issue
from connectors.jira.ranges import Extent, probe, range_counts, split
from syncd.core.domain import Census, FieldChange, Issue, Page, RejectedRecord
from syncd.core.errors import PermanentSourceError

__all__ = ["JiraSource"]

_CensusPart = tuple[str, frozenset[int], bool]
_Probe = tuple[Partition, bool]
"""A partition and which end of it to read: its first issue (``True``) or its last."""
_Seen = tuple[str, bool, datetime | None, int | None]
"""What a probe saw: partition, which end, that issue's creation time and (first end) size."""

_log = structlog.get_logger("connectors.jira")


class JiraSource:
    """Polls one Jira instance; see ``syncd.core.domain.Source`` for the contract.

    *sleep* replaces waiting between retries (tests pass a recorder), *stop_event* ends
    retries and paging promptly (SIGTERM), *clock* dates HTTP-date ``Retry-After`` values,
    *observer* counts requests and retries. *api_factory* builds the ``jira`` package's client
    (``jira.JIRA``; tests may wrap it). The secret is only ever handed to that client.
    """

    def __init__(
        self,
        config: JiraSourceConfig,
        secret: SecretStr | None,
        *,
        sleep: Callable[[float], None] | None = None,
        stop_event: threading.Event | None = None,
        clock: Callable[[], datetime] | None = None,
        observer: RequestObserver | None = None,
        rng: random.Random | None = None,
        api_factory: Callable[..., Any] = jira.JIRA,
    ) -> None:
        problem = check_jql(config.jql) if config.jql is not None else None
        if problem is not None:
            raise PermanentSourceError(config.name, f"sources.jira[{config.name}].jql: {problem}")
        self._config = config
        self._secret = secret
        self._stop = stop_event or threading.Event()
        self._api_factory = api_factory
        secrets = credentials(config, secret)
        self._policy = RetryPolicy(
            config.name,
            max_attempts=config.max_attempts,
            max_retry_seconds=config.max_retry_seconds,
            stop_event=self._stop,
            sleep=sleep,
            clock=clock,
            observer=observer,
            rng=rng,
            secrets=secrets,
            limit=(
                ConcurrencyLimit(config.name, config.concurrency)
                if config.adaptive_concurrency
                else None
            ),
        )

    @property
    def name(self) -> str:
        """The configured source name."""
        return self._config.name

    def pages(self, since: datetime | None) -> Iterator[Page]:
        """Every issue updated at or after ``since - overlap`` (all issues when ``None``)."""
        boot = self._connect(self._policy)
        zone = boot.time_zone()
        listed = boot.fields()
        ids = discover_fields(listed, self._config.fields)
        names = field_name_map(listed)
        context = self._context(boot, listed, ids)
        partitions = sync_partitions(
            self._config.projects,
            self._config.jql,
            since=since,
            overlap_minutes=self._config.overlap_minutes,
            zone=zone,
        )
        partitions = self._ranges(partitions, boot.deployment == "cloud", zone, names)

        def worker(halt: threading.Event) -> Callable[[Partition], Iterator[Page]]:
            client = self._connect(self._policy.with_stop_event(halt))
            client.prime_field_names(names)
            reader = self._reader(client, context)
            return lambda partition: self._fetch_pages(client, partition, ids, zone, reader)

        yield from fan_out(
            partitions,
            worker,
            concurrency=self._config.concurrency,
            stop_event=self._stop,
            source=self.name,
        )

    def histories(self, issue_ids: Iterable[int]) -> Iterator[tuple[int, tuple[FieldChange, ...]]]:
        """The histories of issues synced before histories were kept; nothing when the
        source keeps none (``changelog: false``). See ``syncd.core.domain.Source``."""
        if not self._config.changelog:
            return
        boot = self._connect(self._policy)
        listed = boot.fields()
        reader = self._reader(
            boot, self._context(boot, listed, discover_fields(listed, self._config.fields))
        )
        if reader is not None:
            yield from reader.histories(issue_ids)

    def census(self) -> Census:
        """Sweep the ids of every configured, visible partition; invisible ones are ``lost``."""
        boot = self._connect(self._policy)
        projects: Sequence[str] = self._config.projects
        lost: frozenset[str] = frozenset()
        if projects:
            visible = boot.project_keys()
            lost = frozenset(key for key in projects if key not in visible)
            projects = [key for key in projects if key in visible]
            if not projects:
                return Census(ids={}, lost=lost, complete=True)
        # Data Center reads in windows of creation time, so its census follows that order.
        windowed = boot.deployment != "cloud"
        zone = boot.time_zone() if windowed else None
        order = PAGE_ORDER if windowed else CENSUS_ORDER
        partitions = census_partitions(projects, self._config.jql, order)

        def worker(halt: threading.Event) -> Callable[[Partition], Iterator[_CensusPart]]:
            client = self._connect(self._policy.with_stop_event(halt))
            client.prime_field_names({})
            return lambda partition: iter((self._sweep(client, partition, zone),))

        ids: dict[str, frozenset[int]] = {}
        complete = True
        for name, found, swept in fan_out(
            partitions,
            worker,
            concurrency=self._config.concurrency,
            stop_event=self._stop,
            source=self.name,
        ):
            ids[name] = found
            complete = complete and swept
        return Census(ids=ids, lost=lost, complete=complete)

    def _ranges(
        self,
        partitions: Sequence[Partition],
        cloud: bool,
        zone: tzinfo | None,
        names: Mapping[str, str],
    ) -> tuple[Partition, ...]:
        """*partitions* cut into ranges of creation time when that keeps more threads busy:
        with fewer partitions than threads, unless ``ranges: 1``."""
        most, threads = self._config.ranges, self._config.concurrency
        if most == 1 or (most is None and len(partitions) >= threads):
            return tuple(partitions)
        extents = self._extents(partitions, names)
        page = self._config.page_size
        if not cloud:
            page = min(page, self._config.result_window)
        counts = range_counts(extents, concurrency=threads, page_size=page, most=most)
        ranged: list[Partition] = []
        for part in partitions:
            pieces = split(part, extents[part.name], counts[part.name], zone)
            _log.info(
                "partition_ranges",
                source=self.name,
                partition=part.name,
                issues=extents[part.name].count,
                ranges=len(pieces),
            )
            ranged.extend(pieces)
        return tuple(ranged)

    def _extents(
        self, partitions: Sequence[Partition], names: Mapping[str, str]
    ) -> dict[str, Extent]:
        """Each partition's ends and size, from probes of both ends run in parallel."""

        def worker(halt: threading.Event) -> Callable[[_Probe], Iterator[_Seen]]:
            client = self._connect(self._policy.with_stop_event(halt))
            client.prime_field_names(names)
            return lambda end: iter(((end[0].name, end[1], *probe(client, *end)),))

        probes: list[_Probe] = [(part, first) for part in partitions for first in (True, False)]
        seen: dict[tuple[str, bool], tuple[datetime | None, int | None]] = {}
        for name, first, created, count in fan_out(
            probes,
            worker,
            concurrency=self._config.concurrency,
            stop_event=self._stop,
            source=self.name,
        ):
            seen[name, first] = created, count
        return {
            part.name: Extent(
                seen[part.name, True][0], seen[part.name, False][0], seen[part.name, True][1]
            )
            for part in partitions
        }

    def _connect(self, policy: RetryPolicy) -> JiraClient:
        return connect_client(self._config, self._secret, policy, self._api_factory)

    def _context(
        self, boot: JiraClient, listed: Sequence[Mapping[str, Any]], ids: FieldIds
    ) -> ChangelogContext | None:
        """What reading histories needs, read once per run; ``None`` when none are kept."""
        if not self._config.changelog:
            return None
        names = {
            str(one["id"]): str(one.get("name") or "").strip().casefold()
            for one in listed
            if isinstance(one.get("id"), str)
        }
        return ChangelogContext(
            self.name,
            boot.deployment == "cloud",
            status_categories(boot.statuses()),
            epic_link=ids.epic_link,
            team=ids.team,
            names=names,
        )

    def _reader(self, client: JiraClient, context: ChangelogContext | None) -> HistoryReader | None:
        if context is None:
            return None
        return HistoryReader(client, context, self._config.changelog_batch_size)

    def _fetch_pages(
        self,
        client: JiraClient,
        partition: Partition,
        ids: FieldIds,
        zone: tzinfo | None,
        reader: HistoryReader | None = None,
    ) -> Iterator[Page]:
        wanted = ids.requested()
        expand = reader.expand if reader is not None else None
        raws = self._raw_pages(
            client, partition, self._config.page_size, wanted, zone, expand=expand
        )
        if reader is None:
            for raw in raws:
                issues, rejected = _parse_all(raw.issues, self.name, ids)
                yield Page(partition.name, raw.number, issues, rejected, raw.stable)
            return
        yield from reader.pages(self._parsed_with_histories(raws, partition, ids, reader))

    def _parsed_with_histories(
        self, raws: Iterable[RawPage], partition: Partition, ids: FieldIds, reader: HistoryReader
    ) -> Iterator[tuple[Page, tuple[Any, ...]]]:
        for raw in raws:
            # Histories are kept as changes, not inside each issue's stored payload.
            carriers = reader.detach(raw.issues)
            issues, rejected = _parse_all(raw.issues, self.name, ids)
            yield Page(partition.name, raw.number, issues, rejected, raw.stable), carriers

    def _sweep(self, client: JiraClient, partition: Partition, zone: tzinfo | None) -> _CensusPart:
        found: set[int] = set()
        complete = True
        fields = ("id",) if client.deployment == "cloud" else ("id", "created")
        for raw in self._raw_pages(client, partition, CENSUS_PAGE_SIZE, fields, zone):
            complete = complete and raw.stable
            for issue in raw.issues:
                issue_id = issue.get("id") if isinstance(issue, Mapping) else None
                if isinstance(issue_id, str | int) and str(issue_id).isdigit():
                    found.add(int(issue_id))
                else:
                    # An id we cannot read might be one we hold: delete nothing this time.
                    complete = False
        return partition.name, frozenset(found), complete

    def _raw_pages(
        self,
        client: JiraClient,
        partition: Partition,
        size: int,
        fields: Sequence[str],
        zone: tzinfo | None,
        *,
        expand: str | None = None,
    ) -> Iterator[RawPage]:
        """The partition's raw pages; Data Center queries are ordered by creation (``created``
        is among *fields*) and read in windows that go on from the last issue's creation."""
        jql, where = partition.jql, partition.name
        if client.deployment == "cloud":
            return cloud_pages(
                lambda token: client.search_cloud(jql, token, size, fields),
                source=self.name,
                partition=where,
                count=lambda: client.approximate_count(jql),
            )
        size = min(size, self._config.result_window)  # a page larger would fail at once
        return datacenter_pages(
            lambda narrowing, start, asked: client.search_datacenter(
                narrowed(jql, narrowing) if narrowing else jql,
                start,
                asked or size,
                fields,
                expand,
            ),
            source=self.name,
            partition=where,
            next_window=_created_window(zone),
            result_window=self._config.result_window,
        )


def _created_window(zone: tzinfo | None) -> NextWindow:
    """Narrow a query to issues created at or after a raw issue's creation minute."""

    def narrowing(issue: Any) -> str | None:
        created = created_of(issue)
        return None if created is None else at_or_after("created", created, zone)

    return narrowing


def _parse_all(
    payloads: Sequence[Any], source: str, ids: FieldIds
) -> tuple[tuple[Issue, ...], tuple[RejectedRecord, ...]]:
    issues: dict[int, Issue] = {}
    rejected: list[RejectedRecord] = []
    for payload in payloads:
        parsed = parse_issue(payload, source, ids)
        if isinstance(parsed, RejectedRecord):
            rejected.append(parsed)
        elif parsed.issue_id not in issues or issues[parsed.issue_id].updated <= parsed.updated:
            # One page may list an issue twice when it moved mid-query; keep the newest.
            issues[parsed.issue_id] = parsed
    return tuple(issues.values()), tuple(rejected)
