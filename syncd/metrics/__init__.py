"""What ``/metrics`` exposes: the drift series from the latest analytics snapshot
(``SnapshotCollector``), the service's own health (``ServiceMetrics``) and the state of its
mapping files (``MappingFilesCollector``).

The catalogue of every series, with its type, labels and meaning, is docs/metrics.md.
"""

from __future__ import annotations

from syncd.metrics.mapping_files import MappingFilesCollector, MappingFilesView
from syncd.metrics.service import (
    OUTCOMES,
    REFRESH_OUTCOMES,
    RETRY_REASONS,
    STATUS_CLASSES,
    ServiceMetrics,
    status_class,
)
from syncd.metrics.snapshot_collector import INTEGRITY_KINDS, SnapshotCollector
from syncd.metrics.snapshot_families import WEIGHTING_UNITS

__all__ = [
    "INTEGRITY_KINDS",
    "OUTCOMES",
    "REFRESH_OUTCOMES",
    "RETRY_REASONS",
    "STATUS_CLASSES",
    "WEIGHTING_UNITS",
    "MappingFilesCollector",
    "MappingFilesView",
    "ServiceMetrics",
    "SnapshotCollector",
    "status_class",
]
