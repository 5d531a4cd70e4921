"""The C allocator's share of the process's memory: fewer malloc arenas for a threaded syncd.

glibc gives threads that allocate at the same moment malloc arenas of their own, up to eight
per core, and an arena's freed memory goes back to the system only from its top. syncd's
fetch threads each build pages of issues while the writer frees earlier ones, so memory freed
in one arena cannot serve the next page built in another: the process's peak resident size
grows with no more live objects. Two arenas keep the fetch threads from waiting on each
other's allocations (most of Python's small objects come from its own allocator anyway) and
gave syncd's processes 5-9% less peak memory at the same speed (docs/benchmarks-scenarios.md).

Set before the first thread starts; an explicit setting in the environment
(``MALLOC_ARENA_MAX``, or ``glibc.malloc.arena_max`` in ``GLIBC_TUNABLES``) is left as it is
(glibc has read it already), and a C library without ``mallopt`` (musl, macOS) is left
alone.
"""

from __future__ import annotations

import ctypes
import os
import sys
from typing import Final

__all__ = ["ARENAS", "cap_malloc_arenas"]

ARENAS: Final = 2
_M_ARENA_MAX: Final = -8  # glibc's malloc.h


def cap_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas at *arenas*; whether the cap was set by this call."""
    if not sys.platform.startswith("linux") or _set_in_environment():
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, arenas))


def _set_in_environment() -> bool:
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    return "MALLOC_ARENA_MAX" in os.environ or "glibc.malloc.arena_max" in tunables
