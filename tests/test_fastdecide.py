"""The fast decision path (`routekit._fastdecide`) decides exactly like the reference.

The fast path handles the common shapes (reject, redirect, an always-eligible rep, a team
of always-eligible members picked by round robin or weighted) and hands everything else
to the general path. These tests check, for random rule files, rosters, snapshots and
leads, that `Router.decide` gives the decision, the changes and the (replayed) trace that
the reference evaluator builds eagerly, and that the fast path really takes most of them.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from typing import Any, Dict, List

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import routekit
from routekit.decision import Decision, decision_template
from routekit.state import TeamChange, change_template, check_snapshot
from routekit.strategies import Pick, PickRequest

NOW = dt.datetime(2026, 11, 23, 17, tzinfo=dt.timezone.utc)
FIELDS = ["country", "employees", "source"]
TEXTS = ["US", " us ", "DE", "", "partner", "web"]
REPS = ["a", "b", "c", "d", "e", "solo"]


def quoted(text: str) -> str:
    return '"' + text + '"'


@st.composite
def conditions(draw: st.DrawFn) -> str:
    field = draw(st.sampled_from(FIELDS))
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return f"lead.{field} == {quoted(draw(st.sampled_from(TEXTS)))}"
    if kind == 1:
        return f"lead.{field} >= {draw(st.integers(0, 500))}"
    if kind in (2, 3):
        return f"lead.{field} is missing"
    if kind == 4:
        return f"lead.{field} != {quoted(draw(st.sampled_from(TEXTS)))}"
    return f"lead.{field}.size > 2"  # a test the generated code does not inline


@st.composite
def actions(draw: st.DrawFn) -> str:
    kind = draw(st.integers(0, 8))
    attributes = ' set tier = "gold"' if draw(st.booleans()) else ""
    if kind == 0:
        return f'reject "no thanks"{attributes}'
    if kind == 1:
        return f'redirect "https://example.com/x"{attributes}'
    if kind == 2:
        return f"assign rep {draw(st.sampled_from(REPS))}{attributes}"
    if kind == 3:
        using = draw(st.sampled_from(["", " using weighted", " using round_robin"]))
        return f"assign team {draw(st.sampled_from(['t0', 't1', 't2']))}{using}{attributes}"
    if kind == 4:
        return f"assign team t0 else rep solo{attributes}"
    if kind == 5:
        return f"assign team capped{attributes}"
    if kind == 7:
        return f"assign lookup {draw(st.sampled_from(['by_country', 'by_pair']))}{attributes}"
    if kind == 8:
        return f"assign lookup by_country else rep solo{attributes}"
    return f"assign team t1{attributes}"


@st.composite
def rule_files(draw: st.DrawFn) -> str:
    routes = [
        f'route "r{i}" when {draw(conditions())} {{ {draw(actions())} }}'
        for i in range(draw(st.integers(1, 5)))
    ]
    fallback = f"fallback {{ {draw(actions())} }}\n" if draw(st.booleans()) else ""
    return (
        "team t0 { members a, b, c }\n"
        "team t1 { members d weight 2, e\n strategy weighted }\n"
        "team t2 { members a weight 3, e, b\n strategy weighted }\n"
        "team capped { members a, b\n cap 2 per day }\n"
        'table by_country by lead.country {\n "US" -> team t0\n "DE" -> rep e\n'
        ' " " -> team capped\n "500" -> rep c\n else -> team t2\n}\n'
        'table by_pair by (lead.country, lead.source) {\n ("US", "partner") -> rep d\n'
        ' ("DE", "web") -> team t1\n}\n' + "\n".join(routes) + "\n" + fallback
    )


@st.composite
def rosters(draw: st.DrawFn) -> List[Dict[str, Any]]:
    roster = []
    for rep in REPS:
        if draw(st.integers(0, 19)) == 0:
            continue  # not rostered
        entry: Dict[str, Any] = {"id": rep}
        entry["timezone"] = draw(
            st.sampled_from(["UTC", "UTC", "Pacific/Kiritimati", "Etc/GMT+12"])
        )
        if draw(st.integers(0, 19)) == 0:
            entry["active"] = False
        if draw(st.integers(0, 19)) == 0:
            entry["out_of_office"] = [["2026-11-20", "2026-11-30"]]
        roster.append(entry)
    return roster


values = st.one_of(
    st.none(),
    st.sampled_from(TEXTS),
    st.integers(-10, 600),
    st.sampled_from(TEXTS),
    st.integers(-10, 600),
    st.lists(st.sampled_from(TEXTS), max_size=3),
)
leads = st.dictionaries(st.sampled_from([*FIELDS, "other"]), values, max_size=4)
nows = st.sampled_from(
    [NOW, NOW + dt.timedelta(hours=9), NOW + dt.timedelta(days=8), NOW - dt.timedelta(days=40)]
)


def facts(decision: Decision) -> object:
    return json.loads(json.dumps(decision.to_dict(), default=str))


def reference(router: routekit.Router, lead: Any, now: dt.datetime, snapshot: Any) -> Decision:
    cleaned, notes = router._clean_lead(lead)
    return router._decide_eager(cleaned, now, check_snapshot(snapshot), notes)


FAST_TAKEN: List[bool] = []


@settings(max_examples=120, deadline=None)
@given(rule_files(), rosters(), st.lists(st.tuples(leads, nows), min_size=1, max_size=8))
def test_fast_decisions_equal_the_reference(text: str, roster: list, batch: list) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", routekit.RoutekitWarning)  # unrostered reps: on purpose
        router = routekit.Router(routekit.loads(text, "random.route"), roster=roster)
    state = routekit.MemoryState()
    for lead, now in batch:
        snapshot = state.snapshot()
        fast = (
            router._fast.decide(lead, now, snapshot)
            if router._fast and type(lead) is dict
            else None
        )
        FAST_TAKEN.append(fast is not None)
        decided = router.decide(lead, now=now, snapshot=snapshot)
        expected = reference(router, lead, now, snapshot)
        assert decided == expected
        assert decided.trace == expected.trace  # the replayed trace is the eager one
        assert facts(decided) == facts(expected)
        if fast is not None:
            assert fast == expected and fast.trace == expected.trace
        state.apply(decided.changes)


def test_the_fast_path_takes_most_random_decisions() -> None:
    """Guards the test above: it must exercise the fast path, not only the general one."""
    if len(FAST_TAKEN) < 50:
        pytest.skip("run together with test_fast_decisions_equal_the_reference")
    assert sum(FAST_TAKEN) > len(FAST_TAKEN) / 4


RULES = """
team sdr { members alex, blake, casey }
team ent { members taylor weight 2, jordan
  strategy weighted }
