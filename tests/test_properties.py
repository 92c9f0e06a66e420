"""Properties of the core language, checked with hypothesis.

- Loading never fails with anything but `RouteSyntaxError` / `RouteError`, whatever the
  text, and every error points inside the text.
- Three-valued logic obeys Kleene's laws (De Morgan, double negation, excluded middle is
  never false), and a compound condition is the Kleene combination of its parts.
- Decisions are deterministic, `decide` never mutates its snapshot or the lead, and messy
  JSON-like leads never raise.

The hypothesis profile (examples per test, no deadline) is set in conftest.py.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import warnings
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from hypothesis import given, settings
from hypothesis import strategies as st

import routekit

CONFORMANCE = Path(__file__).resolve().parent / "conformance"
SPEC_TEXT = (CONFORMANCE / "spec_example.route").read_text(encoding="utf-8")
NOW = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.timezone.utc)
SPEC_ROSTER = [
    {"id": rep} for rep in ("taylor", "jordan", "sam", "alex", "blake", "casey", "riley", "quinn")
]
ACCOUNTS = {
    "acme.com": {"owner": "taylor", "stage": "customer"},
    "ghost.example": {"owner": "ghost"},
}

SPEC_PLAN = routekit.loads(SPEC_TEXT, name="inbound.route")
SPEC_ROUTER = routekit.Router(SPEC_PLAN, roster=SPEC_ROSTER, accounts=ACCOUNTS)

# ---- loading arbitrary text ----------------------------------------------------------------

KEYWORDS = [
    "define",
    "fields",
    "score",
    "team",
    "table",
    "route",
    "fallback",
    "expect",
    "when",
    "and",
    "or",
    "not",
    "in",
    "contains",
    "any",
    "all",
    "starts",
    "ends",
    "with",
    "matches",
    "between",
    "is",
    "missing",
    "present",
    "members",
    "weight",
    "tier",
    "strategy",
    "cap",
    "per",
    "require",
    "max_ahead",
    "catch_up",
    "using",
    "assign",
    "else",
    "reject",
    "redirect",
    "set",
    "rep",
    "lookup",
    "by",
    "from",
    "host",
    "lead",
    "account",
    "true",
    "false",
    "required",
    "available",
    "under_capacity",
    "skill",
    "day",
    "week",
    "month",
    "round_robin",
    "weighted",
    "balanced",
    "priority",
    "quota",
    "lower",
    "upper",
    "len",
    "domain",
    "free_email",
    "days_since",
]
PUNCTUATION = [
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ".",
    "=",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "->",
    ":",
    "-",
    "#",
    "\n",
    '"',
    "\\",
    "'",
    "&&",
]
LITERALS = [
    '"CA"',
    '"a b"',
    '"\\d+"',
    '"(a+)+"',
    '"\\u00e9"',
    '"\\q"',
    '""',
    "42",
    "-3",
    "2.5",
    "50_000",
    "0",
    "2026-12-24",
    "2026-02-30",
    "2026-12-24T09:00:00Z",
    "2026-12-24T09:00:00+02:00",
    "1e3",
    "x",
    "sdr",
    "alex",
    "territory",
    "big",
    "r",
]
TOKENS = KEYWORDS + PUNCTUATION + LITERALS

token_text = st.lists(st.sampled_from(TOKENS), max_size=40).flatmap(
    lambda tokens: st.lists(
        st.sampled_from([" ", "\n", "", "  ", "\t"]), min_size=len(tokens), max_size=len(tokens)
    ).map(lambda seps: "".join(t + s for t, s in zip(tokens, seps)))
)

#: Small well-formed pieces, so a good share of the generated files get past the parser and
#: exercise name resolution and type checks.
_ATOMS = [
    "lead.a == 1",
    'lead.b contains "x"',
    "lead.c is missing",
    "big",
    "score > 1",
    'lead.a < "x"',
    'lead.b matches "(a+)+"',
    'lead.b matches "[a-z]+"',
    "nope",
    'lower(lead.b) == "x"',
    "f(lead.a)",
    "lead.a in [1, 2]",
    "account is present",
    "lead.a between 1 and 2",
    "lead.a",
    'account.owner == "x"',
]
_STATEMENTS = [
    "define big = {c}",
    "define loop = loop or {c}",
    "team sdr {{ members alex, blake }}",
    "team west {{ members taylor weight 0 strategy nope }}",
    "score {{ 10 when {c} }}",
    'table t by lead.state {{ "CA" -> team sdr  "ca" -> rep alex  else -> team west }}',
    'route "r" when {c} {{ assign team sdr else lookup t }}',
    'route "r" {{ reject "no" }}',
    'route "s" when {c} {{ assign lookup missing set x = 1 }}',
    "fallback {{ assign team sdrr }}",
    'route "fallback" {{ redirect "u" }}',
    'route "q" when {c} {{ assign rep alex reject "x" }}',
]
statement_text = st.lists(
    st.tuples(
        st.sampled_from(_STATEMENTS),
        st.lists(st.sampled_from(_ATOMS), min_size=1, max_size=3),
        st.sampled_from([" and ", " or ", " and not "]),
    ).map(lambda t: t[0].format(c=t[2].join(t[1]))),
    max_size=8,
).map("\n".join)

any_text = st.one_of(st.text(max_size=300), token_text, statement_text)


def _check_positions(error: routekit.RoutekitError, text: str) -> None:
    lines = text.split("\n")
    assert error.diagnostics, "an error carries at least one diagnostic"
    for diagnostic in error.diagnostics:
        span = diagnostic.span
        assert 1 <= span.line <= len(lines), (span, len(lines))
        assert 1 <= span.column <= len(lines[span.line - 1].rstrip("\r")) + 1, (
            span,
            lines[span.line - 1],
        )
        assert 0 <= span.start <= span.end <= len(text)
        rendered = str(error)
        assert f"test.route:{span.line}:{span.column}: " in rendered


@given(any_text)
def test_loads_raises_only_route_errors(text: str) -> None:
    try:
        plan = routekit.loads(text, name="test.route")
    except (routekit.RouteSyntaxError, routekit.RouteError) as error:
        _check_positions(error, text)
        assert str(error).startswith("test.route:")
    else:
        assert isinstance(plan, routekit.Plan)


@given(statement_text)
def test_generated_files_fail_with_every_problem_positioned(text: str) -> None:
    try:
        routekit.loads(text, name="test.route")
    except routekit.RouteError as error:
        _check_positions(error, text)
        starts = [d.span.start for d in error.diagnostics]
        assert starts == sorted(starts)
    except routekit.RouteSyntaxError as error:
        _check_positions(error, text)
        assert len(error.diagnostics) == 1


# ---- three-valued logic ------------------------------------------------------------------------

ATOMS = [
    "lead.a == 1",
    'lead.a != "x"',
    "lead.a > 5",
    "lead.a <= 1",
    "lead.a between 1 and 10",
    'lead.a in [1, "x"]',
    "lead.a not in [5]",
    "lead.a is missing",
    "lead.a is present",
    'lead.b contains "x"',
    'lead.b contains any ["x", "y"]',
    'lead.b contains all ["x", "y"]',
    'lead.b starts with "a"',
    'lead.b ends with "c"',
    'lead.b matches "[a-z]+"',
    'lower(lead.b) == "x"',
    "len(lead.b) > 2",
    "lead.c == true",
    "lead.c == lead.a",
    "lead.c > 2026-01-01",
    "days_since(lead.c) > 3",
    'domain(lead.b) == "x.com"',
]
VALUES = [
    None,
    0,
    1,
    5,
    11,
    -3,
    2.5,
    "1",
    " 5 ",
    "5k",
    "1,000",
    "x",
    "X",
    "abc",
    "a b c",
    "",
    "  ",
    [],
    ["x"],
    ["X", "y"],
    [1, "x"],
    True,
    False,
    float("nan"),
    float("inf"),
    "2026-01-01",
    "2025-12-01T10:00:00Z",
    {"n": 1},
    "bob@X.com",
]
values = st.sampled_from(VALUES)
leads = st.fixed_dictionaries({}, optional={"a": values, "b": values, "c": values})

WORDS = ("true", "false", "unknown")
KLEENE = {"true": True, "false": False, "unknown": None}


def _router(text: str) -> routekit.Router:
    return routekit.Router(routekit.loads(text, name="laws.route"))


def _route_result(text: str, lead: Dict[str, Any]) -> Tuple[str, Optional[str], str]:
    """(the route event's result, the route that decided, the outcome)."""
    decision = _router(text).decide(lead, now=NOW)
    events = [e for e in decision.to_dict()["trace"]["events"] if e["kind"] == "route"]
    assert len(events) == 1
    result = events[0]["result"]
    assert result in WORDS
    assert (decision.route == "r") == (result == "true")
    return result, decision.route, decision.outcome


def _when(condition: str) -> str:
    return f'route "r" when {condition} {{ reject "r" }}'


@given(st.sampled_from(ATOMS), st.sampled_from(ATOMS), leads)
def test_de_morgan(a: str, b: str, lead: Dict[str, Any]) -> None:
    assert _route_result(_when(f"not ({a} and {b})"), lead) == _route_result(
        _when(f"not ({a}) or not ({b})"), lead
    )
    assert _route_result(_when(f"not ({a} or {b})"), lead) == _route_result(
        _when(f"not ({a}) and not ({b})"), lead
    )


@given(st.sampled_from(ATOMS), leads)
def test_double_negation_and_excluded_middle(a: str, lead: Dict[str, Any]) -> None:
    plain = _route_result(_when(a), lead)
    assert _route_result(_when(f"not not {a}"), lead) == plain
    assert _route_result(_when(f"not (not ({a}))"), lead) == plain
    negated = _route_result(_when(f"not {a}"), lead)[0]
    assert KLEENE[negated] == (None if KLEENE[plain[0]] is None else not KLEENE[plain[0]])
    assert _route_result(_when(f"{a} or not {a}"), lead)[0] != "false"
    assert _route_result(_when(f"{a} and not {a}"), lead)[0] != "true"
    # a define is the condition it names
    assert _route_result(f"define d = {a}\n" + _when("d"), lead) == plain


def _kleene_not(x: Optional[bool]) -> Optional[bool]:
    return None if x is None else not x


def _kleene_and(xs: Sequence[Optional[bool]]) -> Optional[bool]:
    if any(x is False for x in xs):
        return False
    return None if any(x is None for x in xs) else True


def _kleene_or(xs: Sequence[Optional[bool]]) -> Optional[bool]:
    if any(x is True for x in xs):
        return True
    return None if any(x is None for x in xs) else False


def _trees(depth: int) -> Any:
    leaf = st.integers(min_value=0, max_value=len(ATOMS) - 1).map(lambda i: ("atom", i))
    if depth == 0:
        return leaf
    sub = _trees(depth - 1)
    return st.one_of(
        leaf,
        sub.map(lambda t: ("not", t)),
        st.lists(sub, min_size=2, max_size=3).map(lambda ts: ("and", ts)),
        st.lists(sub, min_size=2, max_size=3).map(lambda ts: ("or", ts)),
    )


def _render(tree: Any) -> str:
    kind = tree[0]
    if kind == "atom":
        return f"({ATOMS[tree[1]]})"
    if kind == "not":
        return f"not {_render(tree[1])}"
    return "(" + f" {kind} ".join(_render(t) for t in tree[1]) + ")"


def _expected(tree: Any, atoms: List[Optional[bool]]) -> Optional[bool]:
    kind = tree[0]
    if kind == "atom":
        return atoms[tree[1]]
    if kind == "not":
        return _kleene_not(_expected(tree[1], atoms))
    parts = [_expected(t, atoms) for t in tree[1]]
    return _kleene_and(parts) if kind == "and" else _kleene_or(parts)


def _score_results(conditions: Sequence[str], lead: Dict[str, Any]) -> List[Optional[bool]]:
    """Each condition's three-valued result, read from one decision's score items."""
    block = "score {\n" + "\n".join(f"  1 when {c}" for c in conditions) + "\n}\n"
    decision = _router(block).decide(lead, now=NOW)
    items = [e for e in decision.to_dict()["trace"]["events"] if e["kind"] == "score-item"]
    assert len(items) == len(conditions)
    results = [KLEENE[e["result"]] for e in items]
    assert decision.score == sum(1 for r in results if r is True)
    return results


def test_every_atom_is_true_false_or_unknown_for_some_lead() -> None:
    """The atoms are a useful pool: each takes at least two of the three values."""
    seen: Dict[str, set] = {a: set() for a in ATOMS}
    for value in VALUES:
        for other in ("x", 1, None):
            lead = {"a": value, "b": value, "c": value}
            if other is not None:
                lead["c"] = other
            for atom, result in zip(ATOMS, _score_results(ATOMS, lead)):
                seen[atom].add(result)
    for atom, results in seen.items():
        assert len(results) >= 2, (atom, results)


@given(_trees(3), leads)
def test_a_compound_condition_is_the_kleene_combination_of_its_parts(
    tree: Any, lead: Dict[str, Any]
) -> None:
    atoms = _score_results(ATOMS, lead)
    expected = _expected(tree, atoms)
    (actual,) = _score_results([_render(tree)], lead)
    assert actual is expected
    # and a route on it matches exactly when it is true
    result, route, _ = _route_result(_when(_render(tree)), lead)
    assert KLEENE[result] is expected
    assert (route == "r") == (expected is True)


# ---- messy leads through the spec example -----------------------------------------------------

SPEC_FIELDS = ["employees", "state", "title", "source", "email", "website", "domain"]

huge_strings = st.builds(
    lambda ch, n: ch * n,
    st.sampled_from(["9", "a", " ", ",", "1,", "é"]),
    st.integers(min_value=0, max_value=120_000),
)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(
        [
            "CA",
            " ca ",
            "NY",
            "VP of IT",
            "procurement",
            "referral",
            "5,000",
            "1e3",
            "lots",
            "x@gmail.com",
            "bob@acme.com",
            "https://www.acme.com",
            "2026-01-01",
            "NaN",
            "-inf",
            "ghost.example",
            "bob@ghost.example",
            "\x00",
            "\u202e",
            "\ud800",
        ]
    ),
    huge_strings,
)
json_like = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(
            st.one_of(st.text(max_size=8), st.sampled_from(SPEC_FIELDS)), children, max_size=4
        ),
    ),
    max_leaves=12,
)
odd_keys = st.one_of(
    st.integers(),
    st.none(),
    st.tuples(st.integers()),
    st.floats(allow_nan=False),
    st.booleans(),
    st.frozensets(st.integers(), max_size=2),
)
messy_leads = st.dictionaries(
    st.one_of(st.sampled_from(SPEC_FIELDS), st.text(max_size=10), odd_keys), json_like, max_size=8
)


