"""The mapping files' state as series: valid or not, when the set in use was loaded, which.

A running service re-reads its rule, OKR, agreement and team files when they change; an edit
that does not validate leaves the previous set in use. Without these series that would only
be a log line: ``/readyz`` and every other metric stay the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Protocol

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric

__all__ = ["MappingFilesCollector", "MappingFilesView"]


class MappingFilesView(Protocol):
    """What the collector reads of the mapping files' state (``syncd.app``'s state fits)."""

    @property
    def valid(self) -> bool:
        """Whether the files on disk were valid when last read."""

    @property
    def loaded_at(self) -> datetime:
        """When the set in use was loaded."""

    @property
    def ruleset(self) -> str:
        """The content hash of the rule set in use."""


class MappingFilesCollector:
    """Exposes *state* (read at every scrape, never cached), registered on *registry*::

    # TYPE syncd_mapping_files_valid gauge
    syncd_mapping_files_valid 0.0
    # TYPE syncd_mapping_files_loaded_timestamp_seconds gauge
    syncd_mapping_files_loaded_timestamp_seconds 1.7647e+09
    # TYPE syncd_rule_set_info gauge
    syncd_rule_set_info{version="3f2a9c01b7e4"} 1.0
    """

    def __init__(self, registry: CollectorRegistry, state: Callable[[], MappingFilesView]) -> None:
        self._state = state
        registry.register(self)

    def describe(self) -> Iterable[Metric]:
        """The three families, without reading the state."""
        return _empty()

    def collect(self) -> Iterable[Metric]:
        """The state as it is now."""
        state = self._state()
        valid, loaded, info = _empty()
        valid.add_metric([], 1.0 if state.valid else 0.0)
        loaded.add_metric([], state.loaded_at.timestamp())
        info.add_metric([state.ruleset], 1.0)
        return [valid, loaded, info]


def _empty() -> tuple[GaugeMetricFamily, GaugeMetricFamily, GaugeMetricFamily]:
    return (
        GaugeMetricFamily(
            "syncd_mapping_files_valid",
            "1 when the mapping files on disk were valid at their last read, 0 when an edit "
            "was refused and the previous set stays in use.",
        ),
        GaugeMetricFamily(
            "syncd_mapping_files_loaded_timestamp_seconds",
            "When the mapping files in use were loaded.",
        ),
        GaugeMetricFamily(
            "syncd_rule_set_info",
            "The rule set in use, by content hash; always 1.",
            labels=["version"],
        ),
    )
