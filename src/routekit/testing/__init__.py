"""routekit.testing: property-test your own routing with Hypothesis.

Strategies that draw what routing meets in real life, a simulator that replays them
through your router, and assertions whose failures show the first bad decision::

    from hypothesis import given
    from routekit.testing import leads, simulate, assert_fair, assert_never_ineligible

    @given(st.lists(leads(router), max_size=30))
    def test_routing(batch):
        result = simulate(router, batch, start=MONDAY, step=timedelta(minutes=7))
        assert_never_ineligible(result)
        assert_fair(result, "enterprise_west")

Strategies: `leads`, `rosters`, `reps`, `rep_ids`, `time_zones`, `dst_instants`,
`working_hours`, `absences`, `weights`, `event_streams`, `route_files`. Simulation:
`simulate` → `SimulationResult`, over lead mappings and the events `Arrival`, `Join`,
`Leave`, `SetWeight`, `Vacation`, `SetActive`, `ClockStep`, `ClockSet`. Assertions:
`assert_fair`, `assert_never_ineligible`, `assert_within_cap`, `assert_deterministic`,
`assert_every_lead_decided` (each raises `FairnessError`, an ``AssertionError``).

Needs the ``testing`` extra: ``pip install routekit[testing]``.

The names load on first use (PEP 562): Hypothesis imports this package through its
``hypothesis`` entry point every time it starts, in every project with routekit installed,
so the package itself must cost next to nothing to import.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Dict, List

try:
    import hypothesis  # noqa: F401
except ImportError as error:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError("routekit.testing needs Hypothesis: pip install routekit[testing]") from error

if TYPE_CHECKING:
    from ._assertions import (
        FairnessBound,
        FairnessError,
        assert_deterministic,
        assert_every_lead_decided,
        assert_fair,
        assert_never_ineligible,
        assert_within_cap,
        documented_bound,
    )
    from ._events import (
        Arrival,
        ClockSet,
        ClockStep,
        Event,
        Join,
        Leave,
        SetActive,
        SetWeight,
        Vacation,
    )
    from ._leads import leads
    from ._rosters import (
        absences,
        dst_instants,
        rep_ids,
        reps,
        rosters,
        time_zones,
        weights,
        working_hours,
    )
    from ._rules import route_files
    from ._simulate import (
        Deviation,
        LedgerRow,
        SimulationResult,
        Step,
        TeamPick,
        simulate,
    )
    from ._streams import event_streams

_EXPORTS: Dict[str, str] = {
    "Arrival": "._events",
    "ClockSet": "._events",
    "ClockStep": "._events",
    "Deviation": "._simulate",
    "Event": "._events",
    "FairnessBound": "._assertions",
    "FairnessError": "._assertions",
    "Join": "._events",
    "Leave": "._events",
    "LedgerRow": "._simulate",
    "SetActive": "._events",
    "SetWeight": "._events",
    "SimulationResult": "._simulate",
    "Step": "._simulate",
    "TeamPick": "._simulate",
    "Vacation": "._events",
    "absences": "._rosters",
    "assert_deterministic": "._assertions",
    "assert_every_lead_decided": "._assertions",
    "assert_fair": "._assertions",
    "assert_never_ineligible": "._assertions",
    "assert_within_cap": "._assertions",
    "documented_bound": "._assertions",
    "dst_instants": "._rosters",
    "event_streams": "._streams",
    "leads": "._leads",
    "rep_ids": "._rosters",
    "reps": "._rosters",
    "rosters": "._rosters",
    "route_files": "._rules",
    "simulate": "._simulate",
    "time_zones": "._rosters",
    "weights": "._rosters",
    "working_hours": "._rosters",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(__all__))


__all__ = [
    "Arrival",
    "ClockSet",
    "ClockStep",
    "Deviation",
    "Event",
    "FairnessBound",
    "FairnessError",
    "Join",
    "LedgerRow",
    "Leave",
    "SetActive",
    "SetWeight",
    "SimulationResult",
    "Step",
    "TeamPick",
    "Vacation",
    "absences",
    "assert_deterministic",
    "assert_every_lead_decided",
    "assert_fair",
    "assert_never_ineligible",
    "assert_within_cap",
    "documented_bound",
    "dst_instants",
    "event_streams",
    "leads",
    "rep_ids",
    "reps",
    "rosters",
    "route_files",
    "simulate",
    "time_zones",
    "weights",
    "working_hours",
]