@given(messy_leads)
def test_messy_leads_never_raise(lead: Dict[Any, Any]) -> None:
    decision = SPEC_ROUTER.decide(lead, now=NOW)
    assert isinstance(decision, routekit.Decision)
    assert decision.outcome in ("assigned", "rejected", "redirected", "unrouted")
    if decision.outcome == "assigned":
        assert decision.assignee in {r["id"] for r in SPEC_ROSTER}
    assert decision.route in (None, "fallback", *SPEC_PLAN.describe()["routes"])
    data = decision.to_dict()
    json.loads(json.dumps(data, allow_nan=False))
    assert isinstance(decision.explain(), str)
    if any(not isinstance(k, str) for k in lead):
        assert "ignored keys that are not text" in decision.explain()


@given(messy_leads, st.integers(min_value=0, max_value=6))
def test_messy_leads_through_route_and_state(lead: Dict[Any, Any], warmup: int) -> None:
    state = routekit.MemoryState()
    for _ in range(warmup):
        SPEC_ROUTER.route({}, now=NOW, state=state)
    decision = SPEC_ROUTER.route(lead, now=NOW, state=state)
    assert isinstance(decision, routekit.Decision)
    restored = routekit.MemoryState.restore(
        json.loads(json.dumps(state.snapshot(), allow_nan=False))
    )
    assert restored == state


