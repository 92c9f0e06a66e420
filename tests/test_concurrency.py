"""Many workers, one state: no decision lost or counted twice, and fairness kept.

`MemoryState` is driven by 8 threads; `SQLiteState` by 4 processes (spawned, each with
its own `Router` built from the rules text and its own store on one file). Each run logs
the global order in which decisions were applied (the version each decision was made
from), so besides the totals we can check the fairness bound at *every* prefix of the
sequence, which is exactly what a lost update or a pick from a stale snapshot breaks.

Sizes (10,000 decisions each) were measured on the 2-core CI machine; see the numbers
in docs/many-workers.md.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import sys
import threading
import time
from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Dict, List, Mapping, Sequence, Tuple, TypeVar

import pytest

import routekit
from routekit import MemoryState
from routekit.strategies import BUILTIN_STRATEGIES

T = TypeVar("T")

NOW = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.timezone.utc)  # a Monday

ROUND_ROBIN_RULES = """
team sdr {
  members alex, blake, casey, drew, emery
  strategy round_robin
}
fallback {
  assign team sdr
}
"""
ROUND_ROBIN_MEMBERS = ("alex", "blake", "casey", "drew", "emery")

WEIGHTED_RULES = """
team enterprise {
  members taylor weight 5, jordan weight 3, sam, riley
  strategy weighted
}
fallback {
  assign team enterprise
}
"""
WEIGHTS = {"taylor": 5, "jordan": 3, "sam": 1, "riley": 1}

THREADS = 8
THREAD_DECISIONS = 1_250  # 8 x 1,250 = 10,000 (weighted: exact shares at multiples of W)
ROUND_ROBIN_DECISIONS = 10_000  # 8 threads x 10,000 decisions each
PROCESSES = 4
PROCESS_DECISIONS = 2_500  # 4 x 2,500 = 10,000
WEIGHTED_PROCESS_DECISIONS = 500


class OrderLog:
    """A store wrapper recording, for each applied decision, the version it was made from.

    ``decide`` may run several times on a shared store (once per lost race); only the
    last call, whose changes were stored, counts, so the version is kept per call and
    read after ``transact`` returns.
    """

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.entries: List[Tuple[int, str]] = []
        self._lock = threading.Lock()

    def transact(self, decide: Callable[[Mapping[str, Any]], T]) -> T:
        seen: List[int] = []

        def recording(snapshot: Mapping[str, Any]) -> T:
            seen.append(int(snapshot["version"]))
            return decide(snapshot)

        decision = self.inner.transact(recording)
        with self._lock:
            self.entries.append((seen[-1], str(getattr(decision, "assignee", None))))
        return decision


def applied_order(entries: Sequence[Tuple[int, str]], total: int) -> List[str]:
    """The assignees in the order their changes were applied, checking none is lost."""
    versions = sorted(version for version, _ in entries)
    assert versions == list(range(total)), "a version was used twice or skipped (lost update)"
    return [assignee for _, assignee in sorted(entries)]


def assert_round_robin(order: Sequence[str], members: Sequence[str]) -> None:
    """With a fixed eligible set, round robin is exactly the declared order, cycled."""
    expected = [members[i % len(members)] for i in range(len(order))]
    assert list(order) == expected


def assert_counts_within_one(counts: Mapping[str, int], members: Sequence[str]) -> None:
    values = [counts.get(member, 0) for member in members]
    assert max(values) - min(values) <= 1, counts


def assert_weighted_bound(order: Sequence[str], weights: Mapping[str, int]) -> None:
    """c_i - n*w_i/W <= 1 - 1/k at every prefix n (LANGUAGE.md §6, proved for `weighted`)."""
    total = sum(weights.values())
    bound = 1 - Fraction(1, len(weights))
    counts = dict.fromkeys(weights, 0)
    worst = Fraction(-1)
    for n, assignee in enumerate(order, start=1):
        counts[assignee] += 1
        for member, weight in weights.items():
            ahead = counts[member] - Fraction(n * weight, total)
            worst = max(worst, ahead)
            assert ahead <= bound, f"after {n} leads {member} is {ahead} ahead (> {bound})"
    assert worst <= bound


def day_counts(snapshot: Mapping[str, Any], team: str) -> Dict[str, int]:
    counts = snapshot["teams"][team]["counts"]
    return {member: periods["day"][1] for member, periods in counts.items()}


def roster_for(members: Sequence[str]) -> List[Dict[str, str]]:
    return [{"id": member} for member in members]


class FastSwitching:
    """Switch threads as often as the interpreter allows, so the race windows get hit."""

    def __enter__(self) -> None:
        self.saved = sys.getswitchinterval()
        sys.setswitchinterval(1e-6)

    def __exit__(self, *exc_info: object) -> None:
        sys.setswitchinterval(self.saved)


def run_threads(router: routekit.Router, state: Any, threads: int, each: int) -> List[str]:
    picks: List[str] = []
    errors: List[BaseException] = []
    start = threading.Barrier(threads)

    def work() -> None:
        mine: List[str] = []
        try:
            start.wait()
            for i in range(each):
                decision = router.route({"email": f"lead{i}@example.com"}, now=NOW, state=state)
                mine.append(str(decision.assignee))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        picks.extend(mine)

    workers = [threading.Thread(target=work) for _ in range(threads)]
    with FastSwitching():
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    assert not errors, errors
    return picks


# ---- MemoryState under threads -----------------------------------------------------------


def test_memory_state_round_robin_under_threads() -> None:
    router = routekit.Router(
        routekit.loads(ROUND_ROBIN_RULES), roster=roster_for(ROUND_ROBIN_MEMBERS)
    )
    state = MemoryState()
    log = OrderLog(state)
    started = time.perf_counter()
    picks = run_threads(router, log, THREADS, ROUND_ROBIN_DECISIONS)
    elapsed = time.perf_counter() - started
    total = THREADS * ROUND_ROBIN_DECISIONS

    assert len(picks) == total
    snapshot = state.snapshot()
    counts = day_counts(snapshot, "sdr")
    assert sum(counts.values()) == total, "a decision was lost or counted twice"
    assert state.version == total
    assert counts == Counter(picks)
    assert_counts_within_one(counts, ROUND_ROBIN_MEMBERS)
    assert_round_robin(applied_order(log.entries, total), ROUND_ROBIN_MEMBERS)
    print(f"MemoryState, {THREADS} threads x {ROUND_ROBIN_DECISIONS} round robin: {elapsed:.2f}s")


@pytest.mark.skipif(
    "weighted" not in BUILTIN_STRATEGIES, reason="the weighted strategy is not registered"
)
def test_memory_state_weighted_bound_under_threads() -> None:
    router = routekit.Router(routekit.loads(WEIGHTED_RULES), roster=roster_for(list(WEIGHTS)))
    state = MemoryState()
    log = OrderLog(state)
    started = time.perf_counter()
    picks = run_threads(router, log, THREADS, THREAD_DECISIONS)
    elapsed = time.perf_counter() - started
    total = THREADS * THREAD_DECISIONS

    counts = day_counts(state.snapshot(), "enterprise")
    assert sum(counts.values()) == len(picks) == state.version == total
    order = applied_order(log.entries, total)
    assert Counter(order) == counts
    assert_weighted_bound(order, WEIGHTS)
    # 10,000 is a multiple of W = 10, so every member ends exactly on its share.
    assert counts == {m: total * w // sum(WEIGHTS.values()) for m, w in WEIGHTS.items()}
    print(f"MemoryState, {THREADS} threads x {THREAD_DECISIONS} weighted: {elapsed:.2f}s")


# ---- SQLiteState under processes -----------------------------------------------------------


def route_in_process(
    rules: str, members: Sequence[str], path: str, count: int, start: Any
) -> Tuple[List[Tuple[int, str]], float, int]:
    """One worker process: its own Router and its own SQLiteState on the shared file."""
    from routekit.stores.sqlite import SQLiteState

    router = routekit.Router(routekit.loads(rules, name="worker.route"), roster=roster_for(members))
    with SQLiteState(path, timeout=30.0, max_attempts=1_000) as store:
        log = OrderLog(store)
        attempts = [0]
        real_decide = router.decide

        def counting_decide(*args: Any, **kwargs: Any) -> Any:
            attempts[0] += 1
            return real_decide(*args, **kwargs)

        router.decide = counting_decide  # type: ignore[method-assign]
        start.wait(60)  # all workers start together, so they really contend
        started = time.perf_counter()
        for i in range(count):
            router.route({"email": f"lead{i}@example.com"}, now=NOW, state=log)
        return log.entries, time.perf_counter() - started, attempts[0] - count


def run_processes(
    rules: str, members: Sequence[str], path: Path, processes: int, each: int
) -> Tuple[List[Tuple[int, str]], List[float], int]:
    """Run the workers; returns every (version, assignee), each worker's time, lost races."""
    from routekit.stores.sqlite import SQLiteState

    SQLiteState(path).close()  # create the file once, so the workers race only to decide
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(processes) as pool:
        start = manager.Barrier(processes)
        results = pool.starmap(
            route_in_process, [(rules, list(members), str(path), each, start)] * processes
        )
    entries = [entry for part, _, _ in results for entry in part]
    return entries, [seconds for _, seconds, _ in results], sum(lost for _, _, lost in results)


