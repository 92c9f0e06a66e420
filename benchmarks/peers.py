"""The 24-route rule set (rules24.py) in peer rule engines, checked against the hand-written twin.

    pip install -e ".[bench]"          # the engines below; any that is missing is skipped
    python benchmarks/run.py --peers   # just this table

Every engine gets the same 24 routes, built from one declarative list (``ROUTES``): first match
wins, and a test of a missing field is false (``is missing`` aside), exactly as ``hand_written``
does. Each engine's answer is compared with ``hand_written`` before it is timed; a single
difference aborts the run. Engines that are slow are timed on a prefix of the leads, sized so
each run takes a fraction of a second; the table says how many leads each was timed on.

What each engine is given, and why it is fair:

- ``zen-engine`` (GoRules, Rust): one JDM graph, input -> decision table (hit policy "first",
  one row per route, one column per field) -> output; created once with ``create_decision`` and
  evaluated per lead with ``ZenDecision.evaluate(lead)``. Cells guard numeric tests with
  ``$ != null`` because comparing null raises in zen. In zen-engine 2.1 each synchronous
  ``evaluate`` starts two threads (strace: two ``clone3`` per call), which dominates its time
  and makes it sensitive to a busy machine; so the same cells are also timed as one ZEN
  expression (a ``?:`` chain) from ``compile_expression``, zen's fastest path, in-process.
- JsonLogic (``panzi-json-logic``; the format cal.com's routing forms store): one ``if`` chain,
  ``jsonLogic(rule, lead)``. Numeric tests are guarded with ``!== null`` (JavaScript semantics
  make ``null < 5`` true); ``ends with`` is ``substr(email, -15) == "@mailinator.com"``.
- ``durable-rules`` (Rete in C): one ruleset, one rule per route with ``pri`` in route order, so
  the highest-priority matching rule consumes the posted event (first match wins); the fallback
  is taken when durable reports the event not handled. Each lead is one ``post`` (it is event based: JSON in, callback
  out).
- ``business-rules`` (venmo): one rule per route, ``run_all(..., stop_on_first_trigger=True)``,
  a ``BaseVariables`` object per lead; numeric fields have a ``has_<field>`` boolean tested
  first, since ``NumericType`` refuses None; ``in`` is an ``any`` of ``equal_to``.
- ``rule-engine`` (zerosteiner): one ``Rule`` whose expression is a ``?:`` chain returning the
  route name, ``Context(default_value=None)`` so missing keys read as null, numeric tests
  guarded with ``!= null``; ``rule.evaluate(lead)``.
- ``cel-python``: one CEL expression, a ``?:`` chain with ``has(lead.f)`` guards, compiled once
  and run with ``InterpretedRunner``; the lead is converted with ``celpy.json_to_cel`` per call
  (that is part of using it). ``CompiledRunner`` in cel-python 0.5 gives wrong answers here
  (``&&`` does not short-circuit, so a guarded missing field raises).
- Python itself: the routes compiled to Python source (one generated function, ``==``/``in``
  on the raw values, ``is not None`` before ordering tests), and as nested closures (one closure
  per test, one per route, a loop over routes): what a code generator and a plain interpreter
  written in Python can reach.
"""

from __future__ import annotations

import gc
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from rules24 import APAC, EMEA, NORTHEAST, SOUTH, WEST, hand_written

Lead = Dict[str, Any]
Test = Tuple[str, str, Any]  # (field, op, argument); op: == in < >= between endswith missing
RouteFn = Callable[[Lead], Optional[str]]

US = ("country", "==", "US")
BIG = ("employees", ">=", 1000)
MID = ("employees", ">=", 200)

