"""routekit.testing: the strategies, `simulate`, and the assertions and their messages.

Each assertion is shown to pass on correct routing and to fail, with the message the docs
promise, on a result that breaks it (a deliberately broken rule file, a biased host
strategy, or a simulation whose recorded inputs were tampered with, so the assertion's own
recomputation is what catches it).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import warnings
from fractions import Fraction
from pathlib import Path
from typing import Any, List, Optional

import attrs
import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import routekit
from routekit._format import format_text
from routekit.roster import Roster
from routekit.strategies import Pick, PickRequest
from routekit.testing import (
    Arrival,
    ClockSet,
    ClockStep,
    FairnessBound,
    FairnessError,
    Join,
    Leave,
    SetActive,
    SetWeight,
    SimulationResult,
    Vacation,
    absences,
    assert_deterministic,
    assert_every_lead_decided,
    assert_fair,
    assert_never_ineligible,
    assert_within_cap,
    documented_bound,
    dst_instants,
    event_streams,
    leads,
    reps,
    rosters,
    route_files,
    simulate,
    weights,
    working_hours,
)
from routekit.testing._rosters import KNOWN_SKEWED, dst_transitions

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
MONDAY = dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.timezone.utc)  # 09:00 in Los Angeles
MINUTE = dt.timedelta(minutes=1)
QUICK = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SEARCH = settings(max_examples=3000, database=None, deadline=None)
INBOUND_PLAN = routekit.load(EXAMPLES / "inbound.route")
HALLE = {"email": "halle@acme.example", "employees": 5000, "state": "CA", "title": "VP of IT"}


def inbound(text: Optional[str] = None) -> routekit.Router:
    plan = (
        routekit.load(EXAMPLES / "inbound.route")
        if text is None
        else routekit.loads(text, name="inbound.route")
    )
    roster = json.loads((EXAMPLES / "inbound.roster.json").read_text(encoding="utf-8"))
    accounts = json.loads((EXAMPLES / "inbound.accounts.json").read_text(encoding="utf-8"))
    return routekit.Router(plan, roster=roster, accounts=accounts)


def router_for(text: str, roster: Any, **kw: Any) -> routekit.Router:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return routekit.Router(routekit.loads(text, name="t.route"), roster=roster, **kw)


def draw_once(strategy: Any) -> None:
    """Draw one value (so a strategy's argument checks run), outside `.example()`."""

    @settings(max_examples=1, database=None, deadline=None)
    @given(strategy)
    def run(value: Any) -> None:
        pass

    run()


def team_rules(members: str, strategy: str, extra: str = "") -> str:
    return f"""
team t {{
  members {members}
  strategy {strategy}
  {extra}
}}
route "r" {{ assign team t }}
"""


# ---- the package ------------------------------------------------------------------------------


def test_importing_without_hypothesis_says_how_to_install_it() -> None:
    code = (
        "import sys; sys.modules['hypothesis'] = None\n"
        "try:\n    import routekit.testing\n"
        "except ImportError as e:\n    print('IMPORTERROR', e)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert "IMPORTERROR routekit.testing needs Hypothesis: pip install routekit[testing]" in (
        out.stdout
    )


def test_all_is_honest_and_documented() -> None:
    import routekit.testing as kit

    for name in kit.__all__:
        value = getattr(kit, name)
        if (callable(value) and not name[0].isupper()) or isinstance(value, type):
            assert value.__doc__, f"{name} has no docstring"
    assert sorted(kit.__all__) == sorted(kit._EXPORTS)
    with pytest.raises(AttributeError):
        kit.no_such_name  # noqa: B018


def test_hypothesis_hook_registers_routekit_types() -> None:
    from routekit.testing._hypothesis import _hypothesis_setup_hook

    _hypothesis_setup_hook()

    @QUICK
    @given(st.from_type(routekit.Rep), st.from_type(Roster), st.from_type(routekit.Plan))
    def check(rep: routekit.Rep, roster: Roster, plan: routekit.Plan) -> None:
        assert isinstance(rep, routekit.Rep) and isinstance(roster, Roster)
        assert isinstance(plan, routekit.Plan)
        if rep.id not in roster:  # the drawn pieces fit together
            routekit.Router(plan, roster=[*roster, rep])

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check()


@pytest.mark.skipif(sys.version_info < (3, 11), reason="reads pyproject.toml with tomllib")
def test_the_hypothesis_entry_point_is_declared_and_loads(tmp_path: Path) -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    hooks = project["entry-points"]["hypothesis"]
    # A stand-in installation: Hypothesis finds the entry point exactly as it would in a
    # wheel's metadata, runs it at import, and st.from_type(Rep) then works unprompted.
    info = tmp_path / "routekit_probe-0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: routekit-probe\nVersion: 0\n")
    lines = "".join(f"{k} = {v}\n" for k, v in hooks.items())
    (info / "entry_points.txt").write_text(f"[hypothesis]\n{lines}")
    code = (
        "from hypothesis import strategies as st\n"
        "import routekit\n"
        "print(type(st.from_type(routekit.Rep).example()).__name__)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(tmp_path)])}
    env.pop("HYPOTHESIS_NO_PLUGINS", None)
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "Rep"


# ---- leads() --------------------------------------------------------------------------------

OPERATORS = """
define big = lead.employees >= 500
table region by (lead.country, lead.state) {
  ("US", "CA"), ("US", "OR") -> rep alex
  else -> rep blake
}
route "between" when lead.revenue between 10 and 20 { assign rep alex }
route "starts" when lead.code starts with "ZX" { assign rep alex }
route "ends" when lead.email ends with ".gov" { assign rep alex }
route "regex" when lead.zip matches "[0-9]{5}" { assign rep alex }
route "all" when lead.products contains all ["CRM", "Analytics"] { assign rep alex }
route "len" when len(lead.notes) > 3 { assign rep alex }
route "domain" when domain(lead.website) == "acme.com" { assign rep alex }
route "lower" when lower(lead.plan) == "pro" { assign rep alex }
route "nested" when lead.company.size < 5 { assign rep alex }
route "quoted" when lead["Company Size"] == 7 { assign rep alex }
route "recent" when days_since(lead.signup) <= 2 { assign rep alex }
route "free" when free_email(lead.contact) { assign rep alex }
route "boundary" when big and lead.employees < 501 { assign rep alex }
route "table" when lead.country is present { assign lookup region }
"""


def test_leads_reach_every_route_of_the_example() -> None:
    router = inbound()
    for name in (*router.plan.route_names, "fallback"):
        found = find(
            leads(router),
            lambda lead, name=name: router.match(lead, now=MONDAY) == name,
            settings=SEARCH,
        )
        assert router.match(found, now=MONDAY) == name


def test_leads_reach_a_route_behind_every_kind_of_test() -> None:
    plan = routekit.loads(OPERATORS)
    router = routekit.Router(plan, roster=[{"id": "alex"}, {"id": "blake"}])
    now = dt.datetime(2026, 1, 5, 15, tzinfo=dt.timezone.utc)
    for name in plan.route_names:
        found = find(
            leads(plan, now=now),
            lambda lead, name=name: router.match(lead, now=now) == name,
            settings=SEARCH,
        )
        assert router.match(found, now=now) == name


def test_leads_hit_both_sides_of_each_boundary_and_messy_forms() -> None:
    plan = routekit.load(EXAMPLES / "inbound.route")
    for wanted in (9, 10, 499, 500, 501, 999, 1000):
        find(leads(plan), lambda lead, n=wanted: lead.get("employees") == n, settings=SEARCH)
    find(
        leads(plan),
        lambda lead: lead.get("employees") in ("999", " 1000 ", "1,000", "1,001", "1000.0"),
        settings=SEARCH,
    )
    find(
        leads(plan),
        lambda lead: isinstance(lead.get("state"), str) and lead["state"] != lead["state"].strip(),
        settings=SEARCH,
    )
    find(
        leads(plan),
        lambda lead: "state" in lead and lead["state"] in ("", "   ", None),
        settings=SEARCH,
    )
    find(leads(plan), lambda lead: lead == {}, settings=SEARCH)


@QUICK
@given(st.data())
def test_clean_leads_have_every_field_and_no_blanks(data: st.DataObject) -> None:
    lead = data.draw(leads(INBOUND_PLAN, messy=False, missing=False))
    assert {"employees", "state", "title", "source", "email"} <= set(lead)
    assert all(value not in (None, "", "   ", []) for value in lead.values())


@QUICK
@given(st.data())
def test_schema_leads_keep_required_fields_and_types(data: st.DataObject) -> None:
    lead = data.draw(leads({"employees": "number required", "joined": "date", "vip": "bool"}))
    assert "employees" in lead
    lead = data.draw(leads({"employees": "number required"}, messy=False))
    assert isinstance(lead["employees"], (int, float))


ENTERPRISE = "Enterprise IT on the West Coast"


@QUICK
@given(st.data())
def test_leads_for_chosen_routes(data: st.DataObject) -> None:
    router = inbound()
    lead = data.draw(leads(router, routes=[ENTERPRISE, "Too small"]))
    assert router.match(lead, now=dt.datetime(2026, 1, 5, 15, tzinfo=dt.timezone.utc)) in (
        ENTERPRISE,
        "Too small",
    )


def test_leads_for_routes_refuse_what_cannot_be_drawn() -> None:
    router = inbound()
    with pytest.raises(InvalidArgument, match="did you mean"):
        leads(router, routes=["Enterprise IT on the west coast"])
    with pytest.raises(InvalidArgument, match="needs rules to match"):
        leads({"a": "text"}, routes=["r"])
    impossible = routekit.loads('route "never" when lead.a < 1 and lead.a > 2 { reject "x" }')
    with pytest.raises(InvalidArgument, match="no lead was found that route 'never' decides"):
        draw_once(leads(impossible, routes=["never"]))


@pytest.mark.parametrize(
    "call",
    [
        lambda: leads(42),  # type: ignore[arg-type]
        lambda: leads({"a": "colour"}),
        lambda: leads({"a": "text optional"}),
        lambda: leads({"a": "text"}, messy="yes"),  # type: ignore[arg-type]
        lambda: leads({"a": "text"}, now=dt.datetime(2026, 1, 1)),
        lambda: leads({"a": "text"}, fields={"b": 3}),  # type: ignore[dict-item]
    ],
)
def test_leads_refuse_impossible_arguments(call: Any) -> None:
    with pytest.raises(InvalidArgument):
        draw_once(call())


# ---- rosters, hours, absences, weights ---------------------------------------------------------


@QUICK
@given(rosters(), rosters(ids=["taylor", "jordan", "sam"]))
def test_rosters_build_routers_and_ids_are_exact(roster: Roster, exact: Roster) -> None:
    assert len(set(roster.ids)) == len(roster) >= 1
    assert exact.ids == ("taylor", "jordan", "sam")
    router = router_for(team_rules("taylor weight 2, jordan, sam", "weighted"), exact)
    router.route({}, now=MONDAY, state=routekit.MemoryState())


ROSTER_FEATURES = {
    "overnight hours": lambda rep: (
        rep.hours is not None and any(end <= start for _, start, end in rep.hours.windows)
    ),
    "recurring absence": lambda rep: any(
        type(a).__name__ == "RecurringOff" for a in rep.out_of_office
    ),
    "date-time absence": lambda rep: any(type(a).__name__ == "TimeOff" for a in rep.out_of_office),
    "whole-day absence": lambda rep: any(type(a).__name__ == "DaysOff" for a in rep.out_of_office),
    "inactive": lambda rep: not rep.active,
    "at capacity": lambda rep: rep.capacity is not None and rep.load >= rep.capacity,
    "half-hour zone": lambda rep: rep.timezone in ("Asia/Kolkata", "Australia/Lord_Howe"),
    "skills and busy": lambda rep: bool(rep.skills) and bool(rep.busy),
}


def test_rosters_cover_the_awkward_cases() -> None:
    seen = set()

    @settings(max_examples=60, deadline=None, database=None)
    @given(rosters(max_size=4))
    def collect(roster: Roster) -> None:
        seen.update(k for k, has in ROSTER_FEATURES.items() if any(has(r) for r in roster))

    collect()
    assert seen == set(ROSTER_FEATURES)


@pytest.mark.parametrize(
    "call",
    [
        lambda: rosters(["a", "a"]),
        lambda: rosters(["a"], min_size=1),
        lambda: rosters("abc"),
        lambda: rosters([""]),
        lambda: rosters(min_size=3, max_size=2),
        lambda: rosters(timezones=["UTC"]),  # type: ignore[arg-type]
        lambda: reps(within=(dt.date(2026, 2, 1), dt.date(2026, 1, 1))),
        lambda: weights(min_size=0),
        lambda: weights(min_size=3, max_size=2),
        lambda: weights(max_weight=0),
        lambda: weights(shape="lumpy"),
        lambda: weights(shape="skewed", max_size=1),
        lambda: dst_instants(timezones=["UTC", "Asia/Kolkata"]),
    ],
)
def test_people_strategies_refuse_impossible_arguments(call: Any) -> None:
    with pytest.raises(InvalidArgument):
        draw_once(call())


@QUICK
@given(working_hours(), absences())
def test_hours_and_absences_are_accepted_roster_forms(hours: str, absence: Any) -> None:
    routekit.Rep.from_mapping({"id": "x", "hours": hours, "out_of_office": [absence]})


@QUICK
@given(weights(shape="skewed", max_size=6), weights(shape="equal"), weights(max_weight=3))
def test_weights_have_the_requested_shape(
    skewed: List[int], equal: List[int], low: List[int]
) -> None:
    assert 2 <= len(skewed) <= 6
    assert tuple(skewed) in KNOWN_SKEWED or (max(skewed) >= 30 and min(skewed) <= 15)
    assert len(set(equal)) == 1
    assert all(1 <= w <= 3 for w in low)


def test_skewed_weights_include_the_known_counterexamples() -> None:
    for known in KNOWN_SKEWED:
        find(weights(shape="skewed"), lambda w, k=list(known): w == k, settings=SEARCH)


def test_dst_transitions_and_instants() -> None:
    assert dst_transitions("America/Los_Angeles", 2026) == (
        dt.datetime(2026, 3, 8, 10, 0, tzinfo=dt.timezone.utc),
        dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.timezone.utc),
    )
    assert dst_transitions("Asia/Kolkata", 2026) == ()
    moments = dst_transitions("Europe/Berlin", 2026)

    @QUICK
    @given(dst_instants(timezones=["Europe/Berlin"]))
    def near(t: dt.datetime) -> None:
        assert min(abs(t - m) for m in moments) <= dt.timedelta(hours=3)

    near()


