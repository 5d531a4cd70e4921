"""Pausing the cyclic garbage collector around a refresh's bulk work."""

from __future__ import annotations

import gc
import weakref

import pytest

from syncd.app.gc_pause import gc_paused


def test_the_collector_is_off_inside_and_back_on_after_even_on_error() -> None:
    assert gc.isenabled()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(RuntimeError), gc_paused():
        raise RuntimeError("refresh failed")
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        with gc_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_what_the_block_built_waits_in_the_oldest_generation_and_cycles_still_go() -> None:
    """Built in the block: out of the young generations after it (no young collection
    traverses it), yet a reference cycle made there is freed by the next full pass."""
    with gc_paused():
        built = [[n] for n in range(1000)]
        first, second = _Node(), _Node()
        first.other, second.other = second, first
        cycle = weakref.ref(first)
        del first, second
    young = {id(o) for generation in (0, 1) for o in gc.get_objects(generation=generation)}
    assert not young & {id(o) for o in built}
    assert any(o is built for o in gc.get_objects(generation=2))
    assert cycle() is not None
    gc.collect()
    assert cycle() is None


def test_frozen_after_keeps_what_the_block_built_out_of_the_collector() -> None:
    """A backfill keeps each step's structures frozen for the time its caller renders the
    step: they stay out of every generation until unfrozen."""
    try:
        with gc_paused(frozen_after=True):
            built = [[n] for n in range(1000)]
        assert gc.isenabled()
        assert gc.get_freeze_count() >= len(built)
        assert not any(o is built for o in gc.get_objects())
    finally:
        gc.unfreeze()
    assert any(o is built for o in gc.get_objects(generation=2))