#: The 24 routes of rules24.RULES, in order; "fallback" when none matches.
ROUTES: List[Tuple[str, List[Test]]] = [
    ("spam", [("email", "endswith", "@mailinator.com")]),
    ("students", [("title", "==", "Student")]),
    ("tiny", [("employees", "<", 5)]),
    ("partners", [("source", "==", "partner"), US]),
    ("west-ent", [US, ("state", "in", WEST), BIG]),
    ("ne-ent", [US, ("state", "in", NORTHEAST), BIG]),
    ("south-ent", [US, ("state", "in", SOUTH), BIG]),
    ("emea-ent", [("country", "in", EMEA), BIG]),
    ("apac-ent", [("country", "in", APAC), BIG]),
    ("health", [("industry", "==", "Healthcare"), MID]),
    ("finance", [("industry", "==", "Finance"), MID]),
    ("gov", [("industry", "==", "Government")]),
    ("edu", [("industry", "==", "Education"), ("employees", "<", 100)]),
    ("crm-mid", [("product", "==", "CRM"), ("employees", "between", (200, 999))]),
    ("erp-mid", [("product", "==", "ERP"), ("employees", "between", (200, 999))]),
    ("analytics", [("product", "==", "Analytics"), ("rating", ">=", 80)]),
    ("hot", [("rating", ">=", 90)]),
    ("warm", [("rating", "between", (60, 89)), ("employees", ">=", 50)]),
    ("no-phone", [("phone", "missing", None), ("employees", "<", 50)]),
    ("west-smb", [US, ("state", "in", WEST)]),
    ("ne-smb", [US, ("state", "in", NORTHEAST)]),
    ("emea-smb", [("country", "in", EMEA)]),
    ("referral", [("source", "==", "referral")]),
    ("webinar", [("source", "==", "webinar"), ("employees", "<", 200)]),
]
FALLBACK = "fallback"
NUMERIC = {"employees", "rating"}
FIELDS = sorted({field for _, tests in ROUTES for field, _, _ in tests})


def _q(text: str) -> str:
    """A double-quoted string literal (the rule values need no escaping; checked)."""
    assert '"' not in text and "\\" not in text, text
    return f'"{text}"'


# -- Python itself ---------------------------------------------------------------------------


def build_python_source() -> RouteFn:
    """One generated function: every field read once, then an ``if`` per route."""
    consts: Dict[str, Any] = {}
    lines = ["def route(lead):", "    get = lead.get"]
    lines += [f"    f_{field} = get({_q(field)})" for field in FIELDS]
    for name, tests in ROUTES:
        parts = []
        for field, op, arg in tests:
            var = f"f_{field}"
            if op == "==":
                parts.append(f"{var} == {arg!r}")
            elif op == "in":
                const = f"_S{len(consts)}"
                consts[const] = frozenset(arg)
                parts.append(f"{var} in {const}")
            elif op in ("<", ">="):
                parts.append(f"{var} is not None and {var} {op} {arg!r}")
            elif op == "between":
                parts.append(f"{var} is not None and {arg[0]!r} <= {var} <= {arg[1]!r}")
            elif op == "endswith":
                parts.append(f"{var} is not None and {var}.endswith({arg!r})")
            elif op == "missing":
                parts.append(f"{var} is None")
            else:
                raise ValueError(op)
        lines.append(f"    if {' and '.join(parts)}:")
        lines.append(f"        return {name!r}")
    lines.append(f"    return {FALLBACK!r}")
    namespace = dict(consts)
    exec(compile("\n".join(lines), "<routes24-generated>", "exec"), namespace)
    return namespace["route"]  # type: ignore[no-any-return]


def _closure_test(field: str, op: str, arg: Any) -> Callable[[Lead], bool]:
    if op == "==":
        return lambda lead: lead.get(field) == arg
    if op == "in":
        values = frozenset(arg)
        return lambda lead: lead.get(field) in values
    if op == "<":
        return lambda lead: (v := lead.get(field)) is not None and v < arg
    if op == ">=":
        return lambda lead: (v := lead.get(field)) is not None and v >= arg
    if op == "between":
        low, high = arg
        return lambda lead: (v := lead.get(field)) is not None and low <= v <= high
    if op == "endswith":
        return lambda lead: (v := lead.get(field)) is not None and v.endswith(arg)
    if op == "missing":
        return lambda lead: lead.get(field) is None
    raise ValueError(op)


def _closure_all(tests: List[Callable[[Lead], bool]]) -> Callable[[Lead], bool]:
    def check(lead: Lead) -> bool:
        for test in tests:  # noqa: SIM110 - a plain loop is faster than all(<genexpr>)
            if not test(lead):
                return False
        return True

    return check


def build_python_closures() -> RouteFn:
    """A closure per test, a closure per route, a loop over the routes."""
    rules = [
        (name, _closure_all([_closure_test(*test) for test in tests])) for name, tests in ROUTES
    ]

    def route(lead: Lead) -> str:
        for name, check in rules:
            if check(lead):
                return name
        return FALLBACK

    return route


