"""`routekit.stores.sqlite.SQLiteState`: the store protocol, compare-and-swap, and its edges.

The many-worker runs (threads and processes hammering one file) live in
test_concurrency.py; here each behaviour is pinned one at a time, mostly single-threaded,
with a second store on the same file standing in for "another worker".
"""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing
import pickle
import sqlite3
import subprocess
import sys
import threading
import warnings
from pathlib import Path
from typing import Any, Dict, List, Mapping

import pytest

import routekit
from routekit import MemoryState, StateConflict
from routekit.errors import RoutekitError, RoutekitTypeError, RoutekitValueError
from routekit.stores import SQLiteState, StoreError

NOW = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.timezone.utc)

RULES = """
team sdr {
  members alex, blake, casey
}
team fair {
  members taylor weight 2, jordan, sam
  strategy weighted
}
route "Too small" when lead.employees < 10 {
  reject "Thanks! Try our self-serve plan."
}
route "Enterprise" when lead.employees >= 500 {
  assign team fair
}
fallback {
  assign team sdr
}
"""
ROSTER = [{"id": rep} for rep in ("alex", "blake", "casey", "taylor", "jordan", "sam")]


@pytest.fixture(scope="module")
def router() -> routekit.Router:
    return routekit.Router(routekit.loads(RULES, name="stores.route"), roster=ROSTER)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "state.db"


def lead(employees: int) -> Dict[str, Any]:
    return {"email": "pat@initech.example", "employees": employees}


# ---- the store protocol ----------------------------------------------------------------


def test_a_new_store_starts_empty(db: Path) -> None:
    with SQLiteState(db) as store:
        assert store.version == 0
        assert store.snapshot() == MemoryState().snapshot()
    assert db.exists()


def test_same_decisions_and_snapshot_as_memory_state(router: routekit.Router, db: Path) -> None:
    memory = MemoryState()
    sizes = [50, 600, 3, 700, 20, 800, 900, 5, 40, 1000] * 3
    with SQLiteState(db) as store:
        for size in sizes:
            expected = router.route(lead(size), now=NOW, state=memory)
            got = router.route(lead(size), now=NOW, state=store)
            assert got == expected
        assert store.snapshot() == memory.snapshot()
        assert store.version == memory.version == sum(1 for s in sizes if s >= 10)


def test_state_outlives_the_store_object(router: routekit.Router, db: Path) -> None:
    with SQLiteState(db) as store:
        for _ in range(4):
            router.route(lead(50), now=NOW, state=store)
        before = store.snapshot()
    with SQLiteState(db) as again:
        assert again.snapshot() == before
        assert router.route(lead(50), now=NOW, state=again).assignee == "blake"


def test_a_decision_without_changes_writes_nothing(router: routekit.Router, db: Path) -> None:
    with SQLiteState(db) as store:
        decision = router.route(lead(3), now=NOW, state=store)
        assert decision.outcome == "rejected"
        assert store.version == 0


def test_keys_are_separate_states_in_one_file(router: routekit.Router, db: Path) -> None:
    with SQLiteState(db, key="eu") as eu, SQLiteState(db, key="us") as us:
        router.route(lead(50), now=NOW, state=eu)
        router.route(lead(50), now=NOW, state=eu)
        assert (eu.version, us.version) == (2, 0)
        assert router.route(lead(50), now=NOW, state=us).assignee == "alex"


def test_initial_snapshot_moves_a_memory_state_over(router: routekit.Router, db: Path) -> None:
    memory = MemoryState()
    for _ in range(5):
        router.route(lead(50), now=NOW, state=memory)
    with SQLiteState(db, initial=memory.snapshot()) as store:
        assert store.snapshot() == memory.snapshot()
        assert router.route(lead(50), now=NOW, state=store) == router.route(
            lead(50), now=NOW, state=memory
        )
    # An existing key keeps its state: `initial` only seeds a new one.
    with SQLiteState(db, initial=None) as store:
        assert store.version == 6


def test_snapshot_is_a_json_ready_copy(router: routekit.Router, db: Path) -> None:
    with SQLiteState(db) as store:
        router.route(lead(50), now=NOW, state=store)
        snapshot = store.snapshot()
        snapshot["teams"].clear()
        assert store.snapshot()["teams"]
        assert MemoryState.restore(store.snapshot()).snapshot() == store.snapshot()


# ---- apply(changes, expected_version) -----------------------------------------------------