# ---- determinism and purity ---------------------------------------------------------------------

simple_leads = st.fixed_dictionaries(
    {},
    optional={
        "employees": st.sampled_from([3, 50, 500, 5000, "5,000", "lots", None, float("nan")]),
        "state": st.sampled_from(["CA", "ny", " wa ", "TX", "", None, ["CA"]]),
        "title": st.sampled_from(["VP of IT", "Head of Procurement", "Sales", "", None]),
        "source": st.sampled_from(["referral", "REFERRAL ", "ads", None]),
        "email": st.sampled_from(["bob@acme.com", "x@gmail.com", "a@beta.example", "nope", None]),
    },
)
times = st.datetimes(
    min_value=dt.datetime(2025, 1, 1),
    max_value=dt.datetime(2027, 12, 31),
    timezones=st.sampled_from(
        [
            dt.timezone.utc,
            dt.timezone(dt.timedelta(hours=-8)),
            dt.timezone(dt.timedelta(hours=5, minutes=30)),
        ]
    ),
)


@given(st.lists(simple_leads, max_size=8), simple_leads, times)
def test_decisions_are_deterministic(
    history: List[Dict[str, Any]], lead: Dict[str, Any], now: dt.datetime
) -> None:
    state = routekit.MemoryState()
    for past in history:
        SPEC_ROUTER.route(past, now=now, state=state)
    snapshot = state.snapshot()
    first = SPEC_ROUTER.decide(lead, now=now, snapshot=snapshot)
    second = SPEC_ROUTER.decide(copy.deepcopy(lead), now=now, snapshot=copy.deepcopy(snapshot))
    assert first == second
    assert first.to_dict() == second.to_dict()
    assert first.explain() == second.explain()
    # a router built afresh from the same text decides the same
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", routekit.RoutekitWarning)
        fresh = routekit.Router(
            routekit.loads(SPEC_TEXT, name="inbound.route"), roster=SPEC_ROSTER, accounts=ACCOUNTS
        )
    assert fresh.decide(lead, now=now, snapshot=snapshot).to_dict() == first.to_dict()


