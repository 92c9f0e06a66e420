"""A compiled plan keeps only what deciding needs (issue 7, memory).

Big files drop their syntax tree after compiling and parse it again when a tool asks;
compiled tests share their getters and no longer point at the AST; nodes pickle as data.
"""

from __future__ import annotations

import datetime as dt
import pickle

import routekit
from routekit import conditions as c
from routekit._builder import parse
from routekit.plan import KEEP_SYNTAX_TREE_BELOW

NOW = dt.datetime(2026, 11, 23, 17, tzinfo=dt.timezone.utc)


def territory(count: int) -> str:
    lines = ["team sdr { members alex, blake }"]
    for n in range(count):
        lines.append(
            f'route "t{n}" when lead.country == "US" and lead.state == "S{n}" '
            f'and lead.industry == "Tech" {{ assign rep alex }}'
        )
    lines.append("fallback { assign team sdr }")
    return "\n".join(lines)


def test_a_big_plan_parses_its_tree_again_on_demand() -> None:
    text = territory(3000)
    assert len(text) > KEEP_SYNTAX_TREE_BELOW
    plan = routekit.loads(text, "big.route")
    assert plan._rules is None  # dropped after compiling
    tree = plan.rules  # parsed again, once
    assert plan.rules is tree
    assert tree == parse(text, "big.route")
    assert len(tree.statements) == 3002
    router = routekit.Router(plan, roster=[{"id": "alex"}, {"id": "blake"}])
    assert (
        router.decide({"country": "us", "state": "s2999", "industry": "tech"}, now=NOW).route
        == "t2999"
    )


def test_a_small_plan_keeps_its_tree() -> None:
    plan = routekit.loads(territory(3), "small.route")
    assert plan._rules is not None


def test_compiled_tests_share_getters_and_forget_the_ast() -> None:
    plan = routekit.loads(territory(60), "many.route")
    countries = [r.condition.items[0] for r in plan.routes]  # type: ignore[union-attr]
    assert all(isinstance(t, c.CompareTest) for t in countries)
    assert len({id(t.left) for t in countries}) == 1  # one getter for lead.country
    assert len({id(t.right) for t in countries}) == 1  # one for the literal "US"
    assert all(t.origin is None for t in countries)


def test_distinct_literals_that_compare_equal_keep_their_own_getters() -> None:
    a, b = c.constant_getter(1), c.constant_getter(True)
    assert type(a(None)) is int and b(None) is True  # type: ignore[arg-type]


def test_compiled_conditions_pickle_as_data() -> None:
    plan = routekit.loads(
        'route "r" when lead.email ends with "@x.example" and len(lead.name) > 2 '
        'and lead.tier in ["a", "b"] { assign rep alex }',
        "p.route",
    )
    condition = plan.routes[0].condition
    again = pickle.loads(pickle.dumps(condition))
    assert again.text == condition.text  # type: ignore[union-attr]
