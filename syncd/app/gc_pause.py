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
def gc_paused(*, frozen_after: bool = False) -> Iterator[None]:
    """Run the block with the cyclic collector off; restore its previous state after.

    Every tracked object then waits in the oldest generation, or with *frozen_after* out of
    the collector's reach (``gc.freeze``) until the caller's ``gc.unfreeze``: a backfill
    keeps each step so while its caller renders it. Without *frozen_after*, what is frozen
    when the block ends is unfrozen too (``gc.get_freeze_count`` would tell, but it walks
    every frozen object: a quarter of a second per step at 200k issues).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # Frozen objects go back to the oldest generation when unfrozen.
        gc.freeze()
        if not frozen_after:
            gc.unfreeze()
        if enabled:
            gc.enable()