route "spam" when lead.email ends with "@spam.example" { reject "no" }
route "big" when lead.employees >= 1000 { assign team ent set tier = "gold" }
route "eu" when lead.country == "DE" { redirect "https://example.com/eu" }
route "vip" when lead.source == "vip" { assign rep taylor }
fallback { assign team sdr }
"""
ROSTER = [{"id": r} for r in ["alex", "blake", "casey", "taylor", "jordan"]]


def router(**kwargs: Any) -> routekit.Router:
    return routekit.Router(routekit.loads(RULES, "fast.route"), roster=ROSTER, **kwargs)


def test_every_route_of_a_plain_file_has_a_fast_action() -> None:
    fast = router()._fast
    assert fast is not None
    assert all(action is not None for action in fast.actions) and fast.fallback is not None


@pytest.mark.parametrize(
    "lead",
    [
        {"email": "x@spam.example"},
        {"employees": 5000},
        {"country": "DE"},
        {"source": "vip"},
        {"country": "FR"},
    ],
)
def test_each_kind_of_outcome_is_decided_fast_and_exactly(lead: Dict[str, Any]) -> None:
    r = router()
    state = routekit.MemoryState()
    for _ in range(4):  # several rounds: the strategy state moves on
        snapshot = state.snapshot()
        fast = r._fast.decide(lead, NOW, snapshot)  # type: ignore[union-attr]
        assert fast is not None
        expected = reference(r, lead, NOW, snapshot)
        assert fast == expected and fast.trace == expected.trace
        state.apply(fast.changes)


def test_templates_hold_every_field_of_their_class() -> None:
    """The fast path makes decisions and changes by copying these templates: a field added
    to either class must be added to its template too."""
    template = decision_template("assigned", "big", team="ent")
    assert set(template) == {field.name for field in attrs.fields(Decision)}
    changes = change_template("sdr", "round_robin", ("alex", "blake"))
    assert set(changes) == {field.name for field in attrs.fields(TeamChange)}
    with pytest.raises(ValueError):
        decision_template("maybe", "big")


def test_fast_made_objects_equal_the_ordinary_ones() -> None:
    r = router()
    for lead in [{"employees": 5000}, {"email": "x@spam.example"}]:
        fast = r._fast.decide(lead, NOW, check_snapshot(None))  # type: ignore[union-attr]
        assert fast is not None and type(fast) is Decision
        plain = Decision(
            outcome=fast.outcome,
            assignee=fast.assignee,
            route=fast.route,
            team=fast.team,
            message=fast.message,
            url=fast.url,
            attributes=dict(fast.attributes),
            score=fast.score,
            changes=tuple(
                TeamChange(
                    c.team, c.member, c.strategy, dict(c.strategy_state), c.periods, c.members
                )
                for c in fast.changes
            ),
            now=NOW,
        )
        assert fast == plain and repr(fast) == repr(plain)
        assert fast.to_dict()["changes"] == plain.to_dict()["changes"]


def test_a_leaver_in_weighted_credits_goes_to_the_general_path() -> None:
    r = router()
    snapshot = {
        "format": 1,
        "version": 3,
        "teams": {"ent": {"strategies": {"weighted": {"credits": {"gone": "1", "taylor": "-1"}}}}},
    }
    lead = {"employees": 5000}
    assert r._fast.decide(lead, NOW, snapshot) is None  # type: ignore[union-attr]
    decided = r.decide(lead, now=NOW, snapshot=snapshot)
    expected = reference(r, lead, NOW, snapshot)
    assert decided == expected and decided.trace == expected.trace


@pytest.mark.parametrize(
    "teams",
    [
        {"sdr": {"strategies": {"round_robin": {"last": 7}}}},
        {"sdr": {"strategies": {"round_robin": ["alex"]}}},
        {"sdr": {"counts": {"alex": {"day": ["2026-11-23", "3"]}}}},
        {"sdr": {"counts": {"alex": {"day": ("2026-11-23", 3)}}}},
    ],
)
def test_unusual_snapshots_go_to_the_general_path(teams: Dict[str, Any]) -> None:
    r = router()
    snapshot = {"format": 1, "version": 1, "teams": teams}
    lead = {"country": "FR"}
    assert r._fast.decide(lead, NOW, snapshot) is None  # type: ignore[union-attr]
    decided = r.decide(lead, now=NOW, snapshot=snapshot)
    expected = reference(r, lead, NOW, snapshot)
    assert decided == expected and decided.trace == expected.trace


def test_a_host_strategy_under_a_builtin_name_is_never_bypassed() -> None:
    class LastMember:
        name = "round_robin"

        def pick(self, request: PickRequest) -> Pick:
            return Pick(request.eligible[-1].id, {}, "the last one")

    r = router(strategies={"round_robin": LastMember()})
    assert r.decide({"country": "FR"}, now=NOW).assignee == "casey"


def test_a_mutated_change_does_not_leak_into_later_decisions() -> None:
    r = router()
    first = r.decide({"employees": 5000}, now=NOW)
    first.changes[0].strategy_state["credits"]["taylor"] = "99"  # a careless host
    second = r.decide({"employees": 5000}, now=NOW)
    assert second.changes[0].strategy_state == {"credits": {"taylor": "-1/3", "jordan": "1/3"}}


def test_with_roster_rebuilds_the_fast_path() -> None:
    r = router()
    assert r.decide({"source": "vip"}, now=NOW).assignee == "taylor"
    away = r.with_roster([*ROSTER[:3], {"id": "taylor", "active": False}, ROSTER[4]])
    decided = away.decide({"source": "vip"}, now=NOW)
    assert decided.outcome == "unrouted"
    assert "inactive" in decided.explain()


def test_nested_lead_values_are_copied_before_the_trace_is_rebuilt() -> None:
    r = routekit.Router(
        routekit.loads('route "tags" when lead.tags contains "x" { assign rep alex }', "t.route"),
        roster=ROSTER,
    )
    lead = {"tags": ["x"]}
    decided = r.decide(lead, now=NOW)
    lead["tags"].append("later")  # the host reuses its dict
    assert decided.assignee == "alex"
    assert "later" not in decided.explain()


def test_period_keys_follow_now_across_days_and_zones() -> None:
    r = routekit.Router(
        routekit.loads("team t { members a, b }\nfallback { assign team t }", "p.route"),
        roster=[
            {"id": "a", "timezone": "Pacific/Kiritimati"},
            {"id": "b", "timezone": "Pacific/Kiritimati"},
        ],
    )
    late = dt.datetime(2026, 11, 23, 11, tzinfo=dt.timezone.utc)  # 01:00 on the 24th there
    early = dt.datetime(2026, 11, 23, 9, tzinfo=dt.timezone.utc)  # 23:00 on the 23rd
    for now, day in [(early, "2026-11-23"), (late, "2026-11-24"), (early, "2026-11-23")]:
        change = r.decide({}, now=now).changes[0]
        assert dict(change.periods)["day"] == day
        assert change == reference(r, {}, now, None).changes[0]


def test_the_fast_path_is_off_for_plans_with_a_lead_schema() -> None:
    schema = routekit.loads(
        'fields { employees: number }\nroute "r" when lead.employees > 5 { assign rep alex }',
        "s.route",
    )
    assert routekit.Router(schema, roster=ROSTER)._fast is None


def test_indexed_plans_and_tests_needing_the_context_are_decided_fast() -> None:
    many = "\n".join(
        f'route "r{i}" when lead.state == "S{i}" and lead.company.size > 10 {{ assign rep alex }}'
        for i in range(60)
    )
    r = routekit.Router(
        routekit.loads(many + '\nfallback { reject "no" }', "m.route"), roster=ROSTER
    )
    assert r._fast is not None and r._fast.needs_context
    for lead in [{"state": "s59", "company": {"size": 20}}, {"state": "S3"}, {}]:
        fast = r._fast.decide(lead, NOW, check_snapshot(None))
        expected = reference(r, lead, NOW, None)
        if "company" not in lead:
            assert fast is not None
            assert fast == expected and fast.trace == expected.trace
        assert r.decide(lead, now=NOW) == expected
        assert r.match(lead, now=NOW) == expected.route


def test_tests_reading_the_account_go_to_the_general_path() -> None:
    text = 'route "known" when account.tier == "gold" { assign rep alex }\nfallback { reject "x" }'
    r = routekit.Router(
        routekit.loads(text, "a.route"),
        roster=ROSTER,
        accounts={"acme.example": {"tier": "gold", "owner": "alex"}},
    )
    lead = {"email": "kim@acme.example"}
    assert r._fast.decide(lead, NOW, check_snapshot(None)) is None  # type: ignore[union-attr]
    assert r.decide(lead, now=NOW).assignee == "alex"
    assert r.match(lead, now=NOW) == "known"
