"""Shared state stores for hosts that run many workers, kept apart from the pure core.

The core never imports this package: `routekit.MemoryState` is the embedded store, and
anything with a ``transact(decide)`` method can be passed to ``Router.route``. The stores
here use only the standard library.

- `SQLiteState` (``routekit.stores.sqlite``): one SQLite file shared by threads and
  processes on one machine, with compare-and-swap on the snapshot's version.

docs/many-workers.md shows the same recipe for PostgreSQL and Redis.
"""

from .sqlite import SQLiteState, StoreError

__all__ = ["SQLiteState", "StoreError"]
