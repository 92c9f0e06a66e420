"""Hostile input: rule files and leads written to crash, hang or subvert routekit.

A `.route` file may come from a less trusted author than the host (a RevOps admin UI),
and leads come straight from web forms. So:

(a) the loader, fed grammar-shaped text, mutations of it, and arbitrary text, raises
    only `RouteSyntaxError` / `RouteError`, with positions inside the text;
(b) each size limit of LANGUAGE.md §2 is a `RouteSyntaxError` at the offending token,
    and absurd nesting fails cleanly instead of overflowing the stack;
(c) patterns that backtrack catastrophically are refused when the file loads;
(d) any JSON-like lead gives a Decision whose dict is strict JSON, never an exception;
(e) nothing in a rule file reaches eval, exec, import or attribute access.

Tests marked ``xfail(strict=True)`` pin core bugs found here; each turns into a failure
(XPASS) once the bug is fixed, so the marker gets removed with the fix.
"""

from __future__ import annotations

import builtins
import datetime as dt
import importlib
import importlib.abc
import json
import math
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import routekit
from routekit import Decision, MemoryState, RouteError, RoutekitWarning, RouteSyntaxError
from routekit._builder import (
    MAX_LIST_ITEMS,
    MAX_NAME_LENGTH,
    MAX_NESTING,
    MAX_STRING_BYTES,
    RESERVED_WORDS,
)
from routekit._parser import MAX_FILE_BYTES
from routekit.errors import RoutekitValueError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
NOW = dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.timezone.utc)  # a Monday, 9am in California
OUTCOMES = {"assigned", "rejected", "redirected", "unrouted"}
LOADER_ERRORS = (RouteSyntaxError, RouteError)

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
FUZZ_SLOW = settings(FUZZ, max_examples=60)  # grammar-derived text is slow to generate


def check_loader_error(error: BaseException, text: str) -> None:
    """A loader error is ours, has a diagnostic, points inside the text, and renders."""
    assert isinstance(error, LOADER_ERRORS), f"{type(error).__name__}: {error}"
    assert error.diagnostics
    lines = text.split("\n")
    for diagnostic in error.diagnostics:
        span = diagnostic.span
        assert 1 <= span.line <= len(lines), (diagnostic, len(lines))
        assert 1 <= span.column <= len(lines[span.line - 1]) + 1, diagnostic
        assert 0 <= span.start <= span.end <= len(text) + 1, diagnostic
        if span.start <= len(text):
            # line and column agree with the offset they were computed from
            assert (span.line, span.column) == position(text, span.start), diagnostic
    assert isinstance(str(error), str)


def position(text: str, offset: int) -> Any:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def load_or_error(text: str) -> Optional[routekit.Plan]:
    """``routekit.loads(text)``, checking that any failure is a well-formed loader error."""
    try:
        return routekit.loads(text, name="hostile.route")
    except LOADER_ERRORS as error:
        check_loader_error(error, text)
        return None


# ---- (a) fuzzing the loader ----------------------------------------------------------------

NAME_POOL = ["a", "b", "sdr", "west", "taylor", "x_1", "territory", "__class__", "eval"]
RESERVED = sorted(RESERVED_WORDS)
EXTRA_WORDS = [
    "now", "outcome", "assignee", "attribute", "day", "week", "month", "available",
    "under_capacity", "skill", "round_robin", "weighted", "quota", "balanced", "priority",
    "free_email", "domain", "lower", "len", "days_since", "text", "number", "list",
]  # fmt: skip
PUNCTUATION = ["{", "}", "(", ")", "[", "]", ",", ".", "=", "==", "!=", "<", "<=", ">", ">="]
PUNCTUATION += ["->", ":", "-", '"', "\\", "#", "\n"]

names = st.one_of(
    st.sampled_from(NAME_POOL),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,12}", fullmatch=True),
)
words = st.one_of(names, st.sampled_from(RESERVED + EXTRA_WORDS))


def quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


strings = st.one_of(
    st.text(max_size=12).map(quote),
    st.sampled_from([r'"\d+"', r'"\u00e9"', r'"\uZZZZ"', r'"\q"', '"CA"', '"x@gmail.com"']),
)
numbers = st.one_of(
    st.integers(-(10**40), 10**40).map(str),
    st.from_regex(r"-?[0-9]{1,4}(_[0-9]{1,3})?(\.[0-9]{1,3})?", fullmatch=True),
)
dates = st.sampled_from(
    ["2026-12-24", "2026-02-30", "0000-00-00", "2026-12-24T09:00:00Z", "2026-12-24T25:61:00+02:00"]
)
literals = st.one_of(strings, numbers, dates, st.sampled_from(["true", "false"]))
tokens = st.one_of(words, strings, numbers, dates, st.sampled_from(PUNCTUATION))
separators = st.sampled_from([" ", " ", " ", "\n", "", "\t", "  # note\n"])


