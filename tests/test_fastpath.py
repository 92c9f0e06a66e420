"""The fast path (generated matching code, lazy trace) agrees with the reference evaluator.

For random rule files and messy leads, `Router.decide` (fast path, trace rebuilt on
demand) must give exactly the decision and the trace that the reference path builds as it
goes. Hostile field names and strings must never reach the generated code as code.
"""

from __future__ import annotations

import datetime as dt
import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

import routekit
from routekit.state import check_snapshot

NOW = dt.datetime(2026, 11, 23, 17, tzinfo=dt.timezone.utc)
FIELDS = ["state", "employees", "title", "weird name", "__class__"]
TEXTS = ["CA", " ca ", "NY", "", "  ", "5,000", "5000", "true", "It", 'quo"te', "back\\slash"]


def field_ref(name: str) -> str:
    return f"lead.{name}" if name.isidentifier() else 'lead["' + name + '"]'


def quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


numbers = st.sampled_from(["0", "10", "500", "-3", "2.5", "5_000"])
texts = st.sampled_from(TEXTS).filter(lambda t: t.strip() != "")
fields = st.sampled_from(FIELDS)


@st.composite
def leaf_tests(draw: st.DrawFn) -> str:
    field = field_ref(draw(fields))
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return f"{field} {draw(st.sampled_from(['==', '!=']))} {quoted(draw(texts))}"
    if kind == 1:
        return f"{field} {draw(st.sampled_from(['<', '<=', '>', '>=']))} {draw(numbers)}"
    if kind == 2:
        items = ", ".join(quoted(t) for t in draw(st.lists(texts, min_size=1, max_size=3)))
        return f"{field} {draw(st.sampled_from(['in', 'not in']))} [{items}]"
    if kind == 3:
        low, high = sorted([int(draw(st.integers(-5, 600))), int(draw(st.integers(-5, 600)))])
        return f"{field} between {low} and {high}"
    if kind == 4:
        return f"{field} is {draw(st.sampled_from(['missing', 'present']))}"
    if kind == 5:
        return f"{field} {draw(st.sampled_from(['starts', 'ends']))} with {quoted(draw(texts))}"
    if kind == 6:
        return f"{field} contains {quoted(draw(texts))}"
    if kind == 7:
        return f"{field} == {draw(numbers)}"
    if kind == 8:
        return "big"  # a define
    return f"len({field}) >= 2"


@st.composite
def conditions(draw: st.DrawFn, depth: int = 0) -> str:
    if depth >= 2 or draw(st.booleans()):
        return draw(leaf_tests())
    op = draw(st.sampled_from(["and", "or", "not"]))
    if op == "not":
        return f"not ({draw(conditions(depth + 1))})"
    parts = draw(st.lists(conditions(depth + 1), min_size=2, max_size=3))
    return "(" + f" {op} ".join(parts) + ")"


@st.composite
def rule_files(draw: st.DrawFn) -> str:
    routes = [
        f'route "r{i}" when {draw(conditions())} {{ assign team t{i % 2} }}'
        for i in range(draw(st.integers(1, 5)))
    ]
    score = ""
    if draw(st.booleans()):
        score = (
            "score {\n"
            + "\n".join(
                f"  {draw(numbers)} when {draw(conditions())}"
                for _ in range(draw(st.integers(1, 3)))
            )
            + "\n}\n"
        )
        routes.append('route "hot" when score >= 10 { assign rep solo }')
    return (
        "define big = lead.employees >= 500\n"
        "team t0 { members a, b, c }\n"
        "team t1 { members d weight 2, e\n strategy weighted }\n"
        + score
        + "\n".join(routes)
        + "\nfallback { assign team t0 }\n"
    )