# ---- route_files() --------------------------------------------------------------------------


FILE_FEATURES = {
    "quota": lambda t: "strategy quota" in t,
    "cap": lambda t: "  cap " in t,
    "catch_up": lambda t: "catch_up" in t,
    "lookup with else": lambda t: "lookup t0" in t and " else " in t,
    "score used": lambda t: "score {" in t and "score >=" in t,
    "matches": lambda t: " matches " in t,
    "between": lambda t: " between " in t,
    "skill from the lead": lambda t: "skill lead.language" in t,
    "using": lambda t: " using " in t,
    "reject": lambda t: "reject " in t,
    "fallback": lambda t: "fallback {" in t,
}


def test_route_files_load_are_canonical_and_use_the_language() -> None:
    seen = set()
    checked = []

    def check(text: str) -> None:
        if len(checked) < 40:  # loading and formatting cost more than drawing
            checked.append(text)
            assert routekit.loads(text).route_names
            assert format_text(text) == text
        seen.update(k for k, has in FILE_FEATURES.items() if has(text))

    settings(max_examples=200, deadline=None, database=None)(given(route_files())(check))()
    # team options are spread over seven strategies: look at balanced teams on their own
    small = route_files(strategies=["balanced"], max_routes=1, max_defines=0, score=False)
    settings(max_examples=30, deadline=None, database=None)(given(small)(check))()
    assert seen == set(FILE_FEATURES)