@st.composite
def token_soup(draw: st.DrawFn) -> str:
    """Tokens of the language in random order: mostly nonsense, sometimes almost right."""
    parts = draw(st.lists(tokens, max_size=60))
    return "".join(part + draw(separators) for part in parts)


def values(depth: int) -> st.SearchStrategy[str]:
    leaf = st.one_of(
        names.map(lambda n: f"lead.{n}"),
        st.lists(names, min_size=1, max_size=3).map(lambda ns: "lead." + ".".join(ns)),
        strings.map(lambda s: f"lead[{s}]"),
        names.map(lambda n: f"account.{n}"),
        st.just("account"),
        st.just("score"),
        literals,
    )
    if depth <= 0:
        return leaf
    inner = values(depth - 1)
    return st.one_of(
        leaf,
        st.lists(inner, max_size=4).map(lambda vs: "[" + ", ".join(vs) + "]"),
        st.tuples(words, st.lists(inner, max_size=3)).map(lambda p: f"{p[0]}({', '.join(p[1])})"),
    )


value_text = values(2)
operators = ["==", "!=", "<", "<=", ">", ">=", "in", "not in", "contains", "contains any"]
operators += ["contains all", "starts with", "ends with"]
patterns = st.sampled_from([r"[A-Z]{3}-[0-9]+", r"(a+)+", r"(?i).*\bIT\b.*", "(", r"\d{5}"])
tests = st.one_of(
    st.tuples(value_text, st.sampled_from(operators), value_text).map(" ".join),
    st.tuples(value_text, patterns).map(lambda p: f'{p[0]} matches "{p[1]}"'),
    st.tuples(value_text, value_text, value_text).map(lambda p: "{} between {} and {}".format(*p)),
    value_text.map(lambda v: f"{v} is missing"),
    value_text.map(lambda v: f"{v} is present"),
    names,
    value_text,
)
conditions = st.recursive(
    tests,
    lambda inner: st.one_of(
        inner.map(lambda c: f"not {c}"),
        inner.map(lambda c: f"({c})"),
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(" ".join),
    ),
    max_leaves=8,
)
targets = st.one_of(
    st.tuples(names, st.none() | names).map(
        lambda p: f"team {p[0]}" + (f" using {p[1]}" if p[1] else "")
    ),
    st.one_of(names, strings).map(lambda r: f"rep {r}"),
    st.just("account.owner"),
    names.map(lambda n: f"lookup {n}"),
)
actions = st.one_of(
    st.lists(targets, min_size=1, max_size=3).map(lambda ts: "assign " + " else ".join(ts)),
    strings.map(lambda s: f"reject {s}"),
    strings.map(lambda s: f"redirect {s}"),
    st.tuples(names, literals).map(lambda p: f"set {p[0]} = {p[1]}"),
)
members = st.tuples(st.one_of(names, strings), st.none() | numbers, st.none() | numbers).map(
    lambda m: (
        m[0]
        + (f" weight {m[1]}" if m[1] is not None else "")
        + (f" tier {m[2]}" if m[2] is not None else "")
    )
)
team_options = st.one_of(
    st.lists(members, min_size=1, max_size=4).map(lambda ms: "members " + ", ".join(ms)),
    words.map(lambda s: f"strategy {s}"),
    st.tuples(numbers, words).map(lambda p: f"cap {p[0]} per {p[1]}"),
    st.lists(
        st.one_of(
            words, strings.map(lambda s: f"skill {s}"), names.map(lambda n: f"skill lead.{n}")
        ),
        min_size=1,
        max_size=3,
    ).map(lambda fs: "require " + ", ".join(fs)),
    numbers.map(lambda n: f"max_ahead {n}"),
    st.just("catch_up"),
)
table_rows = st.tuples(st.lists(literals, min_size=1, max_size=3), targets).map(
    lambda r: f"{', '.join(r[0])} -> {r[1]}"
)
statements = st.one_of(
    st.tuples(names, conditions).map(lambda p: f"define {p[0]} = {p[1]}"),
    st.lists(st.tuples(names, words), max_size=3).map(
        lambda fs: "fields { " + " ".join(f"{n}: {t}" for n, t in fs) + " }"
    ),
    st.lists(st.tuples(numbers, conditions), max_size=3).map(
        lambda items: "score { " + " ".join(f"{n} when {c}" for n, c in items) + " }"
    ),
    st.tuples(names, st.lists(team_options, max_size=4)).map(
        lambda p: f"team {p[0]} {{\n  " + "\n  ".join(p[1]) + "\n}"
    ),
    st.tuples(names, st.lists(table_rows, max_size=3), st.none() | targets).map(
        lambda p: (
            f"table {p[0]} by lead.state {{ "
            + " ".join(p[1])
            + (f" else -> {p[2]}" if p[2] else "")
            + " }"
        )
    ),
    st.tuples(strings, st.none() | conditions, st.lists(actions, max_size=3)).map(
        lambda p: (
            f"route {p[0]}"
            + (f" when {p[1]}" if p[1] else "")
            + " {\n  "
            + "\n  ".join(p[2])
            + "\n}"
        )
    ),
    st.lists(actions, max_size=2).map(lambda acts: "fallback { " + " ".join(acts) + " }"),
    st.tuples(strings, st.lists(st.tuples(names, literals), max_size=3), words).map(
        lambda p: (
            f"expect {p[0]} {{ lead {{ "
            + " ".join(f"{n}: {v}" for n, v in p[1])
            + f" }} outcome {p[2]} }}"
        )
    ),
)
rule_files = st.lists(statements, max_size=6).map("\n".join)


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[str]) -> str:
    """``base`` text, then a few chunks deleted, duplicated, moved or replaced by a token."""
    text = draw(base)
    for _ in range(draw(st.integers(0, 4))):
        size = len(text)
        start = draw(st.integers(0, size))
        end = draw(st.integers(start, min(size, start + 40)))
        chunk = text[start:end]
        operation = draw(st.sampled_from(["delete", "duplicate", "move", "insert"]))
        if operation == "delete":
            text = text[:start] + text[end:]
        elif operation == "duplicate":
            text = text[:end] + chunk + text[end:]
        elif operation == "move":
            rest = text[:start] + text[end:]
            where = draw(st.integers(0, len(rest)))
            text = rest[:where] + chunk + rest[where:]
        else:
            text = text[:start] + draw(tokens) + " " + text[start:]
    return text


