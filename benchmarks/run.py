"""routekit benchmarks: run by hand, print tables. Never part of the test suite.

    python benchmarks/run.py            # everything
    python benchmarks/run.py --quick    # fewer leads and repetitions
    python benchmarks/run.py --peers    # only the peer engines (pip install -e ".[bench]")
    python benchmarks/run.py --memory   # only the memory tables

Every goal is a ratio measured in one run, so machine noise cancels: each contender is
timed several times, interleaved, and the best (least disturbed) run is kept.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import subprocess
import sys
import tempfile
import time
from typing import Any, Callable, Dict, List, Sequence

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "src"))
sys.path.insert(0, HERE)

from rules24 import RULES, generate_leads, hand_written  # noqa: E402

import routekit  # noqa: E402

NOW = dt.datetime(2026, 11, 23, 17, tzinfo=dt.timezone.utc)
ROSTER = [{"id": r} for r in ["alex", "blake", "casey", "taylor", "jordan", "sam"]]


def best_of(runs: int, contenders: Dict[str, Callable[[], None]], per: int) -> Dict[str, float]:
    """Microseconds per item for each contender: the best of ``runs`` interleaved runs."""
    best = {name: float("inf") for name in contenders}
    for _ in range(runs):
        for name, work in contenders.items():
            gc.collect()
            start = time.perf_counter()
            work()
            best[name] = min(best[name], (time.perf_counter() - start) / per * 1e6)
    return best


def table(title: str, header: Sequence[str], rows: List[Sequence[Any]]) -> None:
    print(f"\n{title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")


def bench_24(count: int, runs: int) -> None:
    plan = routekit.loads(RULES, "bench24.route")
    router = routekit.Router(plan, roster=ROSTER)
    leads = generate_leads(count)
    for lead in leads[:2000]:  # verify first: every engine must give the same answers
        expected = hand_written(lead)
        got = router.match(lead, now=NOW)
        assert got == expected, (lead, got, expected)
        assert (router.decide(lead, now=NOW).route or "fallback") == expected
    state = routekit.MemoryState()
    for lead in leads[:1000]:  # a state that has seen some leads: counts and credits
        router.route(lead, now=NOW, state=state)
    snapshot = state.snapshot()

    def hand() -> None:
        for lead in leads:
            hand_written(lead)

    def match() -> None:
        for lead in leads:
            router.match(lead, now=NOW)

    def decide() -> None:
        for lead in leads:
            router.decide(lead, now=NOW)

    def decide_state() -> None:
        for lead in leads:
            router.decide(lead, now=NOW, snapshot=snapshot)

    def route() -> None:
        for lead in leads:
            router.route(lead, now=NOW, state=state)

    def explained() -> None:
        for lead in leads[: count // 10]:
            router.decide(lead, now=NOW).explain()

    contenders = {
        "hand": hand,
        "match": match,
        "decide": decide,
        "decide_state": decide_state,
        "route": route,
    }
    times = best_of(runs, contenders, count)
    times["explain"] = best_of(max(1, runs // 2), {"explain": explained}, count // 10)["explain"]
    base = times["hand"]
    rows = [
        ("hand-written Python if/elif (matching)", f"{base:.2f}", "1×", ""),
        (
            "routekit `Router.match` (matching)",
            f"{times['match']:.2f}",
            f"{times['match'] / base:.1f}×",
            "goal ≤ 2×",
        ),
        (
            "routekit `Router.decide` (match + team pick + decision)",
            f"{times['decide']:.2f}",
            f"{times['decide'] / base:.1f}×",
            "goal ≤ 5×",
        ),
        (
            "routekit `Router.decide` with a snapshot (counts and credits read)",
            f"{times['decide_state']:.2f}",
            f"{times['decide_state'] / base:.1f}×",
            "",
        ),
        (
            "routekit `Router.route` (decide + apply to MemoryState)",
            f"{times['route']:.2f}",
            f"{times['route'] / base:.1f}×",
            "",
        ),
        (
            "routekit `decide(...).explain()` (full trace rebuilt)",
            f"{times['explain']:.2f}",
            f"{times['explain'] / base:.1f}×",
            "on demand only",
        ),
    ]
    table(
        f"24-route rule set, {count:,} leads, best of {runs}",
        ["engine", "µs per lead", "vs hand-written", "goal"],
        rows,
    )


def _fresh_env() -> Dict[str, str]:
    """A child's environment: routekit from src/, with bytecode cached as an install has it
    (in a private folder, warmed up by the first of the runs)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.path.join(HERE, "..", "src")
    env["PYTHONPYCACHEPREFIX"] = os.path.join(tempfile.gettempdir(), "routekit-bench-pyc")
    return env