@pytest.mark.parametrize(
    "call",
    [
        lambda: route_files(reps=[]),
        lambda: route_files(reps="alex"),
        lambda: route_files(max_routes=0),
        lambda: route_files(max_teams=99),
        lambda: route_files(strategies=["fastest"]),
    ],
)
def test_route_files_refuse_impossible_arguments(call: Any) -> None:
    with pytest.raises(InvalidArgument):
        draw_once(call())


# ---- event_streams() ------------------------------------------------------------------------


@QUICK
@given(st.data())
def test_event_streams_are_valid_and_keep_every_invariant(data: st.DataObject) -> None:
    router = inbound()
    events = data.draw(event_streams(router, max_size=25))
    assert isinstance(events[0], ClockSet)
    result = simulate(router, events)  # raises if any event could not apply
    assert len(result.steps) == sum(isinstance(e, Arrival) for e in events)
    assert_never_ineligible(result)
    assert_within_cap(result)
    assert_fair(result, "enterprise_west")
    assert_fair(result, "sdr")


def test_event_streams_mix_every_kind_and_cross_dst() -> None:
    la = dst_transitions("America/Los_Angeles", 2026)
    seen = set()

    def crosses(events: List[Any]) -> bool:
        clock = events[0].at
        for event in events[1:]:
            if isinstance(event, ClockStep):
                if any(clock < t <= clock + event.by for t in la):
                    return True
                clock += event.by
        return False

    @settings(max_examples=60, deadline=None, database=None)
    @given(event_streams(inbound(), max_size=30, leads=st.just({})))
    def collect(events: List[Any]) -> None:
        seen.update(type(e).__name__ for e in events)
        if crosses(events):
            seen.add("DST crossing")

    collect()
    kinds = {"Arrival", "ClockSet", "ClockStep", "Join", "Leave", "SetWeight", "Vacation"}
    assert seen >= kinds | {"SetActive", "DST crossing"}