# -- zen-engine --------------------------------------------------------------------------------


def _zen_cell(op: str, arg: Any) -> str:
    if op == "==":
        return _q(arg)
    if op == "in":
        return ", ".join(_q(v) for v in arg)
    if op in ("<", ">="):
        return f"$ != null and $ {op} {arg}"
    if op == "between":
        return f"$ != null and $ >= {arg[0]} and $ <= {arg[1]}"
    if op == "endswith":
        return f"$ != null and endsWith($, {_q(arg)})"
    if op == "missing":
        return "$ == null"
    raise ValueError(op)


def zen_jdm() -> Dict[str, Any]:
    """The routes as a GoRules JDM graph: input -> first-hit decision table -> output."""
    inputs = [{"id": f"in_{f}", "name": f, "field": f} for f in FIELDS]
    rows = []
    for number, (name, tests) in enumerate(ROUTES):
        row: Dict[str, str] = {"_id": f"r{number}", "out_route": _q(name)}
        row.update({f"in_{f}": "" for f in FIELDS})
        for field, op, arg in tests:
            assert not row[f"in_{field}"], (name, field)  # one test per field and route
            row[f"in_{field}"] = _zen_cell(op, arg)
        rows.append(row)
    table = {
        "hitPolicy": "first",
        "inputs": inputs,
        "outputs": [{"id": "out_route", "name": "route", "field": "route"}],
        "rules": rows,
        "passThrough": False,
        "inputField": None,
        "outputPath": None,
        "executionMode": "single",
    }
    position = {"x": 0, "y": 0}
    return {
        "nodes": [
            {"id": "input", "type": "inputNode", "name": "lead", "position": position},
            {
                "id": "table",
                "type": "decisionTableNode",
                "name": "routes24",
                "position": position,
                "content": table,
            },
            {"id": "output", "type": "outputNode", "name": "decision", "position": position},
        ],
        "edges": [
            {"id": "e1", "sourceId": "input", "targetId": "table", "type": "edge"},
            {"id": "e2", "sourceId": "table", "targetId": "output", "type": "edge"},
        ],
    }


def build_zen() -> RouteFn:
    import json

    import zen

    decision = zen.ZenEngine().create_decision(json.dumps(zen_jdm()))
    evaluate = decision.evaluate

    def route(lead: Lead) -> str:
        return evaluate(lead)["result"].get("route") or FALLBACK

    return route


def zen_expression() -> str:
    """The routes as one ZEN expression, a ``?:`` chain (the table's cells with ``$`` named)."""
    text = _q(FALLBACK)
    for name, tests in reversed(ROUTES):
        parts = []
        for field, op, arg in tests:
            if op == "==":
                parts.append(f"{field} == {_q(arg)}")
            elif op == "in":
                parts.append(f"{field} in [{_zen_cell(op, arg)}]")
            else:
                parts.append(f"({_zen_cell(op, arg).replace('$', field)})")
        text = f"({' and '.join(parts)}) ? {_q(name)} : ({text})"
    return text


def build_zen_expression() -> RouteFn:
    import zen

    return zen.compile_expression(zen_expression()).evaluate  # type: ignore[no-any-return]


# -- JsonLogic ---------------------------------------------------------------------------------


def _jl_test(field: str, op: str, arg: Any) -> List[Dict[str, Any]]:
    var = {"var": field}
    present = {"!==": [var, None]}
    if op == "==":
        return [{"===": [var, arg]}]
    if op == "in":
        return [{"in": [var, list(arg)]}]
    if op in ("<", ">="):
        return [present, {op: [var, arg]}]
    if op == "between":
        return [present, {"<=": [arg[0], var, arg[1]]}]
    if op == "endswith":
        return [present, {"===": [{"substr": [var, -len(arg)]}, arg]}]
    if op == "missing":
        return [{"===": [var, None]}]
    raise ValueError(op)


def jsonlogic_rule() -> Dict[str, Any]:
    """The routes as one JsonLogic ``if`` chain that returns the route name."""
    chain: List[Any] = []
    for name, tests in ROUTES:
        chain += [{"and": [part for test in tests for part in _jl_test(*test)]}, name]
    chain.append(FALLBACK)
    return {"if": chain}


