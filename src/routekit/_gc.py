"""Pausing the cyclic garbage collector while a big batch of objects is built.

Parsing and compiling a large file, or loading a cached plan, makes hundreds of
thousands of small objects, none of them garbage; the collector would scan the growing
heap over and over (more than half the time of a 40,000-row table).
"""

from __future__ import annotations

import contextlib
import gc
import threading
from typing import Iterator

# Files this long (about 2,000 routes) are read with the cyclic garbage collector paused.
LARGE_TEXT = 200_000

_gc_lock = threading.Lock()
_gc_pausers = 0
_gc_was_enabled = False


@contextlib.contextmanager
def gc_paused(pause: bool = True) -> Iterator[None]:
    """Pause the cyclic garbage collector for the ``with`` block (if ``pause``).

    Pausing loses nothing, as any cyclic garbage made meanwhile is collected once the collector runs
    again. Nested and concurrent pauses share one pause: the collector is turned back on,
    if it was on, when the last one ends.
    """
    global _gc_pausers, _gc_was_enabled
    if not pause:
        yield
        return
    with _gc_lock:
        if _gc_pausers == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausers += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers -= 1
            if _gc_pausers == 0 and _gc_was_enabled:
                gc.enable()