@pytest.mark.parametrize(
    "call",
    [
        lambda r: event_streams(r, teams=["nope"]),
        lambda r: event_streams(r, min_size=5, max_size=2),
        lambda r: event_streams(r, start=dt.datetime(2026, 1, 1)),
        lambda r: event_streams(r, teams=["sdr"], joins=False, leaves=False, weight_changes=False),
        lambda r: event_streams("rules"),
    ],
)
def test_event_streams_refuse_impossible_arguments(call: Any) -> None:
    with pytest.raises(InvalidArgument):
        draw_once(call(inbound()))


# ---- simulate() ----------------------------------------------------------------------------


def test_simulate_times_counts_and_exact_shares() -> None:
    router = router_for(
        team_rules("a weight 2, b, c", "weighted"), [{"id": "a"}, {"id": "b"}, {"id": "c"}]
    )
    stream: List[Any] = [{}, {}, Vacation("c", MONDAY, MONDAY + dt.timedelta(hours=1)), {}, {}]
    stream += [ClockStep(dt.timedelta(hours=2)), {}, ClockSet(MONDAY + dt.timedelta(days=1)), {}]
    result = simulate(router, stream, start=MONDAY, step=MINUTE)
    assert [s.now - MONDAY for s in result.steps] == [
        dt.timedelta(minutes=m) for m in (0, 1, 2, 3, 124)
    ] + [dt.timedelta(days=1)]
    assert [s.decision.assignee for s in result.steps if s.decision] == list("abaacb")
    # c is away for picks 3 and 4: they are shared 2/3, 1/3 between a and b
    assert result.shares("t") == {
        "a": Fraction(1, 2) * 4 + Fraction(2, 3) * 2,
        "b": Fraction(1, 4) * 4 + Fraction(1, 3) * 2,
        "c": Fraction(1, 4) * 4,
    }
    assert sum(result.shares("t").values()) == len(result.steps)
    assert result.team_counts("t") == {"a": 3, "b": 2, "c": 1}
    assert result.count_by("rep") == {"a": 3, "b": 2, "c": 1}
    assert result.count_by("route") == {"r": 6}
    assert result.count_by("outcome") == {"assigned": 6}
    assert [p.eligible for p in result.picks("t")][2] == ("a", "b")
    assert result.events[0] == (2, stream[2])
    worst = result.max_deviation("t")
    assert worst is not None and abs(worst.value) == max(
        abs(r.deviation(m)) for r in result.ledger("t") for m in r.counts
    )


