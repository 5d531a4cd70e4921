"""syncd: is the work we do the work we agreed to do?

The service core: domain model, configuration, store, sync engine, analytics, metrics,
daemon loop and the CLI that wires concrete parts together.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("syncd")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
