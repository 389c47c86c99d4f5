"""The garbage collector set for long-lived work: a batch run, a serving process.

What a tutor process has alive once it has started (the modules, litellm's tables, pydantic's
schemas, the models: about 470,000 objects the collector tracks, 300,000 of them litellm's)
lives as long as the process, yet every full collection walks all of it. In ``grade --batch``
that was 1.2 ms of CPU per answer; in one ``tutor serve`` answering ~6,000 explanations and
graded attempts, 20 full collections of 345 ms at the median, each stopping the event loop, and
9.9 s of collecting in all (``docs/design/serving.md``, "The garbage collector in a serving
process").

:func:`collecting_less` freezes what is alive (``gc.freeze``: the collector no longer walks it,
and a forked worker no longer copies its pages; objects still go when their last reference
does) and collects young objects every :data:`YOUNG_GC_THRESHOLD` allocations instead of 700,
then puts the collector back. A reference cycle that was alive when frozen and dies later is
not reclaimed: that is what is alive at start-up, which stays, and a process's in-flight work
at that moment.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

# Young collections every this many allocations of containers (Python's default: 700)
YOUNG_GC_THRESHOLD = 20_000


def collect_less() -> tuple[int, int, int]:
    """Freeze what is alive and collect young objects less often; the thresholds before."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(YOUNG_GC_THRESHOLD, *thresholds[1:])
    return thresholds


@contextlib.contextmanager
def collecting_less() -> Iterator[None]:
    """:func:`collect_less` while the block runs; the collector as it was after it."""
    thresholds = collect_less()
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