@given(st.lists(simple_leads, max_size=10), st.one_of(simple_leads, messy_leads), times)
def test_decide_never_mutates_its_snapshot_or_the_lead(
    history: List[Dict[str, Any]], lead: Dict[Any, Any], now: dt.datetime
) -> None:
    state = routekit.MemoryState()
    for past in history:
        SPEC_ROUTER.route(past, now=now, state=state)
    snapshot = state.snapshot()
    before = copy.deepcopy(snapshot)
    lead_before = copy.deepcopy(lead)
    decision = SPEC_ROUTER.decide(lead, now=now, snapshot=snapshot)
    assert snapshot == before
    assert state.snapshot() == before
    assert _same(lead, lead_before)
    # deciding again from the same snapshot gives the same answer: nothing moved
    assert SPEC_ROUTER.decide(lead, now=now, snapshot=snapshot) == decision


def _same(a: Any, b: Any) -> bool:
    """Deep equality where NaN equals NaN (a deep copy of a NaN is the same float object)."""
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return bool(a == b) and type(a) is type(b)


# ---- a schema file: only LeadError, and only for the required field ------------------------------

CONSTRUCTS_PLAN = routekit.loads(
    (CONFORMANCE / "constructs.route").read_text(encoding="utf-8"), name="c.route"
)
CONSTRUCTS_ROUTER = routekit.Router(
    CONSTRUCTS_PLAN,
    roster=[
        {"id": r}
        for r in (
            "taylor",
            "jordan",
            "sam@corp.example",
            "alex",
            "blake",
            "casey",
            "riley",
            "quinn",
        )
    ],
    tables={"zips": {"94105": "riley", "02134": {"team": "sdr"}}},
    accounts={"acme.com": {"owner": "taylor", "stage": "customer", "tier name": "gold"}},
)
CONSTRUCT_FIELDS = [
    "email",
    "employees",
    "state",
    "country",
    "title",
    "products",
    "trial",
    "signup",
    "last_seen",
    "language",
    "Company Size",
    "company",
    "zip",
    "source",
]
schema_leads = st.dictionaries(
    st.one_of(st.sampled_from(CONSTRUCT_FIELDS), odd_keys), json_like, max_size=10
)