def test_simulate_edits_teams_and_roster() -> None:
    router = router_for(team_rules("a, b", "round_robin"), [{"id": "a"}, {"id": "b"}])
    stream = [
        {},
        Join("t", "newbie", 3),
        {},
        SetWeight("t", "a", 5),
        Leave("t", "b"),
        SetActive("a", False),
        {},
    ]
    result = simulate(router, stream, start=MONDAY, step=MINUTE)
    team = result.steps[-1].plan.teams["t"]  # type: ignore[union-attr]
    assert [(m.rep, m.weight) for m in team.members] == [("a", 5), ("newbie", 3)]
    assert "newbie" in result.steps[1].roster
    assert not result.steps[-1].roster.get("a").active  # type: ignore[union-attr]
    assert [s.decision.assignee for s in result.steps if s.decision] == ["a", "b", "newbie"]


@pytest.mark.parametrize(
    "event, message",
    [
        (Leave("t", "zed"), "zed is not in team t"),
        (Join("t", "a"), "a is already in team t"),
        (SetWeight("nope", "a", 2), "there is no team nope"),
        (Vacation("zed", dt.date(2026, 1, 1), dt.date(2026, 1, 2)), "zed is not in the roster"),
    ],
)
def test_simulate_refuses_events_that_cannot_apply(event: Any, message: str) -> None:
    router = router_for(team_rules("a, b", "round_robin"), [{"id": "a"}, {"id": "b"}])
    with pytest.raises(routekit.RoutekitError, match=message):
        simulate(router, [event], start=MONDAY)


def test_simulate_needs_a_clock_and_a_router() -> None:
    router = inbound()
    with pytest.raises(ValueError, match="start="):
        simulate(router, [HALLE])
    with pytest.raises(ValueError, match="timezone-aware"):
        simulate(router, [HALLE], start=dt.datetime(2026, 1, 1))
    with pytest.raises(TypeError):
        simulate("router", [HALLE], start=MONDAY)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Vacation("x", dt.date(2026, 1, 2), dt.date(2026, 1, 1))


def test_simulate_records_lead_errors_and_continues() -> None:
    text = 'fields { employees: number required }\nroute "r" { reject "no" }'
    router = router_for(text, [])
    result = simulate(router, [{"employees": "many"}, {"employees": 3}], start=MONDAY)
    assert [s.outcome for s in result.steps] == ["error", "rejected"]
    assert result.unrouted() == result.steps[:1]


def test_simulate_continues_from_a_given_state() -> None:
    router = inbound()
    state = routekit.MemoryState()
    simulate(router, [HALLE] * 3, start=MONDAY, step=MINUTE, state=state)
    again = simulate(router, [HALLE], start=MONDAY, step=MINUTE, state=state.snapshot())
    assert again.initial_snapshot == state.snapshot()
    assert state.version == 3


# ---- assert_fair ------------------------------------------------------------------------------


def test_assert_fair_passes_on_the_example_and_fails_on_a_broken_variant() -> None:
    result = simulate(inbound(), [HALLE] * 16, start=MONDAY, step=MINUTE)
    assert_fair(result, "enterprise_west")
    broken = (
        (EXAMPLES / "inbound.route")
        .read_text(encoding="utf-8")
        .replace(
            "assign team enterprise_west else team sdr",
            "assign team enterprise_west using round_robin else team sdr",
        )
    )
    result = simulate(inbound(broken), [HALLE] * 16, start=MONDAY, step=MINUTE)
    with pytest.raises(FairnessError) as failure:
        assert_fair(result, "enterprise_west")
    message = str(failure.value)
    assert message.splitlines()[0] == (
        "team enterprise_west (weighted) drifted past its bound at decision 4: "
        "jordan is 3/4 (≈ 0.750) ahead of its exact share"
    )
    assert "jordan: 2 leads, exact share 5/4 (≈ 1.250)" in message
    assert "at most 2/3 (≈ 0.667) ahead and 3/2 (≈ 1.500) behind" in message
    assert '"title": "VP of IT"' in message and "went to jordan" in message
    assert "the team's picks so far: taylor jordan sam taylor jordan" in message