def _jsonlogic_dist() -> str:
    """Which distribution provides ``json_logic`` (both candidates install that package)."""
    try:
        from importlib.metadata import distribution
    except ImportError:  # pragma: no cover - Python < 3.8
        return "json_logic"
    for dist in ("panzi-json-logic", "json-logic-qubit"):
        try:
            distribution(dist)
            return dist
        except Exception:
            continue
    return "panzi-json-logic"  # the one the bench extra installs


def build_jsonlogic() -> RouteFn:
    from json_logic import jsonLogic

    rule = jsonlogic_rule()
    return lambda lead: jsonLogic(rule, lead)


# -- durable-rules -----------------------------------------------------------------------------


def build_durable() -> RouteFn:
    from durable import lang
    from durable.engine import MessageNotHandledException
    from durable.lang import m, pri, ruleset, when_all

    fired: List[str] = []

    def condition(field: str, op: str, arg: Any) -> Any:
        value = getattr(m, field)
        if op == "==":
            return value == arg
        if op == "in":
            expr = value == arg[0]
            for item in arg[1:]:
                expr = expr | (value == item)
            return expr
        if op == "<":
            return value < arg
        if op == ">=":
            return value >= arg
        if op == "between":
            return (value >= arg[0]) & (value <= arg[1])
        if op == "endswith":  # durable's own regex dialect: a full match, [.] for a dot
            return value.matches(".*" + arg.replace(".", "[.]"))
        if op == "missing":
            return -value
        raise ValueError(op)

    def action(name: str) -> Callable[[Any], None]:
        return lambda c: fired.append(name)

    with ruleset("routes24"):
        for priority, (name, tests) in enumerate(ROUTES, 1):
            expr = condition(*tests[0])
            for test in tests[1:]:
                expr = expr & condition(*test)
            when_all(pri(priority), expr)(action(name))
    post = lang.get_host().post

    def route(lead: Lead) -> str:
        try:
            post("routes24", lead)
        except MessageNotHandledException:  # no rule matched: the event is not kept
            return FALLBACK
        return fired.pop()

    return route


# -- business-rules ----------------------------------------------------------------------------


def build_business_rules() -> RouteFn:
    from business_rules import run_all
    from business_rules.actions import BaseActions, rule_action
    from business_rules.fields import FIELD_TEXT
    from business_rules.variables import (
        BaseVariables,
        boolean_rule_variable,
        numeric_rule_variable,
        string_rule_variable,
    )

    def make_var(field: str) -> Any:
        if field in NUMERIC:
            return numeric_rule_variable(lambda self: self.lead.get(field, 0))
        return string_rule_variable(lambda self: self.lead.get(field))

    def make_has(field: str) -> Any:
        return boolean_rule_variable(lambda self: self.lead.get(field) is not None)

    namespace: Dict[str, Any] = {"__init__": lambda self, lead: setattr(self, "lead", lead)}
    for field in FIELDS:
        namespace[field] = make_var(field)
        namespace[f"has_{field}"] = make_has(field)
    LeadVariables = type("LeadVariables", (BaseVariables,), namespace)

    class RouteActions(BaseActions):
        def __init__(self) -> None:
            self.route: Optional[str] = None

        @rule_action(params={"name": FIELD_TEXT})
        def set_route(self, name: str) -> None:
            self.route = name

    ops = {"==": "equal_to", "<": "less_than", ">=": "greater_than_or_equal_to"}

    def conditions(field: str, op: str, arg: Any) -> List[Dict[str, Any]]:
        has = {"name": f"has_{field}", "operator": "is_true", "value": True}
        if op == "==":
            return [{"name": field, "operator": "equal_to", "value": arg}]
        if op == "in":
            return [{"any": [{"name": field, "operator": "equal_to", "value": v} for v in arg]}]
        if op in ("<", ">="):
            return [has, {"name": field, "operator": ops[op], "value": arg}]
        if op == "between":
            return [
                has,
                {"name": field, "operator": "greater_than_or_equal_to", "value": arg[0]},
                {"name": field, "operator": "less_than_or_equal_to", "value": arg[1]},
            ]
        if op == "endswith":
            return [{"name": field, "operator": "ends_with", "value": arg}]
        if op == "missing":
            return [{"name": f"has_{field}", "operator": "is_false", "value": True}]
        raise ValueError(op)

    rules = [
        {
            "conditions": {"all": [c for test in tests for c in conditions(*test)]},
            "actions": [{"name": "set_route", "params": {"name": name}}],
        }
        for name, tests in ROUTES
    ]

    def route(lead: Lead) -> str:
        actions = RouteActions()
        run_all(rules, LeadVariables(lead), actions, stop_on_first_trigger=True)
        return actions.route or FALLBACK

    return route