def grammar_texts() -> st.SearchStrategy[str]:
    """Text derived from the grammar itself by hypothesis' lark extension."""
    from hypothesis.extra.lark import from_lark

    from routekit._parser import parser

    # the grammar-built parser: the shipped tables carry no grammar for from_lark to read
    return from_lark(parser(strict=True), start="start")


@FUZZ
@pytest.mark.filterwarnings("ignore:Generating overly large repr")
@given(mutated(rule_files))
@example("")
@example("route")
@example('route "r" when lead.a == 1 { assign team nobody }')
@example("fallback { assign team t }\nteam t { members a }\n" * 3)
def test_loader_on_generated_and_mutated_rules(text: str) -> None:
    plan = load_or_error(text)
    if plan is not None:
        # A file that loads must also route a lead (or be refused by Router, as a RouteError).
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RoutekitWarning)
            try:
                router = routekit.Router(plan, roster=[{"id": n} for n in NAME_POOL])
            except (RouteError, RoutekitValueError):
                return  # a function or a `from host` table the host did not supply
        decision = router.route({"state": "CA", "a": 1}, now=NOW, state=MemoryState())
        assert decision.outcome in OUTCOMES


@FUZZ_SLOW
@given(mutated(grammar_texts()))
def test_loader_on_grammar_derived_text(text: str) -> None:
    load_or_error(text)


@FUZZ
@given(mutated(token_soup()))
def test_loader_on_token_soup(text: str) -> None:
    load_or_error(text)


@FUZZ
@given(st.one_of(st.text(), st.binary().map(lambda b: b.decode("utf-8", errors="replace"))))
@example("\x00")
@example("\r\n\r\n}")
@example("\ufeffteam t { members a }")
@example('"' + "\\" * 1000)
def test_loader_on_arbitrary_text(text: str) -> None:
    load_or_error(text)


@pytest.mark.parametrize("text", ["\ud800", 'define x = lead.a == "\udcff"', "# \udcff\n"])
def test_loader_on_lone_surrogates(text: str) -> None:
    load_or_error(text)