def test_apply_with_the_expected_version(router: routekit.Router, db: Path) -> None:
    with SQLiteState(db) as store:
        decision = router.decide(lead(50), now=NOW, snapshot=store.snapshot())
        assert store.apply(decision.changes, expected_version=0) == 1
        with pytest.raises(StateConflict, match="version 1, not 0"):
            store.apply(decision.changes, expected_version=0)
        assert store.version == 1
        assert store.apply((), expected_version=1) == 1
        assert store.apply(decision.changes) == 2  # no expectation: applies to whatever is there


def test_apply_matches_memory_state(router: routekit.Router, db: Path) -> None:
    memory = MemoryState()
    with SQLiteState(db) as store:
        for size in (50, 600, 700, 60):
            decision = router.decide(lead(size), now=NOW, snapshot=memory.snapshot())
            assert store.apply(decision.changes, store.version) == memory.apply(
                decision.changes, memory.version
            )
        assert store.snapshot() == memory.snapshot()


# ---- compare-and-swap ----------------------------------------------------------------------


def test_a_lost_race_decides_again_from_the_new_state(router: routekit.Router, db: Path) -> None:
    """Another worker writes between our read and our write: we must not overwrite it."""
    with SQLiteState(db) as store, SQLiteState(db) as other:
        seen: List[int] = []

        def decide(snapshot: Mapping[str, Any]) -> routekit.Decision:
            seen.append(snapshot["version"])
            if len(seen) == 1:  # the other worker sneaks in once
                router.route(lead(50), now=NOW, state=other)
            return router.decide(lead(50), now=NOW, snapshot=snapshot)

        decision = store.transact(decide)
        assert seen == [0, 1]
        assert decision.assignee == "blake"  # alex went to the other worker
        assert store.version == 2
        counts = store.snapshot()["teams"]["sdr"]["counts"]
        assert sorted(counts) == ["alex", "blake"]


def test_giving_up_after_max_attempts(router: routekit.Router, db: Path) -> None:
    with SQLiteState(db, max_attempts=3) as store, SQLiteState(db) as other:
        calls: List[int] = []

        def decide(snapshot: Mapping[str, Any]) -> routekit.Decision:
            calls.append(1)
            router.route(lead(50), now=NOW, state=other)  # always loses the race
            return router.decide(lead(50), now=NOW, snapshot=snapshot)

        with pytest.raises(StateConflict, match="after 3 attempts"):
            store.transact(decide)
        assert len(calls) == 3
        assert store.version == 3  # only the other worker's writes


def test_the_row_version_is_the_truth(router: routekit.Router, db: Path) -> None:
    with SQLiteState(db) as store:
        router.route(lead(50), now=NOW, state=store)
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE routekit_state SET version = 41")
    with SQLiteState(db) as store:
        assert store.snapshot()["version"] == store.version == 41
        router.route(lead(50), now=NOW, state=store)
        assert store.version == 42


# ---- threads, processes, pickling ------------------------------------------------------


def test_threads_share_one_store(router: routekit.Router, db: Path) -> None:
    picks: List[str] = []
    errors: List[BaseException] = []

    with SQLiteState(db) as store:

        def work() -> None:
            try:
                for _ in range(60):
                    decision = router.route(lead(50), now=NOW, state=store)
                    picks.append(str(decision.assignee))
            except BaseException as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        assert store.version == 240
        assert sorted(picks.count(rep) for rep in ("alex", "blake", "casey")) == [80, 80, 80]


def test_a_thread_that_ends_closes_its_connection(router: routekit.Router, db: Path) -> None:
    """A server starting a thread per request must not leak one connection per thread."""
    with SQLiteState(db) as store:
        for _ in range(20):
            thread = threading.Thread(target=lambda: router.route(lead(50), now=NOW, state=store))
            thread.start()
            thread.join()
        gc.collect()
        assert len(store._handles) <= 2  # this thread's, and perhaps the last one's
        assert store.version == 20


def test_close_reaches_every_thread(router: routekit.Router, db: Path) -> None:
    store = SQLiteState(db)
    ready, done = threading.Event(), threading.Event()
    seen: List[str] = []

    def worker() -> None:
        seen.append(str(router.route(lead(50), now=NOW, state=store).assignee))
        ready.set()
        done.wait(10)
        seen.append(str(router.route(lead(50), now=NOW, state=store).assignee))

    thread = threading.Thread(target=worker)
    thread.start()
    ready.wait(10)
    store.close()  # closes the worker's connection too; it reopens on next use
    done.set()
    thread.join()
    assert seen == ["alex", "blake"]
    store.close()