# -- rule-engine -------------------------------------------------------------------------------


def _re_test(field: str, op: str, arg: Any) -> str:
    if op == "==":
        return f"{field} == {_q(arg)}"
    if op == "in":
        return f"{field} in [{', '.join(_q(v) for v in arg)}]"
    if op in ("<", ">="):
        return f"{field} != null and {field} {op} {arg}"
    if op == "between":
        return f"{field} != null and {field} >= {arg[0]} and {field} <= {arg[1]}"
    if op == "endswith":
        return f"{field} != null and {field}.ends_with({_q(arg)})"
    if op == "missing":
        return f"{field} == null"
    raise ValueError(op)


def rule_engine_text() -> str:
    """The routes as one rule-engine ``?:`` chain that returns the route name."""
    text = _q(FALLBACK)
    for name, tests in reversed(ROUTES):
        cond = " and ".join(f"({_re_test(*test)})" for test in tests)
        text = f"({cond}) ? {_q(name)} : ({text})"
    return text


def build_rule_engine() -> RouteFn:
    import rule_engine

    rule = rule_engine.Rule(rule_engine_text(), context=rule_engine.Context(default_value=None))
    return rule.evaluate  # type: ignore[no-any-return]


# -- cel-python --------------------------------------------------------------------------------


def _cel_test(field: str, op: str, arg: Any) -> str:
    var, has = f"lead.{field}", f"has(lead.{field})"
    if op == "==":
        return f"{has} && {var} == {_q(arg)}"
    if op == "in":
        return f"{has} && {var} in [{', '.join(_q(v) for v in arg)}]"
    if op in ("<", ">="):
        return f"{has} && {var} {op} {arg}"
    if op == "between":
        return f"{has} && {var} >= {arg[0]} && {var} <= {arg[1]}"
    if op == "endswith":
        return f"{has} && {var}.endsWith({_q(arg)})"
    if op == "missing":
        return f"!{has}"
    raise ValueError(op)


def cel_text() -> str:
    """The routes as one CEL ``?:`` chain that returns the route name."""
    text = _q(FALLBACK)
    for name, tests in reversed(ROUTES):
        cond = " && ".join(f"({_cel_test(*test)})" for test in tests)
        text = f"({cond}) ? {_q(name)} : ({text})"
    return text


def build_cel() -> RouteFn:
    import celpy

    env = celpy.Environment(runner_class=celpy.InterpretedRunner)
    program = env.program(env.compile(cel_text()))
    json_to_cel = celpy.json_to_cel

    def route(lead: Lead) -> str:
        return str(program.evaluate({"lead": json_to_cel(lead)}))

    return route


# -- the comparison ----------------------------------------------------------------------------

#: (row label, PyPI distribution or "" for plain Python, builder)
ENGINES: List[Tuple[str, str, Callable[[], RouteFn]]] = [
    ("Python: rules compiled to one Python function", "", build_python_source),
    ("Python: rules as nested closures", "", build_python_closures),
    ("zen-engine (GoRules) decision table, `ZenDecision.evaluate`", "zen-engine", build_zen),
    (
        "zen-engine one expression, `compile_expression().evaluate`",
        "zen-engine",
        build_zen_expression,
    ),
    ("JsonLogic `if` chain, `jsonLogic(rule, lead)`", "json_logic", build_jsonlogic),
    ("durable-rules ruleset, `post` per lead", "durable-rules", build_durable),
    ("business-rules `run_all(stop_on_first_trigger)`", "business-rules", build_business_rules),
    ("rule-engine (zerosteiner) `Rule.evaluate`", "rule-engine", build_rule_engine),
    ("cel-python `InterpretedRunner`", "cel-python", build_cel),
]

#: How long one timed run of one engine may take; slower engines get a prefix of the leads.
RUN_BUDGET_S = 0.25
#: Every lead is checked unless that would take longer than this; then the timed prefix is.
VERIFY_BUDGET_S = 8.0
#: The fewest leads an engine is timed on, however slow.
MIN_LEADS = 200

