"""Determinism: the same inputs give byte-identical decisions across processes with
different hash seeds, across Python versions (a checked-in golden file), and after a
`Router` travels to another process by pickle."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import json
import multiprocessing
import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import routekit

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden" / "inbound_decisions.jsonl"
NOW = dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.timezone.utc)


def example_router() -> routekit.Router:
    return routekit.Router(
        routekit.load(EXAMPLES / "inbound.route"),
        roster=json.loads((EXAMPLES / "inbound.roster.json").read_text(encoding="utf-8")),
        accounts=json.loads((EXAMPLES / "accounts.json").read_text(encoding="utf-8")),
    )


def example_leads() -> List[Dict[str, Any]]:
    leads = [
        json.loads(line)
        for line in (EXAMPLES / "leads.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    for name in ("halle", "tiny", "globex", "office_manager"):
        leads.append(json.loads((EXAMPLES / "leads" / f"{name}.json").read_text(encoding="utf-8")))
    return leads


def decision_lines(router: routekit.Router) -> str:
    """Every example lead routed in order through one state, one JSON line each."""
    state = routekit.MemoryState()
    lines = []
    for i, lead in enumerate(example_leads()):
        decision = router.route(lead, now=NOW + dt.timedelta(minutes=7 * i), state=state)
        lines.append(json.dumps(decision.to_dict(), sort_keys=True, ensure_ascii=False))
    return "\n".join(lines) + "\n"


SCRIPT = """
import sys
sys.path.insert(0, {tests!r})
from test_determinism import decision_lines, example_router
sys.stdout.write(decision_lines(example_router()))
"""


def run_with_seed(seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    src = str(ROOT / "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    script = SCRIPT.format(tests=str(Path(__file__).resolve().parent))
    return subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        encoding="utf-8",
    ).stdout


def test_decisions_are_byte_identical_across_hash_seeds() -> None:
    outputs = {seed: run_with_seed(seed) for seed in ("0", "1", "12345")}
    assert len(set(outputs.values())) == 1
    assert outputs["0"] == decision_lines(example_router())


def test_decisions_match_the_golden_file_on_every_python() -> None:
    """CI runs this on the oldest and the newest Python: both must produce these bytes.

    Regenerate after an intended change with ROUTEKIT_REGENERATE_GOLDEN=1.
    """
    current = decision_lines(example_router())
    if os.environ.get("ROUTEKIT_REGENERATE_GOLDEN"):
        GOLDEN.write_text(current, encoding="utf-8")
    assert current == GOLDEN.read_text(encoding="utf-8")


def _decide_in_worker(payload: bytes) -> List[str]:
    router = pickle.loads(payload)
    return decision_lines(router).splitlines()


def test_a_pickled_router_decides_identically_in_another_process() -> None:
    router = example_router()
    payload = pickle.dumps(router)
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        remote = pool.submit(_decide_in_worker, payload).result(timeout=120)
    assert remote == decision_lines(router).splitlines()


class FirstMember:
    """A host strategy registered under a built-in name: always the first eligible member."""

    name = "weighted"

    def pick(self, request):  # type: ignore[no-untyped-def]
        from routekit.strategies import Pick

        first = request.eligible[0]
        return Pick(first.id, {}, "the first eligible member")


def test_a_pickled_router_keeps_host_strategies_that_replace_built_ins() -> None:
    rules = 'team t { members a, b\n strategy weighted }\nroute "r" { assign team t }'
    router = routekit.Router(
        routekit.loads(rules),
        roster=[{"id": "a"}, {"id": "b"}],
        strategies={"weighted": FirstMember()},
    )
    copy = pickle.loads(pickle.dumps(router))
    state = routekit.MemoryState()
    picks = [copy.route({}, now=NOW, state=state).assignee for _ in range(3)]
    assert picks == ["a", "a", "a"]
