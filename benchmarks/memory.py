"""Memory: what a compiled plan keeps, and what one decision allocates, measured with tracemalloc.

    python benchmarks/run.py --memory     # just these two tables

(a) The memory of a compiled 10,000-route plan and of a 40,000-row table. The ``.route`` text is
made inside the measured region, so it counts in "retained" only if the plan keeps it. "peak"
is the most memory alive at once during ``routekit.loads``; "retained" is what is still alive
after ``gc.collect()`` while the plan is held; "+ Router" adds ``Router(plan, roster=...)``.
The parser is built beforehand, so neither includes it. Goal: under 50 MB.

(b) Per-decision memory must not grow with the number of routes. For each rule file, after one
warm-up pass, 1,000 ``Router.decide`` calls are traced: keeping every ``Decision`` (bytes per
kept decision); discarding each one (the peak: what one call allocates plus any cyclic garbage
waiting for the collector); what is left after the calls and a ``gc.collect()``, for 1,000 and
for 2,000 calls (a leak grows with the calls; caches and free lists do not); and how many
objects per call are freed only by the cycle collector (``gc.collect()`` with gc disabled).
"""

from __future__ import annotations

import gc
import os
import sys
import time
import tracemalloc
from typing import Any, Callable, Dict, List, Sequence, Tuple

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src"))

import routekit

MB = 1024 * 1024
GOAL_MB = 50
SIZES = (10, 100, 1_000, 10_000)
ROSTER = [{"id": "alex"}, {"id": "blake"}] + [{"id": f"r{i}"} for i in range(50)]


def _traced(work: Callable[[], Any], sites: int = 0) -> Tuple[Any, int, int, List[str]]:
    """Run ``work`` under tracemalloc: (its result, peak bytes, bytes retained after gc, the
    ``sites`` source lines holding the most retained memory)."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        result = work()
        peak = tracemalloc.get_traced_memory()[1]
        gc.collect()
        retained = tracemalloc.get_traced_memory()[0]
        top = []
        if sites:
            stats = tracemalloc.take_snapshot().statistics("lineno")[:sites]
            for stat in stats:
                frame = stat.traceback[0]
                where = "/".join(frame.filename.replace(os.sep, "/").split("/")[-2:])
                top.append(f"{where}:{frame.lineno} {_mb(stat.size)} in {stat.count:,} blocks")
    finally:
        tracemalloc.stop()
    return result, peak - base, retained - base, top


def _mb(size: int) -> str:
    return f"{size / MB:.1f} MB"


def plan_memory(
    make_rules: Callable[[int], str], make_table: Callable[[int], str]
) -> Tuple[List[Tuple[str, ...]], Dict[int, Any], Dict[str, List[str]]]:
    """Rows of table (a), the 10,000-route plan (reused by table b), and where each plan's
    memory is held (the largest retained allocation sites)."""
    routekit.loads('route "warm" when lead.a == "b" { reject "x" }', "warm.route")  # the parser
    rows: List[Tuple[str, ...]] = []
    plans: Dict[int, Any] = {}
    holders: Dict[str, List[str]] = {}
    for label, size, make in (
        ("10,000 routes", 10_000, make_rules),
        ("40,000 table rows", 40_000, make_table),
    ):
        start = time.perf_counter()
        plan, peak, retained, top = _traced(
            lambda make=make, size=size: routekit.loads(make(size), "m.route"), sites=5
        )
        seconds = time.perf_counter() - start
        router, _, with_router, _ = _traced(lambda plan=plan: routekit.Router(plan, roster=ROSTER))
        total = retained + with_router
        rows.append(
            (
                label,
                _mb(peak),
                _mb(retained),
                _mb(total),
                f"{seconds:.1f} s",
                # The goal is the compiled plan a process keeps; loading briefly needs more.
                "met" if total < GOAL_MB * MB else f"over {GOAL_MB} MB",
            )
        )
        holders[label] = top
        if label.endswith("routes"):
            plans[size] = plan
        del router
    return rows, plans, holders


def decision_memory(
    make_rules: Callable[[int], str],
    make_leads: Callable[[int, int], List[Dict[str, Any]]],
    now: Any,
    plans: Dict[int, Any],
    decisions: int = 1_000,
) -> List[Tuple[str, ...]]:
    """Rows of table (b): bytes per decision for the 10 … 10,000-route files."""
    rows: List[Tuple[str, ...]] = []
    for size in SIZES:
        plan = plans.get(size) or routekit.loads(make_rules(size), f"routes-{size}.route")
        router = routekit.Router(plan, roster=ROSTER)
        leads: Sequence[Dict[str, Any]] = make_leads(decisions, size)
        decide = router.decide
        for lead in leads:  # warm-up: caches fill before anything is measured
            decide(lead, now=now)

        def keep(decide: Any = decide, leads: Sequence[Dict[str, Any]] = leads) -> List[Any]:
            return [decide(lead, now=now) for lead in leads]

        def discard(decide: Any = decide, leads: Sequence[Dict[str, Any]] = leads) -> None:
            for lead in leads:
                decide(lead, now=now)

        kept, _, kept_bytes, _ = _traced(keep)
        del kept
        _, peak, left, _ = _traced(discard)
        _, _, left_twice, _ = _traced(lambda: (discard(), discard()))
        gc.collect()
        gc.disable()
        try:
            discard()
            cyclic = gc.collect()
        finally:
            gc.enable()
        rows.append(
            (
                f"{size:,} routes",
                f"{kept_bytes / decisions:,.0f}",
                f"{peak:,}",
                f"{left:,}",
                f"{left_twice:,}",
                f"{cyclic / decisions:g}",
            )
        )
    return rows


def bench_memory(
    make_rules: Callable[[int], str],
    make_table: Callable[[int], str],
    make_leads: Callable[[int, int], List[Dict[str, Any]]],
    now: Any,
    table: Callable[[str, Sequence[str], List[Any]], None],
    decisions: int = 1_000,
) -> None:
    """Measure and print both tables (``table`` is run.py's printer)."""
    rows, plans, holders = plan_memory(make_rules, make_table)
    table(
        f"Memory (tracemalloc): a compiled plan, goal < {GOAL_MB} MB",
        [
            "rule file",
            "peak while loading",
            "retained: plan",
            "retained: plan + Router",
            "load time (traced)",
            "goal",
        ],
        rows,
    )
    for label, top in holders.items():
        print(f"\nlargest retained allocation sites, {label}:")
        for line in top:
            print(f"  {line}")
    rows = decision_memory(make_rules, make_leads, now, plans, decisions)
    table(
        f"Memory (tracemalloc) per decision: {decisions:,} `Router.decide` calls per rule file (territory routes)",
        [
            "rule file",
            "bytes per kept Decision",
            "peak, results discarded (bytes)",
            f"retained after {decisions:,} calls + gc (bytes)",
            f"… after {2 * decisions:,} calls",
            "objects in reference cycles per decide",
        ],
        rows,
    )


if __name__ == "__main__":
    from run import NOW, table, territory_leads, territory_rules, territory_table

    bench_memory(territory_rules, territory_table, territory_leads, NOW, table)