HEADER = [
    "engine",
    "leads timed / checked",
    "µs per lead",
    "vs hand-written",
    "routekit decide is N× faster",
]


def _version(dist: str) -> str:
    try:
        from importlib.metadata import version

        return f" {version(dist)}"
    except Exception:
        return ""


def _faster(ratio: float) -> str:
    if ratio >= 1:
        return f"{ratio:.1f}×"
    return f"{ratio:.2f}× (routekit {1 / ratio:.1f}× slower)"


def verify(name: str, route: Callable[[Lead], Any], leads: Sequence[Lead]) -> None:
    """Abort loudly unless ``route`` agrees with ``hand_written`` on every lead."""
    for number, lead in enumerate(leads):
        got, expected = route(lead), hand_written(lead)
        if got != expected:
            raise SystemExit(
                f"\nPEERS MISMATCH: {name} routed lead #{number} to {got!r}, "
                f"hand_written says {expected!r}\nlead = {lead!r}"
            )


def bench_peers(
    leads: Sequence[Lead],
    runs: int,
    router: Any,
    now: Any,
    best_of: Callable[[int, Dict[str, Callable[[], None]], int], Dict[str, float]],
) -> List[Tuple[str, ...]]:
    """Rows of the peers table (see ``HEADER``); engines that do not import are skipped with a
    printed line. Each engine is timed interleaved with hand_written and routekit's
    ``Router.decide`` on the same leads, so its two ratios come from one run."""
    decide = router.decide
    verify("routekit", lambda lead: decide(lead, now=now).route or FALLBACK, leads)

    def contenders(route: Callable[[Lead], Any], subset: Sequence[Lead]) -> Dict[str, Any]:
        def hand() -> None:
            for lead in subset:
                hand_written(lead)

        def routekit() -> None:
            for lead in subset:
                decide(lead, now=now)

        def engine() -> None:
            for lead in subset:
                route(lead)

        return {"hand": hand, "decide": routekit, "engine": engine}

    every = len(leads)
    ref = contenders(hand_written, leads)
    del ref["engine"]
    base = best_of(runs, ref, every)
    rows: List[Tuple[str, ...]] = [
        ("hand-written Python if/elif", f"{every:,}", f"{base['hand']:.2f}", "1×", ""),
        (
            "routekit `Router.decide` (match + team pick + decision)",
            f"{every:,}",
            f"{base['decide']:.2f}",
            f"{base['decide'] / base['hand']:.1f}×",
            "",
        ),
    ]
    for label, dist, build in ENGINES:
        if dist == "json_logic":
            dist = _jsonlogic_dist()
            label = label.replace("JsonLogic", f"JsonLogic ({dist})")
        try:
            route = build()
        except ImportError as error:
            print(f"peers: skipped {label}: {dist} is not installed ({error})")
            continue
        except Exception as error:
            print(
                f"peers: skipped {label}: building the rules failed: {type(error).__name__}: {error}"
            )
            continue
        verify(label, route, leads[:50])  # also warms the engine up
        probe = leads[50:MIN_LEADS]
        start = time.perf_counter()
        verify(label, route, probe)
        per_lead = (time.perf_counter() - start) / max(1, len(probe))
        count = min(every, max(MIN_LEADS, int(RUN_BUDGET_S / per_lead)))
        subset = leads[:count]
        checked = every if per_lead * every <= VERIFY_BUDGET_S else count
        verify(label, route, leads[:checked])
        gc.collect()
        times = best_of(runs, contenders(route, subset), count)
        engine, hand, routekit = times["engine"], times["hand"], times["decide"]
        rows.append(
            (
                label + (_version(dist) if dist else ""),
                f"{count:,} / {checked:,}",
                f"{engine:.2f}",
                f"{engine / hand:.1f}×",
                _faster(engine / routekit),
            )
        )
    return rows


def main() -> None:
    import argparse
    import os
    import sys

    here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(here, "..", "src"))
    from rules24 import RULES, generate_leads
    from run import NOW, ROSTER, best_of, table

    import routekit

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    count, runs = (5_000, 3) if args.quick else (20_000, 5)
    router = routekit.Router(routekit.loads(RULES, "bench24.route"), roster=ROSTER)
    rows = bench_peers(generate_leads(count), runs, router, NOW, best_of)
    table(f"Peers: the 24-route rule set in other engines, best of {runs}", HEADER, rows)


if __name__ == "__main__":
    main()