class FirstAlways:
    """A host strategy that ignores weights: always the first eligible member."""

    name = "weighted"

    def pick(self, request: PickRequest) -> Pick:
        return Pick(request.eligible[0].id, {}, "first")


@QUICK
@given(weights(min_size=2, max_size=5, max_weight=9))
def test_assert_fair_catches_a_biased_host_strategy(ws: List[int]) -> None:
    members = ", ".join(f"m{i} weight {w}" for i, w in enumerate(ws))
    roster = [{"id": f"m{i}"} for i in range(len(ws))]
    good = router_for(team_rules(members, "weighted"), roster)
    assert_fair(simulate(good, [{}] * 12, start=MONDAY), "t")
    bad = router_for(
        team_rules(members, "weighted"), roster, strategies={"weighted": FirstAlways()}
    )
    with pytest.raises(FairnessError, match="drifted past its bound at decision"):
        assert_fair(simulate(bad, [{}] * 12, start=MONDAY), "t")


def test_assert_fair_round_robin_windows() -> None:
    rules = team_rules("a, b, c", "round_robin") + (
        'route "p" when lead.p == true { assign team t using priority }'
    )
    rules = rules.replace('route "r" {', 'route "r" when lead.p is missing {')
    router = router_for(rules, [{"id": r} for r in "abc"])
    assert_fair(simulate(router, [{}] * 7, start=MONDAY), "t")
    # priority always starts from a: a out-paces c inside a window where c was eligible
    stream = [{}, {}, {"p": True}, {"p": True}]
    result = simulate(router, stream, start=MONDAY)
    with pytest.raises(FairnessError) as failure:
        assert_fair(result, "t")
    assert str(failure.value).splitlines()[:3] == [
        "team t (round_robin): a out-paced c by 2 inside decisions 0..2, though c was eligible "
        "at every one of them",
        "  in that window a got 2 leads and c got 0",
        "  allowed: nobody more than 1 ahead of a member eligible throughout a window "
        "(round_robin: proved)",
    ]
    assert_fair(result, "t", bound=2)


def test_assert_fair_quota_epochs_and_explicit_bounds() -> None:
    rules = team_rules("a weight 5, b", "quota") + (
        'route "x" when lead.x == true { assign team t using round_robin }'
    )
    rules = rules.replace('route "r" {', 'route "r" when lead.x is missing {')
    router = router_for(rules, [{"id": "a"}, {"id": "b"}])
    assert_fair(simulate(router, [{}] * 9, start=MONDAY), "t")
    # round robin inside a quota epoch gives b the second lead: a (weight 5) falls behind
    result = simulate(router, [{"x": True}, {"x": True}], start=MONDAY)
    with pytest.raises(FairnessError) as failure:
        assert_fair(result, "t")
    assert str(failure.value).splitlines()[:4] == [
        "team t (quota) drifted past its bound at decision 1: a is 2/3 (≈ 0.667) behind its "
        "exact share",
        "  a: 1 lead, exact share 5/3 (≈ 1.667)",
        "  allowed: within 1/2 (≈ 0.500) of the exact share within each epoch (quota, k = 2: "
        "1 − 1/(2k−2))",
        "  pick 2 of an epoch with a, b eligible (counts and shares restart when the eligible "
        "set or a weight changes)",
    ]
    assert_fair(result, "t", bound=(Fraction(2, 3), 1))


def test_assert_fair_needs_a_bound_where_none_is_documented() -> None:
    router = router_for(team_rules("a, b", "balanced"), [{"id": "a"}, {"id": "b"}])
    result = simulate(router, [{}] * 6, start=MONDAY)
    with pytest.raises(ValueError, match="documents no bound"):
        assert_fair(result, "t")
    assert_fair(result, "t", bound=1)
    with pytest.raises(ValueError, match="did you mean"):
        assert_fair(result, "tt")


def test_assert_fair_default_bound_assumes_a_fresh_state() -> None:
    router = router_for(team_rules("a, b", "weighted"), [{"id": "a"}, {"id": "b"}])
    state = routekit.MemoryState()
    simulate(router, [{}], start=MONDAY, state=state)
    result = simulate(router, [{}] * 3, start=MONDAY, state=state)
    with pytest.raises(ValueError, match="fresh state"):
        assert_fair(result, "t")
    assert_fair(result, "t", bound=1)