@given(schema_leads)
def test_a_schema_lead_raises_only_lead_error_for_the_required_field(lead: Dict[Any, Any]) -> None:
    try:
        decision = CONSTRUCTS_ROUTER.decide(lead, now=NOW)
    except routekit.LeadError as error:
        assert error.field == "email", str(error)
    else:
        json.dumps(decision.to_dict(), allow_nan=False)


@given(
    st.sampled_from(["a@acme.com", " bob@ACME.com ", "x@gmail.com", "kim@mit.edu"]), schema_leads
)
def test_a_schema_lead_with_a_good_email_never_raises(email: str, lead: Dict[Any, Any]) -> None:
    lead = dict(lead)
    lead["email"] = email
    decision = CONSTRUCTS_ROUTER.decide(lead, now=NOW)
    json.dumps(decision.to_dict(), allow_nan=False)


# ---- many routes: first match wins, whatever the evaluation strategy ------------------------

TABLE_ATOMS = [
    'lead.state == "CA"',
    'lead.state == " ny "',
    'lead.state in ["CA", "or", " WA"]',
    'lead.state not in ["CA"]',
    'lead.state != "TX"',
    'lead.country == "US"',
    'lead.country == "de"',
    'lead.zip == "02134"',
    "lead.zip == 2134",
    'lead.zip in ["94105", "10001"]',
    "lead.n > 5",
    "lead.n between 1 and 10",
    "lead.n == 2.5",
    "lead.state is missing",
    'lead.state starts with "c"',
    'lead.tags contains "x"',
    "big",
    "not big",
]
TABLE_VALUES = {
    "state": [
        "CA",
        " ca ",
        "Ca",
        "NY",
        "ny",
        "TX",
        "OR",
        " wa",
        "",
        "  ",
        None,
        ["CA"],
        5,
        True,
        "CA\u00a0",
        "ÇA",
    ],
    "country": ["US", "us ", "DE", "De", "", None, 1],
    "zip": ["02134", "2134", 2134, "94105", 94105, "10001", " 10001 ", None, 2134.0],
    "n": [0, 1, 5, 6, 10, 11, 2.5, "2.50", "6", "lots", None, float("nan"), float("inf"), True],
    "tags": [["x"], ["X ", "y"], "x", [], None],
}