def bench_load() -> None:
    code = "import time; t=time.perf_counter(); import routekit; print(time.perf_counter()-t)"
    import_s = min(
        float(
            subprocess.check_output(
                [sys.executable, "-c", code],
                env=_fresh_env(),
            ).decode()
        )
        for _ in range(4)
    )
    rows: List[Sequence[Any]] = [("`import routekit`", f"{import_s * 1000:.1f} ms", "goal < 50 ms")]
    fresh = (
        "import sys, time; t = time.perf_counter(); import routekit; routekit.Router; "
        f"sys.path.insert(0, {HERE!r}); from rules24 import RULES; "
        "a = time.perf_counter(); routekit.loads(RULES, 'r.route'); b = time.perf_counter(); "
        "print(a - t, b - a, 'lark' in sys.modules)"
    )
    runs = [
        subprocess.check_output([sys.executable, "-c", fresh], env=_fresh_env()).decode().split()
        for _ in range(4)
    ]
    api_s = min(float(r[0]) for r in runs)
    first_s = min(float(r[1]) for r in runs)
    rows.append(
        (
            "… and `routekit.Router` (the API ready: attrs and the router)",
            f"{api_s * 1000:.0f} ms",
            "",
        )
    )
    rows.append(
        (
            "first 24-route file in a fresh process"
            + (" (lark not imported)" if runs[0][2] == "False" else ""),
            f"{first_s * 1000:.0f} ms",
            "",
        )
    )

    def best_load(text: str, name: str, **kwargs: Any) -> float:
        best = float("inf")
        for _ in range(3):
            gc.collect()
            start = time.perf_counter()
            routekit.loads(text, name, **kwargs)
            best = min(best, time.perf_counter() - start)
        return best

    rows.append(
        (
            "24-route file (parser already built)",
            f"{best_load(RULES, 'bench24.route') * 1000:.1f} ms",
            "goal < 20 ms",
        )
    )
    routes = territory_rules(10_000)
    rows.append(
        (
            "10,000 routes of three tests (country, state, industry)",
            f"{best_load(routes, 'routes.route'):.2f} s",
            "goal < 2.5 s",
        )
    )
    rows.append(
        (
            "40,000-row table",
            f"{best_load(territory_table(40_000), 'table.route'):.2f} s",
            "goal < 1 s",
        )
    )
    with tempfile.TemporaryDirectory() as cache:
        routekit.loads(routes, "routes.route", cache_dir=cache)  # fills the cache
        rows.append(
            (
                "the same 10,000 routes, unchanged, from `cache_dir`",
                f"{best_load(routes, 'routes.route', cache_dir=cache):.3f} s",
                "goal < 0.2 s",
            )
        )
    table("Loading (parse + compile)", ["what", "time", "goal"], rows)


COUNTRIES = ["US", "CA", "GB", "DE", "FR", "JP", "AU", "BR", "IN", "MX"]
INDUSTRIES = [
    "Tech",
    "Retail",
    "Health",
    "Finance",
    "Energy",
    "Media",
    "Travel",
    "Food",
    "Auto",
    "Gov",
]


