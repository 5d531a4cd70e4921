"""Pausing Python's cyclic garbage collector while a large, acyclic structure is built.

Building a record per issue for 200,000 issues triggers the collector's full passes again
and again, each one traversing every record already built: about a fifth of a refresh's
time, for structures that hold no reference cycles (reference counting frees them anyway).

What the block built is then handed to the oldest generation: left in the youngest, the
first allocation after the pause would start a collection traversing all of it (a second
at 200k issues), and the next generation's another. In the oldest generation it waits for
the collector's next full pass like every long-lived object, so a cycle made meanwhile is
still collected.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off; restore its previous state after, with
    every tracked object in the oldest generation unless some are frozen (``gc.freeze``):
    those stay frozen, the others where they were."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if not gc.get_freeze_count():
                # Frozen objects go back to the oldest generation when unfrozen; where some
                # are frozen already (a backfill freezes each step), they stay so.
                gc.freeze()
                gc.unfreeze()
            gc.enable()
