"""The malloc arena cap: threads that allocate share at most ``ARENAS`` arenas.

Each case runs in a fresh interpreter: the cap is process-wide and must be set before the
threads that allocate start.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.skipif(
    platform.libc_ver()[0] != "glibc", reason="malloc arenas are glibc's"
)

# Eight threads each allocate blocks past Python's small-object allocator, all at once, then
# glibc's malloc_info counts the heaps (arenas) in use.
_PROBE = textwrap.dedent(
    """
    import ctypes, sys, tempfile, threading
    from syncd.service.allocator import cap_malloc_arenas

    capped = cap_malloc_arenas() if sys.argv[1] == "cap" else None
    started, allocated = threading.Barrier(8), threading.Barrier(8)
    def allocate():
        started.wait()
        blocks = [bytearray(4096) for _ in range(2000)]
        allocated.wait()  # every thread holds its blocks at once
    threads = [threading.Thread(target=allocate) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    libc = ctypes.CDLL(None)
    libc.fopen.restype = ctypes.c_void_p
    libc.fopen.argtypes = (ctypes.c_char_p, ctypes.c_char_p)
    libc.malloc_info.argtypes = (ctypes.c_int, ctypes.c_void_p)
    libc.fclose.argtypes = (ctypes.c_void_p,)
    with tempfile.NamedTemporaryFile() as report:
        stream = libc.fopen(report.name.encode(), b"w")
        libc.malloc_info(0, stream)
        libc.fclose(stream)
        heaps = open(report.name).read().count("<heap nr=")
    print(capped, heaps)
    """
)


_SETTINGS = ("MALLOC_ARENA_MAX", "GLIBC_TUNABLES")


def _probe(mode: str, **environment: str) -> tuple[str, int]:
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", _PROBE, mode],
        capture_output=True,
        text=True,
        check=True,
        env={**{k: v for k, v in os.environ.items() if k not in _SETTINGS}, **environment},
    )
    capped, heaps = done.stdout.split()
    return capped, int(heaps)


def test_threads_allocating_at_once_share_two_arenas_once_capped() -> None:
    assert _probe("cap") == ("True", 2)


def test_without_the_cap_each_thread_gets_an_arena_of_its_own() -> None:
    capped, heaps = _probe("none")
    assert capped == "None"
    assert heaps > 2  # the difference the cap makes


def test_an_explicit_setting_in_the_environment_is_left_as_it_is() -> None:
    assert _probe("cap", MALLOC_ARENA_MAX="4") == ("False", 4)


def test_a_glibc_tunable_is_left_as_it_is_too() -> None:
    assert _probe("cap", GLIBC_TUNABLES="glibc.malloc.arena_max=3") == ("False", 3)