def test_no_online_rule_keeps_everyone_within_one_lead_while_members_come_and_go() -> None:
    # cap 1 per day: whoever is picked drops out; the last member has been owed
    # 1/6 + 1/5 + 1/4 + 1/3 + 1/2 = 29/20 without a lead (docs/strategies.md)
    roster = [{"id": r} for r in "abcdef"]
    router = router_for(team_rules("a, b, c, d, e, f", "weighted", "cap 1 per day"), roster)
    result = simulate(router, [{}] * 5, start=MONDAY, step=MINUTE)
    assert result.deviations("t")["f"] == -Fraction(29, 20)
    assert_fair(result, "t")  # within the churn allowance, max(2, H_6)
    with pytest.raises(FairnessError, match="f is 29/20"):
        assert_fair(result, "t", bound=1)


def test_documented_bounds() -> None:
    assert documented_bound("weighted", 3) == FairnessBound(
        Fraction(2, 3),
        Fraction(3, 2),
        "fixed-set",
        documented_bound("weighted", 3).why,  # type: ignore[union-attr]
    )
    quota = documented_bound("quota", 4)
    assert quota is not None and quota.ahead == quota.behind == Fraction(5, 6)
    assert documented_bound("quota", 1).ahead == 0  # type: ignore[union-attr]
    assert documented_bound("least_loaded", 2) is None
    with pytest.raises(TypeError):
        FairnessBound("1", 1)


# ---- eligibility, caps, determinism, completeness ----------------------------------------------


def tamper(result: SimulationResult, index: int, **changes: Any) -> SimulationResult:
    """The result with step ``index``'s recorded inputs replaced, as if the router had decided
    from a roster or plan it should not have given that lead from."""
    steps = list(result.steps)
    steps[index] = attrs.evolve(steps[index], **changes)
    return attrs.evolve(result, steps=tuple(steps), cache={})


def with_rep(roster: Roster, rep_id: str, **fields: Any) -> Roster:
    return Roster(
        [
            routekit.Rep.from_mapping({**r.to_mapping(), **fields}) if r.id == rep_id else r
            for r in roster
        ]
    )


def test_assert_never_ineligible_recomputes_every_reason() -> None:
    result = simulate(inbound(), [HALLE] * 4, start=MONDAY, step=MINUTE)
    assert_never_ineligible(result)
    first = result.steps[0]
    assert first.decision is not None and first.decision.assignee == "taylor"
    roster = first.roster
    cases: List[Any] = [
        (
            {"roster": with_rep(roster, "taylor", out_of_office=["2026-11-23"])},
            "out of office all day",
        ),
        ({"roster": with_rep(roster, "taylor", active=False)}, "inactive"),
        (
            {"roster": with_rep(roster, "taylor", hours="Sat 09:00-10:00")},
            "not available (outside working hours",
        ),
        ({"roster": Roster([r for r in roster if r.id != "taylor"])}, "not in the roster"),
        (
            {
                "snapshot": {
                    "teams": {"enterprise_west": {"counts": {"taylor": {"day": ["2026-11-23", 8]}}}}
                }
            },
            "at the team's cap (8 of 8 per day)",
        ),
    ]
    for changes, reason in cases:
        with pytest.raises(FairnessError) as failure:
            assert_never_ineligible(tamper(result, 0, **changes))
        lines = str(failure.value).splitlines()
        assert lines[0].startswith("decision 0 gave the lead to taylor, who was not eligible: ")
        assert reason in lines[0]
        assert "Enterprise IT on the West Coast" in lines[1] and '"VP of IT"' in lines[2]


def test_assert_never_ineligible_checks_filters_and_max_ahead() -> None:
    rules = team_rules(
        "a, b", "round_robin", "require under_capacity, skill lead.lang\n max_ahead 1"
    )
    roster = [
        {"id": "a", "capacity": 5, "load": 1, "skills": ["de"]},
        {"id": "b", "capacity": 5, "skills": ["de"]},
    ]
    result = simulate(router_for(rules, roster), [{"lang": "DE"}] * 3, start=MONDAY)
    assert_never_ineligible(result)
    assert result.steps[2].decision.assignee == "a"  # type: ignore[union-attr]
    base = result.steps[2].roster
    for changes, reason in [
        ({"roster": with_rep(base, "a", load=5)}, "at or over capacity (5/5)"),
        ({"roster": with_rep(base, "a", capacity=None)}, "has no capacity"),
        ({"roster": with_rep(base, "a", skills=["fr"])}, 'lacks skill "DE"'),
        ({"lead": {"lang": " "}}, "no skill to match"),
        (
            {"snapshot": {"teams": {"t": {"counts": {"a": {"day": ["2026-11-23", 3]}}}}}},
            "ahead of the least-assigned (max_ahead 1)",
        ),
    ]:
        with pytest.raises(FairnessError, match="who was not eligible") as failure:
            assert_never_ineligible(tamper(result, 2, **changes))
        assert reason in str(failure.value)


