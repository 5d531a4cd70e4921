"""syncd: is the work we do the work we agreed to do?

The service core: domain model, configuration, store, sync engine, analytics, metrics,
daemon loop and the CLI that wires concrete parts together.

``syncd.__version__`` is the installed distribution's version, read when first asked for:
``importlib.metadata`` costs every command's start-up more than most of what it then does.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

__all__ = ["__version__"]

if TYPE_CHECKING:
    __version__: str
else:

    def __getattr__(name: str) -> str:
        if name == "__version__":
            return _version()
        raise AttributeError(f"module 'syncd' has no attribute {name!r}")


@cache
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("syncd")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
        return "0.0.0+unknown"