def test_sqlite_round_robin_across_processes(tmp_path: Path) -> None:
    from routekit.stores.sqlite import SQLiteState

    path = tmp_path / "state.db"
    started = time.perf_counter()
    entries, seconds, lost = run_processes(
        ROUND_ROBIN_RULES, ROUND_ROBIN_MEMBERS, path, PROCESSES, PROCESS_DECISIONS
    )
    elapsed = time.perf_counter() - started
    total = PROCESSES * PROCESS_DECISIONS

    assert len(entries) == total
    with SQLiteState(path) as store:
        snapshot = store.snapshot()
        assert store.version == total
    counts = day_counts(snapshot, "sdr")
    assert sum(counts.values()) == total, "a decision was lost or counted twice"
    assert counts == Counter(assignee for _, assignee in entries)
    assert_counts_within_one(counts, ROUND_ROBIN_MEMBERS)
    assert_round_robin(applied_order(entries, total), ROUND_ROBIN_MEMBERS)
    print(
        f"SQLiteState, {PROCESSES} processes x {PROCESS_DECISIONS} round robin: "
        f"{elapsed:.2f}s wall, workers {', '.join(f'{s:.2f}s' for s in seconds)}, "
        f"{lost} lost races decided again"
    )


@pytest.mark.skipif(
    "weighted" not in BUILTIN_STRATEGIES, reason="the weighted strategy is not registered"
)
def test_sqlite_weighted_bound_across_processes(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    entries, _, _ = run_processes(
        WEIGHTED_RULES, list(WEIGHTS), path, PROCESSES, WEIGHTED_PROCESS_DECISIONS
    )
    total = PROCESSES * WEIGHTED_PROCESS_DECISIONS
    assert_weighted_bound(applied_order(entries, total), WEIGHTS)