values = st.one_of(
    st.none(),
    st.sampled_from(TEXTS),
    st.integers(-10, 6000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.lists(st.sampled_from([*TEXTS, "x"]), max_size=3),
    st.dictionaries(st.sampled_from(["a", "b"]), st.integers(), max_size=2),
)
leads = st.dictionaries(st.sampled_from([*FIELDS, "other"]), values, max_size=6)

ROSTER = [{"id": rep} for rep in ["a", "b", "c", "d", "e", "solo"]]


def decision_facts(decision: routekit.Decision) -> object:
    data = decision.to_dict()
    return json.loads(json.dumps(data, default=str))


@settings(max_examples=150, deadline=None)
@given(rule_files(), st.lists(leads, min_size=1, max_size=4))
def test_fast_path_matches_the_reference_evaluator(text: str, batch: list) -> None:
    router = routekit.Router(routekit.loads(text, "random.route"), roster=ROSTER)
    state = routekit.MemoryState()
    for lead in batch:
        snapshot = state.snapshot()
        fast = router.decide(lead, now=NOW, snapshot=snapshot)
        reference = router._decide_eager(
            router._clean_lead(lead)[0], NOW, check_snapshot(snapshot), router._clean_lead(lead)[1]
        )
        assert fast == reference
        assert fast.trace == reference.trace  # the replayed trace is the eager one
        assert decision_facts(fast) == decision_facts(reference)
        assert router.match(lead, now=NOW) == (fast.route if fast.route else None)
        state.apply(fast.changes)


def test_hostile_names_and_strings_never_become_code() -> None:
    hostile = [
        '"); import os; os.system("echo pwned',
        "__import__('os')",
        "\\n\\nraise SystemExit",
        "{}}}",
        "' + '",
    ]
    routes = []
    for i, h in enumerate(hostile):
        literal = quoted(h)
        routes.append(f'route "r{i}" when lead[{literal}] == {literal} {{ assign team t }}')
    rules = "team t { members a }\n" + "\n".join(routes)
    plan = routekit.loads(rules, "hostile.route")
    for h in hostile:
        assert h not in plan.fast_source
    router = routekit.Router(plan, roster=[{"id": "a"}])
    for i, h in enumerate(hostile):
        decision = router.decide({h: h}, now=NOW)
        assert decision.route == f"r{i}"


def test_nan_and_infinity_take_the_reference_semantics() -> None:
    plan = routekit.loads(
        'team t { members a }\nroute "big" when lead.n >= 10 { assign team t }\n'
        'route "neg" when lead.n < 0 { assign team t }'
    )
    router = routekit.Router(plan, roster=[{"id": "a"}])
    assert router.decide({"n": math.nan}, now=NOW).route is None
    assert router.decide({"n": math.inf}, now=NOW).route == "big"
    assert router.decide({"n": -math.inf}, now=NOW).route == "neg"
    assert router.decide({"n": True}, now=NOW).route is None
    assert router.decide({"n": " 5,000 "}, now=NOW).route == "big"


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["US", "CA", "DE"]),
            st.sampled_from(["CA", "NY", "TX", "ON"]),
            st.sampled_from(["Tech", "Retail"]),
            st.integers(0, 3),
        ),
        min_size=1,
        max_size=4,
    ),
    st.lists(leads, min_size=1, max_size=6),
    st.data(),
)
def test_indexed_matching_finds_the_same_first_route(
    rows: list, batch: list, data: st.DataObject
) -> None:
    """With many routes the matcher indexes them; the first true route must not change."""
    extra = []
    for i, (country, state, industry, shape) in enumerate((rows * 60)[:60]):
        if shape == 0:
            cond = f'lead.state == "{country}" and lead.title == "{state}"'
        elif shape == 1:
            cond = f'lead.state in ["{country}", "{state}"] and lead.employees >= {i}'
        elif shape == 2:
            cond = f'lead.title == "{industry}" or lead.state == "{state}"'
        else:
            cond = f'not (lead.state == "{country}") and lead.title in ["{industry}", "It"]'
        extra.append(f'route "x{i}" when {cond} {{ assign team t0 }}')
    text = "team t0 { members a }\n" + "\n".join(extra)
    plan = routekit.loads(text, "many.route")
    assert len(plan.routes) > 48  # the indexed matcher is in use
    router = routekit.Router(plan, roster=[{"id": "a"}])
    for lead in batch:
        fast = router.decide(lead, now=NOW)
        reference = router._decide_eager(router._clean_lead(lead)[0], NOW, check_snapshot(None))
        assert fast.route == reference.route
