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
    """:func:`collect_less` while the block runs; after it the thresholds as they were, and the
    frozen objects unfrozen unless some were frozen before the block (another block around it:
    a test run's app in a process already serving one, a batch run inside it; Python has one
    permanent generation, so an inner block leaves the freezing to the outer one)."""
    frozen = gc.get_freeze_count() > 0
    thresholds = collect_less()
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if not frozen:
            gc.unfreeze()
