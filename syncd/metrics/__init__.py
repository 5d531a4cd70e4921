"""What ``/metrics`` exposes: the drift series from the latest analytics snapshot
(``SnapshotCollector``) and the service's own health (``ServiceMetrics``).

The catalogue of every series, with its type, labels and meaning, is docs/metrics.md.
"""

from __future__ import annotations

from syncd.metrics.service import (
    OUTCOMES,
    RETRY_REASONS,
    STATUS_CLASSES,
    ServiceMetrics,
    status_class,
)
from syncd.metrics.snapshot_collector import INTEGRITY_KINDS, SnapshotCollector

__all__ = [
    "INTEGRITY_KINDS",
    "OUTCOMES",
    "RETRY_REASONS",
    "STATUS_CLASSES",
    "ServiceMetrics",
    "SnapshotCollector",
    "status_class",
]