def territory_rules(count: int) -> str:
    """``count`` territory routes, one per (country, state, industry) combination."""
    lines = ["team sdr { members alex, blake }"]
    n = 0
    for state in range(1000):
        for country in COUNTRIES:
            for industry in INDUSTRIES:
                if n == count:
                    break
                lines.append(
                    f'route "t{n}" when lead.country == "{country}" and lead.state == "S{state}" '
                    f'and lead.industry == "{industry}" {{ assign rep r{n % 50} }}'
                )
                n += 1
    lines.append("fallback { assign team sdr }")
    return "\n".join(lines)


def territory_table(count: int) -> str:
    lines = ["team sdr { members alex, blake }", "table territory by (lead.country, lead.state) {"]
    for n in range(count):
        lines.append(f'  ("{COUNTRIES[n % 10]}", "S{n // 10}") -> rep r{n % 50}')
    lines.append("  else -> team sdr\n}")
    lines.append('route "territory" { assign lookup territory }')
    return "\n".join(lines)


def territory_leads(count: int, size: int) -> List[Dict[str, Any]]:
    import random

    rng = random.Random(3)
    states = max(1, size // 100)
    return [
        {
            "country": rng.choice(COUNTRIES),
            "state": f"S{rng.randrange(states)}",
            "industry": rng.choice(INDUSTRIES),
        }
        for _ in range(count)
    ]


def bench_scaling(count: int, runs: int) -> None:
    roster = [{"id": "alex"}, {"id": "blake"}] + [{"id": f"r{i}"} for i in range(50)]
    rows = []
    base: Dict[str, float] = {}
    for size in (10, 100, 1_000, 10_000):
        for kind, make in (("routes", territory_rules), ("table rows", territory_table)):
            text = make(size)
            start = time.perf_counter()
            plan = routekit.loads(text, f"{kind}-{size}.route")
            load_s = time.perf_counter() - start
            router = routekit.Router(plan, roster=roster)
            leads = territory_leads(count, size)

            def decide(
                router: routekit.Router = router, leads: List[Dict[str, Any]] = leads
            ) -> None:
                for lead in leads:
                    router.decide(lead, now=NOW)

            micro = best_of(runs, {"d": decide}, count)["d"]
            base.setdefault(kind, micro)
            rows.append(
                (
                    f"{size:,} {kind}",
                    f"{micro:.2f}",
                    f"{micro / base[kind]:.2f}×",
                    f"{load_s:.2f} s",
                )
            )
    table(
        f"Scaling: territory routes (country == and state == and industry ==) and one tuple-keyed table, {count:,} leads",
        ["rule file", "µs per decision", "vs 10", "load + compile"],
        rows,
    )


def bench_peers(count: int, runs: int) -> None:
    """The 24 routes in peer rule engines (peers.py); an engine that is not installed is skipped."""
    import peers

    router = routekit.Router(routekit.loads(RULES, "bench24.route"), roster=ROSTER)
    rows = peers.bench_peers(generate_leads(count), runs, router, NOW, best_of)
    table(
        f"Peers: the 24-route rule set in other rule engines (pip install -e .[bench]), best of {runs}",
        peers.HEADER,
        rows,
    )


def bench_memory() -> None:
    """Plan size and per-decision allocations under tracemalloc (memory.py)."""
    import memory

    memory.bench_memory(territory_rules, territory_table, territory_leads, NOW, table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--peers", action="store_true", help="only the peer engines table")
    parser.add_argument("--memory", action="store_true", help="only the memory tables")
    args = parser.parse_args()
    count, runs = (5_000, 3) if args.quick else (20_000, 5)
    only = args.peers or args.memory
    print(
        f"routekit {routekit.__version__}, Python {sys.version.split()[0]}, {os.cpu_count()} cores"
    )
    if not only:
        bench_24(count, runs)
        bench_scaling(count // 4, runs)
        bench_load()
    if args.peers or not only:
        bench_peers(count, runs)
    if args.memory or not only:
        bench_memory()


if __name__ == "__main__":
    main()