def _route_in_forked_child(store: SQLiteState, count: int) -> None:
    router = routekit.Router(routekit.loads(RULES), roster=ROSTER)
    for _ in range(count):
        router.route(lead(50), now=NOW, state=store)


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="needs fork (POSIX)"
)
def test_a_store_opened_before_fork_works_in_the_child(router: routekit.Router, db: Path) -> None:
    """gunicorn --preload: the store is made in the parent and used in forked workers."""
    with SQLiteState(db) as store:
        router.route(lead(50), now=NOW, state=store)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads, 3.12+
            child = multiprocessing.get_context("fork").Process(
                target=_route_in_forked_child, args=(store, 5)
            )
            child.start()
            child.join(60)
        assert child.exitcode == 0
        # alex here, then blake casey alex blake casey in the child: alex's turn again
        assert router.route(lead(50), now=NOW, state=store).assignee == "alex"
        assert store.version == 7


def test_pickles_as_its_path_and_key(router: routekit.Router, db: Path) -> None:
    with SQLiteState(db, key="eu", timeout=2.5, max_attempts=7) as store:
        router.route(lead(50), now=NOW, state=store)
        copy = pickle.loads(pickle.dumps(store))
        with copy:
            assert (copy.path, copy.key, copy.timeout, copy.max_attempts) == (
                str(db),
                "eu",
                2.5,
                7,
            )
            assert copy.snapshot() == store.snapshot()
        assert repr(store) == f"SQLiteState({str(db)!r}, key='eu')"


def test_close_is_idempotent_and_the_store_reopens(router: routekit.Router, db: Path) -> None:
    store = SQLiteState(db)
    store.close()
    store.close()
    assert router.route(lead(50), now=NOW, state=store).assignee == "alex"
    store.close()


# ---- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", [":memory:", ""])
def test_in_memory_databases_are_refused(path: str) -> None:
    with pytest.raises(RoutekitValueError, match="MemoryState"):
        SQLiteState(path)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"key": ""}, RoutekitValueError),
        ({"key": 3}, RoutekitValueError),
        ({"timeout": -1}, RoutekitValueError),
        ({"timeout": True}, RoutekitValueError),
        ({"max_attempts": 0}, RoutekitValueError),
        ({"synchronous": "sometimes"}, RoutekitValueError),
        ({"initial": {"format": 99}}, RoutekitValueError),
        ({"initial": [1, 2]}, RoutekitTypeError),
    ],
)
def test_bad_arguments(db: Path, kwargs: Dict[str, Any], error: type) -> None:
    with pytest.raises(error):
        SQLiteState(db, **kwargs)
    assert issubclass(error, RoutekitError)


def test_a_path_that_is_not_a_path() -> None:
    with pytest.raises(RoutekitTypeError):
        SQLiteState(42)  # type: ignore[arg-type]


def test_an_unopenable_file_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot"):
        SQLiteState(tmp_path / "no" / "such" / "dir" / "state.db")


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("this is not SQLite\n" * 100)
    with pytest.raises(StoreError):
        SQLiteState(path)


def test_a_corrupt_row_is_a_store_error(db: Path) -> None:
    SQLiteState(db).close()
    with sqlite3.connect(db) as raw:
        raw.execute("UPDATE routekit_state SET snapshot = '{not json'")
    with SQLiteState(db) as store, pytest.raises(StoreError, match="not a routekit snapshot"):
        store.snapshot()
    with sqlite3.connect(db) as raw:
        raw.execute("""UPDATE routekit_state SET snapshot = '{"format": 2}'""")
    with SQLiteState(db) as store, pytest.raises(StoreError, match="format"):
        store.snapshot()


def test_a_deleted_row_starts_again_from_empty(router: routekit.Router, db: Path) -> None:
    with SQLiteState(db) as store:
        router.route(lead(50), now=NOW, state=store)
        with sqlite3.connect(db) as raw:
            raw.execute("DELETE FROM routekit_state")
        assert store.version == 0


def test_store_errors_are_routekit_errors() -> None:
    assert issubclass(StoreError, RoutekitError)
    assert issubclass(StateConflict, RoutekitError)


# ---- layering --------------------------------------------------------------------------


def test_the_core_never_imports_the_stores() -> None:
    """ARCHITECTURE.md: stores are optional and outside the pure core."""
    code = (
        "import sys, datetime as dt, routekit\n"
        "plan = routekit.loads('team t { members a }\\nfallback { assign team t }')\n"
        "router = routekit.Router(plan, roster=[{'id': 'a'}])\n"
        "now = dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc)\n"
        "router.route({}, now=now, state=routekit.MemoryState())\n"
        "print(sorted(m for m in sys.modules if m.startswith('routekit.stores') "
        "or m == 'sqlite3'))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