def test_assert_within_cap_replays_the_counts() -> None:
    uncapped = router_for(team_rules("a, b", "round_robin"), [{"id": "a"}, {"id": "b"}])
    result = simulate(uncapped, [{}] * 5, start=MONDAY, step=dt.timedelta(hours=1))
    assert_within_cap(result)
    capped = routekit.loads(team_rules("a, b", "round_robin", "cap 2 per day"))
    steps = tuple(attrs.evolve(s, plan=capped) for s in result.steps)
    with pytest.raises(FairnessError) as failure:
        assert_within_cap(attrs.evolve(result, steps=steps, cache={}))
    assert str(failure.value).splitlines()[0] == (
        "decision 4 gave a lead number 3 from team t in the day 2026-11-23 (UTC), "
        "past its cap of 2 per day"
    )
    # a new day in the rep's own zone starts from zero
    late = simulate(uncapped, [{}] * 6, start=MONDAY, step=dt.timedelta(hours=4))
    steps = tuple(attrs.evolve(s, plan=capped) for s in late.steps)
    assert_within_cap(attrs.evolve(late, steps=steps, cache={}))


class Flaky:
    """A host strategy with a hidden counter: the same inputs give different picks."""

    name = "round_robin"

    def __init__(self) -> None:
        self.calls = 0

    def pick(self, request: PickRequest) -> Pick:
        self.calls += 1
        chosen = request.eligible[self.calls % len(request.eligible)]
        return Pick(chosen.id, {"last": chosen.id}, "flaky")


def test_assert_deterministic() -> None:
    assert_deterministic(inbound(), [HALLE, {"employees": 5}, {}] * 3)
    flaky = router_for(
        team_rules("a, b, c", "round_robin"),
        [{"id": r} for r in "abc"],
        strategies={"round_robin": Flaky()},
    )
    with pytest.raises(FairnessError) as failure:
        assert_deterministic(flaky, [{}] * 3)
    # (the trace is rebuilt by deciding again, so a hidden counter shows there first)
    assert str(failure.value).startswith(
        "decision 0 differed between two runs from the same state: ['"
    )
    assert "the lead {} went to" in str(failure.value)


def test_assert_every_lead_decided() -> None:
    assert_every_lead_decided(simulate(inbound(), [HALLE, {}], start=MONDAY))
    rules = team_rules("a", "round_robin", "require available").replace(
        'route "r" {', 'route "r" when lead.x == 1 {'
    )
    router = router_for(rules, [{"id": "a", "hours": "Mon-Fri 09:00-17:00"}])
    result = simulate(router, [{"x": 1}, {"x": 2}], start=MONDAY.replace(hour=3))
    with pytest.raises(FairnessError) as failure:
        assert_every_lead_decided(result)
    lines = str(failure.value).splitlines()
    assert lines[0] == "decision 0: the lead was unrouted"
    assert '  route: "r"' in lines
    assert any("a: outside working hours" in line for line in lines)
    with pytest.raises(FairnessError, match="no route matched and there is no fallback"):
        assert_every_lead_decided(attrs.evolve(result, steps=result.steps[1:], cache={}))


# ---- the user's example --------------------------------------------------------------------


def load_example(monkeypatch: pytest.MonkeyPatch, routes: Optional[Path] = None) -> Any:
    """examples/test_my_routing.py as a fresh module (it reads ``ROUTES`` when imported)."""
    import importlib.util

    if routes is None:
        monkeypatch.delenv("ROUTES", raising=False)
    else:
        monkeypatch.setenv("ROUTES", str(routes))
    spec = importlib.util.spec_from_file_location("my_routing", EXAMPLES / "test_my_routing.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_example_passes_on_the_shipped_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    load_example(monkeypatch).test_no_lead_for_anyone_away_and_the_weighted_team_stays_fair()


def test_the_example_catches_a_team_that_drifts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    text = (EXAMPLES / "inbound.route").read_text(encoding="utf-8")
    broken = tmp_path / "broken.route"
    broken.write_text(
        text.replace("team enterprise_west else", "team enterprise_west using round_robin else")
    )
    example = load_example(monkeypatch, broken)
    inner = example.test_no_lead_for_anyone_away_and_the_weighted_team_stays_fair.hypothesis
    # the example's own strategies, searched without shrinking (that is the slow part)
    search = settings(max_examples=200, deadline=None, database=None, phases=[Phase.generate])
    rerun = search(
        given(
            batch=st.lists(example.some_leads, max_size=40),
            start=example.mornings,
            every=st.integers(1, 30),
        )(inner.inner_test)
    )
    with pytest.raises(
        FairnessError, match="enterprise_west \\(weighted\\) drifted past its bound"
    ):
        rerun()


def test_the_walkthrough_shows_the_example_file_as_it_is() -> None:
    page = (ROOT / "docs" / "property-testing.md").read_text(encoding="utf-8")
    shown = page.split("```python\n", 1)[1].split("```", 1)[0]
    assert shown == (EXAMPLES / "test_my_routing.py").read_text(encoding="utf-8")