# ---- (b) the limits of LANGUAGE.md §2 --------------------------------------------------------

HEAD = "team t { members a }\n"
ROUTE_PREFIX = 'route "r" when '


def limit_error(text: str, code: str) -> RouteSyntaxError:
    with pytest.raises(RouteSyntaxError) as caught:
        routekit.loads(text, name="limits.route")
    error = caught.value
    check_loader_error(error, text)
    assert error.diagnostic.code == code, error
    return error


def assert_points_at(error: RouteSyntaxError, text: str, offset: int) -> None:
    assert error.diagnostic.span.start == offset, error
    assert (error.line, error.column) == position(text, offset)


def nested_parens(depth: int) -> str:
    return HEAD + ROUTE_PREFIX + "(" * depth + "lead.a == 1" + ")" * depth + " { assign team t }"


def nested_nots(depth: int) -> str:
    return HEAD + ROUTE_PREFIX + "not " * depth + "lead.a == 1 { assign team t }"


def test_nesting_up_to_the_limit_loads() -> None:
    routekit.loads(nested_parens(MAX_NESTING))
    routekit.loads(nested_nots(MAX_NESTING))
    mixed = "not (" * 32 + "lead.a == 1" + ")" * 32
    routekit.loads(HEAD + ROUTE_PREFIX + mixed + " { assign team t }")


def test_parentheses_nested_65_deep() -> None:
    text = nested_parens(MAX_NESTING + 1)
    error = limit_error(text, "too-deep")
    assert_points_at(error, text, len(HEAD + ROUTE_PREFIX) + MAX_NESTING)  # the 65th `(`


def test_not_nested_65_deep() -> None:
    text = nested_nots(MAX_NESTING + 1)
    error = limit_error(text, "too-deep")
    assert_points_at(error, text, len(HEAD + ROUTE_PREFIX) + 4 * MAX_NESTING)  # the 65th `not`


def test_not_and_parentheses_count_together() -> None:
    text = HEAD + ROUTE_PREFIX + "not (" * 33 + "lead.a == 1" + ")" * 33 + " { assign team t }"
    error = limit_error(text, "too-deep")
    assert_points_at(error, text, len(HEAD + ROUTE_PREFIX) + 5 * 32)  # the 33rd `not`


@pytest.mark.parametrize("build", [nested_parens, nested_nots], ids=["parens", "not"])
def test_ten_thousand_deep_fails_cleanly(build: Any) -> None:
    text = build(10_000)
    error = limit_error(text, "too-deep")
    assert error.line == 2


def test_ten_thousand_unclosed_parentheses() -> None:
    text = HEAD + ROUTE_PREFIX + "(" * 10_000
    with pytest.raises(RouteSyntaxError) as caught:
        routekit.loads(text)
    check_loader_error(caught.value, text)


@pytest.mark.parametrize(
    "text",
    [
        HEAD + "define x = lead.a in " + "[" * 10_000 + "]" * 10_000,
        HEAD + 'expect "e" { lead { a: ' + "[" * 10_000 + "]" * 10_000 + " } }",
        HEAD + 'define x = lead.a == "' + "(" * 10_000 + '"',
    ],
    ids=["lists", "expect-lists", "parens-in-a-string"],
)
def test_other_deep_nesting_fails_cleanly(text: str) -> None:
    load_or_error(text)


def test_deeply_nested_calls_fail_cleanly() -> None:
    load_or_error(HEAD + "define x = " + "lower(" * 10_000 + "lead.a" + ")" * 10_000 + ' == "x"')


def test_name_of_129_characters() -> None:
    routekit.loads(HEAD + "define " + "a" * MAX_NAME_LENGTH + " = lead.a == 1")
    text = HEAD + "define " + "a" * (MAX_NAME_LENGTH + 1) + " = lead.a == 1"
    error = limit_error(text, "name-too-long")
    assert_points_at(error, text, len(HEAD + "define "))


def test_field_name_of_129_characters() -> None:
    text = HEAD + "define x = lead." + "f" * (MAX_NAME_LENGTH + 1) + " == 1"
    error = limit_error(text, "name-too-long")
    assert_points_at(error, text, len(HEAD + "define x = lead."))


