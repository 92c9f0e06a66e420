"""`SQLiteState`: routing state shared by many threads and processes through one SQLite file.

Theory of operation
-------------------
One table, ``routekit_state(key TEXT PRIMARY KEY, version INTEGER, snapshot TEXT)``, holds
one row per key: the snapshot as JSON and its version. The database runs in WAL mode, so
readers never wait for the writer and each write is one short transaction.

``transact(decide)`` is optimistic: it reads ``(snapshot, version)``, calls ``decide``
outside any lock (a host's account lookup may be slow; nobody waits for it), and then
writes ``apply_changes(snapshot, changes)`` with::

    UPDATE routekit_state SET snapshot = ?, version = ? WHERE key = ? AND version = ?

Zero rows changed means another worker wrote first: the decision was made from a stale
snapshot, so it is thrown away and made again from a fresh read, after a short random
back-off. Some worker wins every round, so the workers as a whole always progress; one
unlucky worker gives up with `StateConflict` after ``max_attempts`` rounds. A decision
with no changes (rejected, redirected, unrouted, or a rep target) writes nothing.

SQLite connections must not be shared between threads (and never across ``fork``), so
each thread of each process opens its own connection the first time it needs one.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import sqlite3
import threading
import time
import weakref
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Tuple, TypeVar, Union

from ..errors import RoutekitError, RoutekitTypeError, RoutekitValueError
from ..state import StateConflict, TeamChange, apply_changes, check_snapshot

__all__ = ["SQLiteState", "StoreError"]

T = TypeVar("T")

TABLE = "routekit_state"
_SCHEMA = (
    f"CREATE TABLE IF NOT EXISTS {TABLE} ("
    "key TEXT PRIMARY KEY, version INTEGER NOT NULL, snapshot TEXT NOT NULL)"
)
_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")
# Back-off after a lost compare-and-swap: a random pause below min(CAP, BASE * 2**n) seconds,
# so workers that collided spread out instead of colliding again in lockstep.
_BACKOFF_BASE = 0.0002
_BACKOFF_CAP = 0.02


class StoreError(RoutekitError):
    """The shared store could not be opened, read or written (the cause is chained)."""


class _Handle:
    """One thread's connection. It closes when its thread ends (the thread-local that holds
    it is dropped) or on `SQLiteState.close`, so a server that starts a thread per request
    does not leak connections; never in a forked child, where it belongs to the parent."""

    __slots__ = ("__weakref__", "connection", "pid")

    def __init__(self, connection: sqlite3.Connection, pid: int) -> None:
        self.connection: Optional[sqlite3.Connection] = connection
        self.pid = pid

    def close(self) -> None:
        connection, self.connection = self.connection, None
        if connection is not None and self.pid == os.getpid():
            with contextlib.suppress(Exception):  # closing is best effort
                connection.close()

    def __del__(self) -> None:
        self.close()


class SQLiteState:
    """Routing state kept in a SQLite file that many threads and processes share.

    A drop-in for `routekit.MemoryState` wherever ``Router.route(..., state=...)`` is
    called: it has ``transact(decide)``, ``snapshot()``, ``version`` and
    ``apply(changes, expected_version)``.

    Args:
        path: the database file; created if missing. Every worker passes the same path.
        key: which state in the file (one row per key), so several rule sets or tenants
            can share one file.
        timeout: seconds to wait for SQLite's write lock before giving up.
        max_attempts: compare-and-swap rounds before `transact` gives up.
        initial: the snapshot a new key starts from (for example
            ``MemoryState.snapshot()`` when moving to a shared store); ignored when the key
            already exists.
        synchronous: SQLite's ``synchronous`` setting. ``NORMAL`` (the default, and
            SQLite's advice for WAL) survives a crash of the process; ``FULL`` also survives
            a power cut, at the price of a sync on every decision.

    Raises:
        StoreError: the file cannot be opened or is not a routekit state database.
        RoutekitValueError, RoutekitTypeError: bad arguments (``":memory:"`` is refused:
            each connection would see its own database; use `MemoryState`).
    """

    def __init__(
        self,
        path: Union[str, os.PathLike[str]],
        *,
        key: str = "default",
        timeout: float = 5.0,
        max_attempts: int = 100,
        initial: Optional[Mapping[str, Any]] = None,
        synchronous: str = "NORMAL",
    ) -> None:
        if not isinstance(path, (str, os.PathLike)):
            raise RoutekitTypeError(f"path must be a file path, not {type(path).__name__}")
        self.path = os.fspath(path)
        if self.path in ("", ":memory:") or self.path.startswith("file::memory:"):
            raise RoutekitValueError(
                "an in-memory SQLite database is private to one connection; "
                "use routekit.MemoryState for state inside one process"
            )
        if not isinstance(key, str) or not key:
            raise RoutekitValueError("key must be non-empty text")
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0:
            raise RoutekitValueError("timeout is a number of seconds >= 0")
        if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
            raise RoutekitValueError("max_attempts is a whole number >= 1")
        if not isinstance(synchronous, str) or synchronous.upper() not in _SYNCHRONOUS:
            raise RoutekitValueError(f"synchronous is one of {', '.join(_SYNCHRONOUS)}")
        self.key = key
        self.timeout = float(timeout)
        self.max_attempts = max_attempts
        self.synchronous = synchronous.upper()
        seed = dict(check_snapshot(initial))
        self._seed = (int(seed.get("version", 0)), _dumps(seed))
        self._local = threading.local()
        self._lock = threading.Lock()
        self._handles: weakref.WeakSet[_Handle] = weakref.WeakSet()
        self._random = random.Random()
        self._connection()  # open now, so a bad path fails here and not at the first lead

    # ---- the store protocol ----------------------------------------------------------

    @property
    def version(self) -> int:
        """The current version (the number of decisions that changed the state)."""
        return self._read()[1]

    def snapshot(self) -> Dict[str, Any]:
        """A JSON-ready copy of the current state, with its ``version``."""
        return self._read()[0]

    def transact(self, decide: Callable[[Mapping[str, Any]], T]) -> T:
        """Run ``decide`` on the current snapshot and store its ``changes`` by compare-and-swap.

        ``decide`` may run more than once (once per lost race), so it must be pure, as
        ``Router.decide`` is; the decision returned is the one whose changes were stored.

        Raises:
            StateConflict: other workers won ``max_attempts`` rounds in a row.
            StoreError: the database failed.
        """
        for attempt in range(self.max_attempts):
            snapshot, version = self._read()
            decision = decide(snapshot)
            changes: Sequence[TeamChange] = getattr(decision, "changes", ())
            if not changes or self._swap(snapshot, version, changes):
                return decision
            self._back_off(attempt)
        raise self._gave_up()

    def apply(self, changes: Sequence[TeamChange], expected_version: Optional[int] = None) -> int:
        """Apply ``changes``; with ``expected_version``, only if the state is still at it.

        Returns the version after the change.

        Raises:
            StateConflict: the state is not at ``expected_version`` (or, without it, other
                workers won ``max_attempts`` rounds in a row).
        """
        for attempt in range(self.max_attempts):
            snapshot, version = self._read()
            if expected_version is not None and version != expected_version:
                raise StateConflict(f"the state is at version {version}, not {expected_version}")
            if not changes:
                return version
            if self._swap(snapshot, version, changes):
                return version + 1
            if expected_version is not None:
                raise StateConflict(f"the state moved on from version {expected_version}")
            self._back_off(attempt)
        raise self._gave_up()

    # ---- lifecycle -------------------------------------------------------------------

    def close(self) -> None:
        """Close every connection this store opened in this process (it reopens on use)."""
        with self._lock:
            handles = list(self._handles)
        for handle in handles:
            handle.close()

    def __enter__(self) -> SQLiteState:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __reduce__(self) -> Tuple[Any, ...]:
        # Connections never travel: the copy in another process opens its own.
        return (
            _reopen,
            (self.path, self.key, self.timeout, self.max_attempts, self.synchronous),
        )

    def __repr__(self) -> str:
        return f"SQLiteState({self.path!r}, key={self.key!r})"

    # ---- SQLite ----------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection, opened on first use (and again after close or fork)."""
        pid = os.getpid()
        handle: Optional[_Handle] = getattr(self._local, "handle", None)
        if handle is not None and handle.pid == pid and handle.connection is not None:
            return handle.connection
        # A handle inherited through fork belongs to the parent: it is dropped unused.
        connection = self._open()
        handle = _Handle(connection, pid)
        self._local.handle = handle
        with self._lock:
            self._handles.add(handle)
        return connection

    def _open(self) -> sqlite3.Connection:
        deadline = time.monotonic() + max(self.timeout, 1.0)
        while True:
            try:
                connection = sqlite3.connect(
                    self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False
                )
            except sqlite3.Error as error:
                raise StoreError(f"{self.path}: cannot open the state database: {error}") from error
            try:
                self._set_up(connection)
                return connection
            except sqlite3.Error as error:
                connection.close()
                # Workers starting together may race to switch the file to WAL: wait a bit.
                busy = isinstance(error, sqlite3.OperationalError) and _is_busy(error)
                if busy and time.monotonic() < deadline:
                    time.sleep(0.01 + self._random.random() * 0.02)
                    continue
                message = f"{self.path}: cannot set up the state database: {error}"
                raise StoreError(message) from error

    def _set_up(self, connection: sqlite3.Connection) -> None:
        mode = connection.execute("PRAGMA journal_mode=WAL").fetchone()
        if not mode or str(mode[0]).lower() != "wal":
            raise sqlite3.OperationalError(f"the database cannot use WAL mode (got {mode!r})")
        connection.execute(f"PRAGMA synchronous={self.synchronous}")
        connection.execute(_SCHEMA)
        connection.execute(
            f"INSERT OR IGNORE INTO {TABLE} (key, version, snapshot) VALUES (?, ?, ?)",
            (self.key, *self._seed),
        )

    def _read(self) -> Tuple[Dict[str, Any], int]:
        try:
            row = (
                self._connection()
                .execute(f"SELECT version, snapshot FROM {TABLE} WHERE key = ?", (self.key,))
                .fetchone()
            )
            if row is None:  # someone deleted the row: start again from the initial state
                self._connection().execute(
                    f"INSERT OR IGNORE INTO {TABLE} (key, version, snapshot) VALUES (?, ?, ?)",
                    (self.key, *self._seed),
                )
                return self._read()
        except sqlite3.Error as error:
            raise StoreError(f"{self.path}: cannot read state {self.key!r}: {error}") from error
        version, text = row
        try:
            loaded = json.loads(text)
            snapshot = dict(check_snapshot(loaded))
        except (ValueError, TypeError) as error:  # JSONDecodeError and RoutekitValueError
            raise StoreError(
                f"{self.path}: state {self.key!r} is not a routekit snapshot: {error}"
            ) from error
        if isinstance(version, bool) or not isinstance(version, int):
            raise StoreError(f"{self.path}: state {self.key!r} has a bad version {version!r}")
        snapshot["version"] = version  # the column is the truth the swap compares against
        return snapshot, version

    def _swap(
        self, snapshot: Mapping[str, Any], version: int, changes: Sequence[TeamChange]
    ) -> bool:
        """Store ``snapshot`` + ``changes`` if the row is still at ``version``; False if not."""
        following = apply_changes(snapshot, changes)
        following["version"] = version + 1
        try:
            cursor = self._connection().execute(
                f"UPDATE {TABLE} SET snapshot = ?, version = ? WHERE key = ? AND version = ?",
                (_dumps(following), version + 1, self.key, version),
            )
        except sqlite3.Error as error:
            raise StoreError(f"{self.path}: cannot write state {self.key!r}: {error}") from error
        return cursor.rowcount == 1

    def _back_off(self, attempt: int) -> None:
        time.sleep(self._random.random() * min(_BACKOFF_CAP, _BACKOFF_BASE * 2**attempt))

    def _gave_up(self) -> StateConflict:
        return StateConflict(
            f"{self.path}: gave up on state {self.key!r} after {self.max_attempts} attempts: "
            "other workers kept changing it first (raise max_attempts, or use fewer workers "
            "per state key)"
        )


def _dumps(snapshot: Mapping[str, Any]) -> str:
    return json.dumps(snapshot, separators=(",", ":"), allow_nan=False)


def _is_busy(error: sqlite3.OperationalError) -> bool:
    text = str(error).lower()
    return "locked" in text or "busy" in text


def _reopen(
    path: str, key: str, timeout: float, max_attempts: int, synchronous: str
) -> SQLiteState:
    return SQLiteState(
        path, key=key, timeout=timeout, max_attempts=max_attempts, synchronous=synchronous
    )
