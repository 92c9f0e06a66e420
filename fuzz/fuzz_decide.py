"""Fuzz ``Router.route`` with hostile leads with atheris: a Decision, never an exception.

Run by hand (see fuzz/README.md)::

    pip install atheris
    python fuzz/fuzz_decide.py -runs=100000 -timeout=10

Leads are built from the fuzzer's bytes: nested objects and lists, long and odd text,
NaN and infinities, huge integers, booleans where numbers are expected, keys that are not
text. They go through examples/inbound.route (with its roster and accounts) or through
a file exercising every test of the language (``matches``, ``between``, functions,
tables). A crash is any exception, an outcome outside the four, a ``to_dict()`` that is
not strict JSON, or (with ``-timeout``) a decision that hangs.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any, Dict, List

try:
    import atheris
except ImportError:  # replay mode only
    atheris = None

if atheris is not None:
    with atheris.instrument_imports(include=["routekit"]):
        import routekit
else:
    import routekit

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TRICKY = ["CA", " ca ", "5,000", "1e3", "x@gmail.com", "IT", "2026-01-01", "\x00", "\u202e"]
OUTCOMES = ("assigned", "rejected", "redirected", "unrouted")
FIELDS = ["email", "employees", "state", "title", "source", "website", "domain", "zip", "tags"]

EVERY_TEST = r"""
define western = lead.state in ["CA", "OR", "WA"] or lower(lead.state) == "ca"
define big = lead.employees >= 1000 or lead.employees between 500 and 999
define named = lead.title starts with "vp" or lead.title ends with "officer"
define word = lead.title matches "(?i).*\bIT\b.*" or lead.zip matches "\d{5}(-\d{4})?"
define listy = lead.tags contains any ["crm", "bi"] or lead.tags contains all ["a", "b"]
define fresh = days_since(lead.signup) <= 30 and len(lead.title) > 2
define known = account is present and account.stage == "customer"
define mail = domain(lead.email) != "example.com" and not free_email(lead.email)
score {
  30 when big
  20 when word
  2.5 when listy
  -50 when free_email(lead.email)
}
team sdr { members alex, blake, casey }
team west { members taylor weight 2, jordan strategy weighted cap 3 per day }
table territory by lead.state {
  "CA", "OR" -> team west
  "NY" -> rep riley
  else -> team sdr
}
route "known" when known { assign account.owner else team sdr }
route "west" when western and big and not named { assign lookup territory else team sdr }
route "word" when word or listy or fresh { assign team sdr using weighted }
route "mail" when mail and score > 10 { redirect "https://example.com/demo" }
route "tiny" when lead.employees < 10 { reject "too small" }
fallback { assign team sdr }
"""


def build_routers() -> List[Any]:
    roster = json.loads((EXAMPLES / "inbound.roster.json").read_text(encoding="utf-8"))
    accounts = json.loads((EXAMPLES / "accounts.json").read_text(encoding="utf-8"))
    inbound = routekit.load(EXAMPLES / "inbound.route")
    every = routekit.loads(EVERY_TEST, name="every_test.route")
    return [
        routekit.Router(inbound, roster=roster, accounts=accounts),
        routekit.Router(every, roster=roster, accounts=accounts),
    ]


ROUTERS = build_routers()
NOW = dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.timezone.utc)
# Nesting deeper than this stops adding lists and objects, to keep inputs small and fast;
# tests/test_hostile.py checks leads nested 100,000 deep separately.
MAX_DEPTH = 30


def value(fdp: Any, depth: int) -> Any:
    kind = fdp.ConsumeIntInRange(0, 11 if depth < MAX_DEPTH else 7)
    if kind == 0:
        return None
    if kind == 1:
        return fdp.ConsumeBool()
    if kind == 2:
        return fdp.ConsumeInt(fdp.ConsumeIntInRange(1, 200))  # up to 1,600-bit integers
    if kind == 3:
        return fdp.ConsumeFloat()  # NaN and infinities included
    if kind in (4, 5):
        return fdp.ConsumeUnicode(fdp.ConsumeIntInRange(0, 64))
    if kind == 6:  # long text, cheaply: a short piece repeated up to 50,000 times
        piece = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 64))
        return piece * fdp.ConsumeIntInRange(1, 50_000)
    if kind == 7:
        return fdp.PickValueInList(TRICKY)
    if kind in (8, 9):
        return [value(fdp, depth + 1) for _ in range(fdp.ConsumeIntInRange(0, 4))]
    return {
        fdp.PickValueInList(FIELDS): value(fdp, depth + 1)
        for _ in range(fdp.ConsumeIntInRange(0, 4))
    }


def lead_from(fdp: Any) -> Dict[Any, Any]:
    lead: Dict[Any, Any] = {}
    for _ in range(fdp.ConsumeIntInRange(0, 8)):
        kind = fdp.ConsumeIntInRange(0, 9)
        if kind < 7:
            key: Any = fdp.PickValueInList(FIELDS)
        elif kind == 7:
            key = fdp.ConsumeUnicode(8)
        else:
            key = fdp.PickValueInList([1, None, 2.5, (1, 2), True])
        lead[key] = value(fdp, 0)
    return lead


def TestOneInput(data: bytes) -> None:
    """One fuzz input (the name and signature atheris expects)."""
    fdp = atheris.FuzzedDataProvider(data)
    router = ROUTERS[fdp.ConsumeIntInRange(0, len(ROUTERS) - 1)]
    now = NOW + dt.timedelta(minutes=fdp.ConsumeIntInRange(-600_000, 600_000))
    lead = lead_from(fdp)
    decision = router.route(lead, now=now, state=routekit.MemoryState())
    if decision.outcome not in OUTCOMES:
        raise AssertionError(f"bad outcome {decision.outcome!r}")
    json.dumps(decision.to_dict(), allow_nan=False)
    decision.explain()


def main() -> None:
    if atheris is None:
        sys.exit("atheris is not installed: `pip install atheris` (CPython on Linux or macOS)")
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