def test_string_of_64_kib_plus_one() -> None:
    routekit.loads(HEAD + 'define x = lead.a == "' + "s" * MAX_STRING_BYTES + '"')
    text = HEAD + 'define x = lead.a == "' + "s" * (MAX_STRING_BYTES + 1) + '"'
    error = limit_error(text, "string-too-long")
    assert_points_at(error, text, len(HEAD + "define x = lead.a == "))


def test_string_limit_counts_utf8_bytes() -> None:
    euros = "€" * (MAX_STRING_BYTES // 3 + 1)  # 21,846 characters, 65,538 bytes
    text = HEAD + 'define x = lead.a == "' + euros + '"'
    limit_error(text, "string-too-long")


def test_list_of_100_001_items() -> None:
    item = "1, "
    text = HEAD + "define x = lead.a in [" + item * (MAX_LIST_ITEMS + 1) + "]"
    error = limit_error(text, "list-too-long")
    assert_points_at(error, text, len(HEAD + "define x = lead.a in [") + len(item) * MAX_LIST_ITEMS)


def test_file_over_16_mib() -> None:
    filler = "# " + "x" * 1022 + "\n"  # 1 KiB per line
    text = HEAD + filler * (MAX_FILE_BYTES // len(filler)) + "#"
    assert len(text.encode("utf-8")) > MAX_FILE_BYTES
    error = limit_error(text, "file-too-large")
    assert (error.line, error.column) == (1, 1)


def test_file_over_16_mib_in_bytes_not_characters() -> None:
    text = "#" + "é" * (MAX_FILE_BYTES // 2 + 1)  # fewer characters than bytes
    assert len(text) <= MAX_FILE_BYTES < len(text.encode("utf-8"))
    limit_error(text, "file-too-large")


# ---- (c) patterns that backtrack catastrophically ------------------------------------------

CATASTROPHIC = [
    r"(a+)+",
    r"(a|aa)+",
    r"(.*a){12}",
    r"(a*)*b",
    r"(\w+\s?)+$",
    r"(x+x+)+y",
    r"^(([a-z])+.)+[A-Z]([a-z])+$",
]
ORDINARY = [r"[A-Z]{3}-[0-9]+", r"(?i).*\bIT\b.*", r"\d{5}(-\d{4})?", r"[^@]+@[^@]+\.[a-z]{2,}"]
PATTERN_PREFIX = HEAD + "define x = lead.a matches "


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_catastrophic_patterns_are_refused(pattern: str) -> None:
    text = PATTERN_PREFIX + '"' + pattern + '"'
    with pytest.raises(RouteError) as caught:
        routekit.loads(text)
    error = caught.value
    check_loader_error(error, text)
    assert error.diagnostic.code == "unsafe-pattern"
    assert error.diagnostic.span.start == len(PATTERN_PREFIX)  # at the pattern
    assert "exponential" in str(error)


@pytest.mark.parametrize("pattern", ORDINARY)
def test_ordinary_patterns_are_accepted(pattern: str) -> None:
    plan = routekit.loads(HEAD + f'route "r" when lead.a matches "{pattern}" {{ assign team t }}')
    router = routekit.Router(plan, roster=[{"id": "a"}])
    # and they stay fast on a long hostile value
    decision = router.decide({"a": "A" * 100_000 + "@" * 1000}, now=NOW)
    assert decision.outcome == "unrouted"


@pytest.mark.parametrize("opening", ["(", "(?:"])
def test_a_pattern_nested_5000_deep_does_not_crash(opening: str) -> None:
    text = PATTERN_PREFIX + '"' + opening * 5000 + "a" + ")" * 5000 + '"'
    with pytest.raises(RouteError) as caught:
        routekit.loads(text)
    check_loader_error(caught.value, text)


@pytest.mark.parametrize("pattern", [".*" * 8 + "=", r"\s*" * 8 + "x", "a*a*a*a*a*a*a*a*b"])
def test_polynomial_patterns_are_refused(pattern: str) -> None:
    """Adjacent unbounded repeats backtrack polynomially (8 x `.*`: 24 s on 60 characters)."""
    text = PATTERN_PREFIX + '"' + pattern + '"'
    with pytest.raises(RouteError) as caught:
        routekit.loads(text)
    check_loader_error(caught.value, text)
    assert caught.value.diagnostic.code == "unsafe-pattern"
    assert caught.value.diagnostic.span.start == len(PATTERN_PREFIX)


# ---- (d) hostile leads ---------------------------------------------------------------------

ROUTER = routekit.Router(
    routekit.load(EXAMPLES / "inbound.route"),
    roster=json.loads((EXAMPLES / "inbound.roster.json").read_text(encoding="utf-8")),
    accounts=json.loads((EXAMPLES / "accounts.json").read_text(encoding="utf-8")),
)
FIELDS = ["email", "employees", "state", "title", "source", "website", "domain"]
TEN_MB = 10 * 1024 * 1024

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e308, 5e-324]),
    st.sampled_from([5000, -5000]).map(lambda e: (e // abs(e)) * 10 ** abs(e)),  # > 4300 digits
    st.text(),
    st.sampled_from(
        [
            " 5,000 ",
            "1e400",
            "nan",
            "-inf",
            "9" * 5000,
            "CA",
            " ca ",
            "IT",
            "x@gmail.com",
            "halle@acme.example",
            "http://globex.example/",
            "2026-12-24",
            "\x00",
            "\u202e",
            "",
        ]
    ),
)
json_like = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=5)), inner, max_size=5),
    ),
    max_leaves=20,
)
odd_keys = st.one_of(
    st.integers(), st.none(), st.booleans(), st.floats(allow_nan=True), st.tuples(st.integers())
)