def _route_trees() -> Any:
    atom = st.sampled_from(TABLE_ATOMS)
    return st.one_of(
        atom,
        st.lists(atom, min_size=2, max_size=3).map(" and ".join),
        st.lists(atom, min_size=2, max_size=3).map(lambda a: "(" + " or ".join(a) + ")"),
        st.tuples(atom, atom).map(lambda t: f"{t[0]} and not ({t[1]})"),
    )


table_leads = st.fixed_dictionaries(
    {}, optional={k: st.sampled_from(v) for k, v in TABLE_VALUES.items()}
)


@settings(max_examples=40, deadline=None)
@given(
    st.one_of(
        st.lists(_route_trees(), min_size=1, max_size=12),
        st.lists(_route_trees(), min_size=49, max_size=70),
    ),
    st.lists(table_leads, min_size=1, max_size=5),
    st.booleans(),
)
def test_first_match_wins_over_many_routes(
    conditions: List[str], leads_: List[Dict[str, Any]], fallback: bool
) -> None:
    """Whatever the number of routes (past 48, routes are indexed), the route that decides is
    the first whose condition is true, as the score items of the same conditions say."""
    lines = ['define big = lead.n >= 100 or lead.country == "US"']
    lines += [f'route "r{i}" when {cond} {{ reject "{i}" }}' for i, cond in enumerate(conditions)]
    lines.append("score {")
    lines += [f"  1 when {cond}" for cond in conditions]
    lines.append("}")
    if fallback:
        lines.append('fallback { redirect "https://example.com" }')
    router = _router("\n".join(lines))
    for lead in leads_:
        decision = router.decide(lead, now=NOW)
        items = [
            e["result"] for e in decision.to_dict()["trace"]["events"] if e["kind"] == "score-item"
        ]
        assert len(items) == len(conditions)
        assert decision.score == items.count("true")
        first = next((i for i, r in enumerate(items) if r == "true"), None)
        if first is not None:
            assert (decision.route, decision.outcome) == (f"r{first}", "rejected"), (lead, items)
        elif fallback:
            assert (decision.route, decision.outcome) == ("fallback", "redirected"), (lead, items)
        else:
            assert (decision.route, decision.outcome) == (None, "unrouted"), (lead, items)