@st.composite
def deep_lists(draw: st.DrawFn) -> Any:
    value: Any = draw(scalars)
    for _ in range(draw(st.integers(1, 100))):
        value = [value, draw(scalars)] if draw(st.booleans()) else [value]
    return value


@st.composite
def leads(draw: st.DrawFn) -> Dict[Any, Any]:
    lead: Dict[Any, Any] = draw(
        st.dictionaries(st.sampled_from(FIELDS), st.one_of(json_like, deep_lists()), max_size=7)
    )
    lead.update(draw(st.dictionaries(st.text(max_size=8), json_like, max_size=3)))
    lead.update(draw(st.dictionaries(odd_keys, json_like, max_size=2)))
    return lead


def decide_hostile(lead: Mapping[Any, Any], now: dt.datetime = NOW) -> Decision:
    decision = ROUTER.route(lead, now=now, state=MemoryState())  # type: ignore[arg-type]
    assert isinstance(decision, Decision)
    assert decision.outcome in OUTCOMES
    json.dumps(decision.to_dict(), allow_nan=False)
    assert isinstance(decision.explain(), str)
    return decision


@settings(FUZZ, max_examples=150)
@given(leads(), st.sampled_from([NOW, NOW.replace(hour=3), NOW + dt.timedelta(days=33)]))
@example({"email": "a@" + "b" * TEN_MB + ".com", "title": "IT " * (TEN_MB // 3)}, NOW)
@example({"employees": "9" * TEN_MB, "state": " " * TEN_MB, "source": "x" * TEN_MB}, NOW)
@example({"employees": math.nan, "state": math.inf, "title": -math.inf, "email": True}, NOW)
@example({"employees": True, "title": [1, "IT", None, {"a": []}, 2.5], 7: "x", None: 1}, NOW)
@example({field: 10**5000 for field in FIELDS}, NOW)  # too many digits for str() on 3.11+
def test_hostile_leads_always_get_a_decision(lead: Dict[Any, Any], now: dt.datetime) -> None:
    decide_hostile(lead, now)


def test_a_ten_megabyte_value_is_not_copied_into_the_trace() -> None:
    decision = decide_hostile({"title": "IT" * (TEN_MB // 2), "employees": "7" * TEN_MB})
    assert len(json.dumps(decision.to_dict())) < 100_000


def nest_lists(depth: int) -> Any:
    value: Any = "IT"
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("field", ["title", "employees", "state", "email"])
def test_a_list_nested_100_000_deep(field: str) -> None:
    decide_hostile({field: nest_lists(100_000)})


def test_a_list_that_contains_itself() -> None:
    loop: List[Any] = []
    loop.append(loop)
    decide_hostile({"title": loop, "employees": loop})


def test_shared_nested_lists_do_not_blow_up_the_trace() -> None:
    value: Any = "IT"
    for _ in range(30):  # 31 small lists in memory, 5**30 leaves if rendered naively
        value = [value] * 5
    decision = decide_hostile({"employees": value})
    assert len(json.dumps(decision.to_dict())) < 100_000


# ---- (e) no code execution -----------------------------------------------------------------

MARKER_MODULE = "routekit_pwned_marker"
PAYLOAD = f"__import__('{MARKER_MODULE}'); exec('pwned'); eval('pwned')"
CODE_RULES = rf"""
# Names, fields and strings that would mean something to Python, and nothing here.
define __class__ = lead.__class__ == "Widget"
define eval = lead.eval is present or lead.exec is present or lead.__import__ is present
define system = lead["os.system"] == "{PAYLOAD}"
define dunders = lead.__dict__ is present or lead.__class__.__mro__ is present
  or lead.__globals__ is present or lead.get is present or lead.keys is present
  or lead["__builtins__"] is present or lead.secret is present

score {{
  5 when __class__
  7 when lead["\"); {PAYLOAD} #"] == "x"
}}

team __init__ {{
  members "__import__('{MARKER_MODULE}')", exec
}}

route "{PAYLOAD}" when __class__ and not dunders {{
  assign team __init__
  set payload = "{PAYLOAD}"
  set os = "os.system('echo pwned')"
}}
route "eval" when eval or system {{
  redirect "javascript:{PAYLOAD}"
}}
fallback {{
  reject "{PAYLOAD}"
}}
"""
CODE_ROSTER = [{"id": f"__import__('{MARKER_MODULE}')"}, {"id": "exec"}]


class ImportSpy(importlib.abc.MetaPathFinder):
    """Records every attempt to import the marker module."""

    def __init__(self) -> None:
        self.attempts: List[str] = []

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> None:
        if MARKER_MODULE in fullname:
            self.attempts.append(fullname)
        return None


@pytest.fixture
def spies(monkeypatch: pytest.MonkeyPatch) -> Iterator[Dict[str, List[Any]]]:
    """Record what reaches eval, exec, compile and import while the test runs.

    They still work (routekit may legitimately compile code it generates from its own
    templates); the test checks that nothing from the rule file is in what they get.
    """
    finder = ImportSpy()
    seen: Dict[str, List[Any]] = {"eval": [], "exec": [], "compile": [], "import": finder.attempts}
    for name in ("eval", "exec", "compile"):
        real = getattr(builtins, name)

        def spy(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            seen[_name].append(args)
            return _real(*args, **kwargs)

        monkeypatch.setattr(builtins, name, spy)
    sys.meta_path.insert(0, finder)
    try:
        yield seen
    finally:
        sys.meta_path.remove(finder)


def assert_nothing_reached_python(seen: Dict[str, List[Any]]) -> None:
    assert MARKER_MODULE not in sys.modules
    assert seen["import"] == [], seen["import"]
    for name in ("eval", "exec", "compile"):
        for args in seen[name]:
            if name == "compile" and len(args) > 1 and str(args[1]).endswith(".py"):
                continue  # pytest compiling a real file (the test itself) to report on it
            for argument in args[:1]:
                if isinstance(argument, (str, bytes)):
                    text = argument if isinstance(argument, str) else argument.decode("latin-1")
                    assert "pwned" not in text and MARKER_MODULE not in text, (name, text)


def test_the_spies_see_what_they_should(spies: Dict[str, List[Any]]) -> None:
    """The checks above are not vacuous: text reaching eval or an import is caught."""
    assert eval("'pwned'") == "pwned"
    with pytest.raises(AssertionError):
        assert_nothing_reached_python(spies)
    spies["eval"].clear()
    with pytest.raises(ImportError):
        importlib.import_module(MARKER_MODULE)
    assert spies["import"] == [MARKER_MODULE]
    with pytest.raises(AssertionError):
        assert_nothing_reached_python(spies)


class SneakyLead(Mapping):  # type: ignore[type-arg]
    """A lead that records every attribute read and refuses to be used beyond a mapping."""

    def __init__(self, data: Dict[str, Any]) -> None:
        object.__setattr__(self, "_data", data)
        object.__setattr__(self, "_reads", [])

    def __getattribute__(self, name: str) -> Any:
        if name not in ("_data", "_reads", "reads"):
            object.__getattribute__(self, "_reads").append(name)
        return object.__getattribute__(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AssertionError(f"routekit set {name} on a lead")

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    @property
    def secret(self) -> Any:
        raise AssertionError("routekit read an attribute of the lead")

    def __reduce__(self) -> Any:
        raise AssertionError("routekit tried to serialise the lead")

    def reads(self) -> List[str]:
        return list(object.__getattribute__(self, "_reads"))


# isinstance(lead, Mapping) reads ``__class__`` (ABCMeta does); the rest is the protocol.
MAPPING_PROTOCOL = {"__class__", "get", "keys", "items", "values", "__contains__", "__getitem__"}


def code_router() -> routekit.Router:
    return routekit.Router(routekit.loads(CODE_RULES, name="code.route"), roster=CODE_ROSTER)


def test_python_words_are_just_names_and_text(spies: Dict[str, List[Any]]) -> None:
    router = code_router()
    state = MemoryState()
    widget = router.route({"__class__": " widget "}, now=NOW, state=state)
    assert widget.outcome == "assigned"
    assert widget.assignee == f"__import__('{MARKER_MODULE}')"
    assert widget.route == PAYLOAD
    assert widget.score == 5
    assert widget.attributes == {"payload": PAYLOAD, "os": "os.system('echo pwned')"}
    assert router.route({"__class__": "Widget"}, now=NOW, state=state).assignee == "exec"

    # A plain dict has no field "__class__": the test is unknown, nothing matches.
    plain = router.route({}, now=NOW, state=state)
    assert (plain.outcome, plain.route, plain.message) == ("rejected", "fallback", PAYLOAD)
    assert "missing" in plain.explain()

    redirected = router.route({"exec": "1"}, now=NOW, state=state)
    assert redirected.url == f"javascript:{PAYLOAD}"
    assert router.route({"os.system": PAYLOAD}, now=NOW, state=state).outcome == "redirected"
    scored = router.route({'"); ' + PAYLOAD + " #": "x"}, now=NOW, state=state)
    assert scored.score == 7
    json.dumps([d.to_dict() for d in (widget, plain, redirected, scored)], allow_nan=False)
    assert_nothing_reached_python(spies)


def test_a_mapping_lead_is_only_read_as_a_mapping(spies: Dict[str, List[Any]]) -> None:
    router = code_router()
    for data, outcome in [({"__class__": "Widget"}, "assigned"), ({}, "rejected")]:
        lead = SneakyLead(data)
        decision = router.route(lead, now=NOW, state=MemoryState())
        assert decision.outcome == outcome
        assert set(lead.reads()) <= MAPPING_PROTOCOL, lead.reads()
        assert "secret" not in lead.reads()
    assert_nothing_reached_python(spies)


@pytest.mark.parametrize(
    "call",
    [
        "eval(lead.a)",
        "exec(lead.a)",
        '__import__("os")',
        f'__import__("{MARKER_MODULE}")',
        'getattr(lead.a, "__class__")',
        'system("echo pwned")',
        'open("/etc/passwd")',
    ],
)
def test_unregistered_functions_are_an_error(call: str, spies: Dict[str, List[Any]]) -> None:
    text = HEAD + f'route "r" when {call} == true {{ assign team t }}'
    with pytest.raises(RouteError) as caught:
        routekit.Router(routekit.loads(text), roster=[{"id": "a"}])
    assert call.split("(")[0] in str(caught.value)
    assert_nothing_reached_python(spies)


@pytest.mark.parametrize(
    "text",
    [
        HEAD + 'define x = os.system("echo pwned") == 1',
        HEAD + "define x = lead.__class__.__init__(lead.a) == 1",
        HEAD + 'define x = lead.a.__class__("pwned")',
        HEAD + "define x = lead.a == `echo pwned`",
        HEAD + 'define x = lead.a == "a" + "pwned"',
        HEAD + "define x = lead.a == 1; import os",
        HEAD + "define x = lambda: 1",
    ],
)
def test_python_syntax_does_not_parse(text: str, spies: Dict[str, List[Any]]) -> None:
    with pytest.raises(LOADER_ERRORS) as caught:
        routekit.loads(text)
    check_loader_error(caught.value, text)
    assert_nothing_reached_python(spies)


def test_host_functions_only_by_explicit_registration(spies: Dict[str, List[Any]]) -> None:
    text = HEAD + 'route "r" when is_partner(lead.email) { assign team t }\nfallback { reject "n" }'
    plan = routekit.loads(text)
    with pytest.raises(RouteError, match="is_partner"):
        routekit.Router(plan, roster=[{"id": "a"}])
    calls: List[Any] = []

    def is_partner(email: Any) -> bool:
        calls.append(email)
        return email == "x@partner.example"

    router = routekit.Router(plan, roster=[{"id": "a"}], functions={"is_partner": is_partner})
    assert router.decide({"email": "x@partner.example"}, now=NOW).outcome == "assigned"
    assert router.decide({"email": "eval('pwned')"}, now=NOW).outcome == "rejected"
    assert calls == ["x@partner.example", "eval('pwned')"]
    assert_nothing_reached_python(spies)
