"""`routekit fmt`: the canonical layout, comments kept, idempotence and the round trip.

The central property is ``parse(format(text)) == parse(text)``. AST equality is lenient in
ways that would hide formatter bugs (``True == 1``, ``Decimal("1.0") == 1``, and date-times
in different zones that name the same instant are equal), so the tests compare a *strict*
view of the AST that keeps the type of each literal and a date-time's own offset.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import random
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any, List, Tuple

import attrs
import lark
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routekit import RouteSyntaxError, ast
from routekit import cli as routekit_cli
from routekit._builder import RESERVED_WORDS, parse
from routekit._format import LINE_LENGTH, format_rules, format_text, quote_string
from routekit._parser import grammar_text
from routekit.cli import _fmt
from routekit.errors import RoutekitValueError

ROOT = Path(__file__).resolve().parents[1]
INBOUND = ROOT / "examples" / "inbound.route"

# LANGUAGE.md §1, byte for byte (tests/conformance/spec_example.route).
SPEC_SECTION_1 = (Path(__file__).resolve().parent / "conformance" / "spec_example.route").read_text(
    encoding="utf-8"
)

# What `fmt` makes of it: defines unaligned, score points right-aligned, options in order.
SPEC_SECTION_1_FORMATTED = (
    SPEC_SECTION_1.replace("define it_buyer   =", "define it_buyer =")
    .replace("  30 when", "   30 when")
    .replace("  20 when", "   20 when")
    .replace("  10 when", "   10 when")
    .replace("  require available\n  cap 20 per day\n", "  cap 20 per day\n  require available\n")
)

# LANGUAGE.md §9.
SPEC_SECTION_9 = """\
expect "Halle reaches enterprise" {
  lead { email: "halle@acme.example", employees: 5000, state: "CA", title: "VP of IT" }
  now 2026-11-23T17:00:00Z
  route "Enterprise IT on the West Coast"
  assignee in [taylor, jordan, sam]
}
expect "tiny companies are screened" {
  lead { employees: 3 }
  outcome rejected
}
"""


# ---- helpers ---------------------------------------------------------------------------


def strict(node: Any) -> Any:
    """The AST as nested tuples, keeping literal types and date-time offsets."""
    if attrs.has(type(node)):
        fields = attrs.fields(type(node))
        return (type(node).__name__, *(strict(getattr(node, f.name)) for f in fields if f.eq))
    if isinstance(node, tuple):
        return tuple(strict(item) for item in node)
    if isinstance(node, dt.datetime):
        return ("datetime", node.isoformat())
    if isinstance(node, (bool, int, Decimal, str, dt.date)):
        return (type(node).__name__, str(node))
    assert node is None, node
    return None


_FOUND: List[str] = []


@functools.lru_cache(maxsize=1)
def _comment_parser() -> lark.Lark:
    return lark.Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        lexer_callbacks={"COMMENT": lambda token: _FOUND.append(str(token).rstrip())},
    )


def comments_in(text: str) -> List[str]:
    """Every comment, found by lark's own lexer (an oracle independent of the formatter)."""
    _FOUND.clear()
    _comment_parser().parse(text)
    found = list(_FOUND)
    _FOUND.clear()
    return found


def check_round_trip(text: str) -> str:
    """Format ``text`` and check the properties every formatting must have."""
    formatted = format_text(text)
    assert strict(parse(formatted)) == strict(parse(text))
    assert format_text(formatted) == formatted
    assert Counter(comments_in(formatted)) == Counter(comments_in(text))
    assert formatted == "" or formatted.endswith("\n")
    assert not formatted.endswith("\n\n")
    assert all(line == line.rstrip() for line in formatted.split("\n"))
    return formatted


def fmt(text: str) -> str:
    return check_round_trip(text)


# ---- whole files -------------------------------------------------------------------------


def test_the_spec_example_has_one_canonical_form() -> None:
    assert fmt(SPEC_SECTION_1) == SPEC_SECTION_1_FORMATTED


def test_the_spec_expectations_are_already_canonical_but_for_spacing() -> None:
    expected = SPEC_SECTION_9.replace("}\nexpect", "}\n\nexpect")
    assert fmt(SPEC_SECTION_9) == expected


def test_the_example_file_round_trips_with_every_comment() -> None:
    text = INBOUND.read_text(encoding="utf-8")
    formatted = fmt(text)
    assert formatted.startswith("# inbound.route — demo requests from the website form.\n#\n")
    assert "# ---- expectations: `routekit test examples/inbound.route` --" in formatted
    # the header comment stays apart from the first define, as the author wrote it
    assert "# whatever the routes above it do not.\n\ndefine west_coast" in formatted


ROUTE_FILES = sorted(
    [*(ROOT / "examples").glob("*.route"), *(ROOT / "tests" / "conformance").glob("*.route")]
)


@pytest.mark.parametrize("path", ROUTE_FILES, ids=lambda path: path.name)
def test_every_route_file_in_the_repository_round_trips(path: Path) -> None:
    fmt(path.read_text(encoding="utf-8"))


def test_the_before_and_after_in_the_docs_agree() -> None:
    page = (ROOT / "docs" / "fmt.md").read_text(encoding="utf-8")
    before, after = re.findall(r"```route\n(.*?)```", page, re.S)[:2]
    assert fmt(before) == after


def test_empty_and_comment_only_files() -> None:
    assert fmt("") == ""
    assert fmt("\n\n  \n") == ""
    assert fmt("# only\n\n\n# comments   \n") == "# only\n\n# comments\n"


def test_syntax_errors_are_raised_not_formatted() -> None:
    with pytest.raises(RouteSyntaxError) as caught:
        format_text('route "x" { assign team }', "bad.route")
    assert str(caught.value).startswith("bad.route:1:")


# ---- every construct ------------------------------------------------------------------

CASES = [
    # defines: `=` spaced, consecutive defines written together stay together
    (
        "define   a=lead.x==1\ndefine b =lead.y!=2",
        "define a = lead.x == 1\ndefine b = lead.y != 2\n",
    ),
    ("define a = lead.x == 1\n\n\n\ndefine b = a", "define a = lead.x == 1\n\ndefine b = a\n"),
    ("define a = a team t {}", "define a = a\n\nteam t {}\n"),
    # every kind of test
    (
        "define a = lead.x<=1 or lead.x>=2 or lead.x<3 or lead.x>4",
        "define a = lead.x <= 1 or lead.x >= 2 or lead.x < 3 or lead.x > 4\n",
    ),
    (
        'define a = lead.s in ["a","b",] and lead.s not in []',
        'define a = lead.s in ["a", "b"] and lead.s not in []\n',
    ),
    (
        'define a = lead.t contains "x" or lead.t contains any ["a"] or lead.t contains all [1]',
        'define a = lead.t contains "x" or lead.t contains any ["a"] or lead.t contains all [1]\n',
    ),
    (
        'define a = lead.e starts  with "a" and lead.e ends\nwith "b"',
        'define a = lead.e starts with "a" and lead.e ends with "b"\n',
    ),
    (
        'define a = lead.p matches "(?i)[A-Z]{3}-\\d+"',
        'define a = lead.p matches "(?i)[A-Z]{3}-\\d+"\n',
    ),
    (
        "define a = lead.n between 1 and 10 and lead.d between 2026-01-01 and 2026-12-31",
        "define a = lead.n between 1 and 10 and lead.d between 2026-01-01 and 2026-12-31\n",
    ),
    (
        "define a = account is missing or account.stage is present or lead.x is missing",
        "define a = account is missing or account.stage is present or lead.x is missing\n",
    ),
    (
        "define a = free_email( lead.email ) and len(lead.tags)>2 and days_since(lead.at) < 30",
        "define a = free_email(lead.email) and len(lead.tags) > 2 and days_since(lead.at) < 30\n",
    ),
    ("define a = f() and score >= -5", "define a = f() and score >= -5\n"),
    # paths: keywords after `.` are field names; other keys are written as strings
    (
        'define a = lead.score == 1 and lead["Company Size"] > 2 and lead["x"].y == 3',
        'define a = lead.score == 1 and lead["Company Size"] > 2 and lead.x.y == 3\n',
    ),
    ('define a = lead["and"] == account["stage"]', "define a = lead.and == account.stage\n"),
    # literals
    (
        "define a = lead.n == 50_000 or lead.n == -2.50 or lead.n == 0.000_1 or lead.n == true",
        "define a = lead.n == 50000 or lead.n == -2.50 or lead.n == 0.0001 or lead.n == true\n",
    ),
    (
        "define a = lead.at < 2026-12-24T09:00Z or lead.at > 2026-12-24T09:00:00.5+02:00",
        "define a = lead.at < 2026-12-24T09:00:00Z or lead.at > 2026-12-24T09:00:00.500000+02:00\n",
    ),
    (
        "define a = lead.at == 2026-12-24T09:00:00+00:00",
        "define a = lead.at == 2026-12-24T09:00:00Z\n",
    ),
    # fields
    (
        'fields { email: email required\n"Company Size": number  and: text "x y": bool required }',
        'fields {\n  email: email required\n  "Company Size": number\n  "and": text\n'
        '  "x y": bool required\n}\n',
    ),
    # score: points right-aligned so `when` lines up
    (
        "score { 5 when a 100 when b -2.5 when c }",
        "score {\n     5 when a\n   100 when b\n  -2.5 when c\n}\n",
    ),
    ("score {}", "score {}\n"),
    # teams: options one a line, in a fixed order; members and require merged
    (
        'team t { catch_up max_ahead 3 require skill lead.language, skill "fr" cap 5 per week '
        'strategy balanced members a tier 2 weight 3, "b@corp.example" members c '
        "require available }",
        "team t {\n"
        '  members a weight 3 tier 2, "b@corp.example", c\n'
        "  strategy balanced\n"
        "  cap 5 per week\n"
        '  require skill lead.language, skill "fr", available\n'
        "  max_ahead 3\n"
        "  catch_up\n"
        "}\n",
    ),
    ('team t { members "and", "x", x }', 'team t {\n  members "and", x, x\n}\n'),
    # tables: rows aligned on `->`, tuples, host tables
    (
        'table t by lead.s { "CA","OR"->team w "NY"->rep "a b" else->lookup u }',
        'table t by lead.s {\n  "CA", "OR" -> team w\n  "NY"       -> rep "a b"\n'
        "  else       -> lookup u\n}\n",
    ),
    (
        'table t by (lead.c,lead.s) { ("US","CA"),("US","OR") -> account.owner }',
        'table t by (lead.c, lead.s) {\n  ("US", "CA"), ("US", "OR") -> account.owner\n}\n',
    ),
    ('table t by (lead.c) { ("US") -> rep a }', 'table t by lead.c {\n  "US" -> rep a\n}\n'),
    ("table t by lead.country from host", "table t by lead.country from host\n"),
    ("table t by lead.country {}", "table t by lead.country {}\n"),
    # routes and actions
    (
        'route "A" { assign team x using quota else rep y else account.owner else lookup t }',
        'route "A" {\n  assign team x using quota else rep y else account.owner else lookup t\n}\n',
    ),
    (
        'route "B" when lead.x == 1 { reject "no" set a = 1 set when = 2026-01-01 }',
        'route "B" when lead.x == 1 {\n  reject "no"\n  set a = 1\n  set when = 2026-01-01\n}\n',
    ),
    (
        'route "C" { redirect "https://x.example/#a" }',
        'route "C" {\n  redirect "https://x.example/#a"\n}\n',
    ),
    ('route "D" {}', 'route "D" {}\n'),
    ('fallback { assign rep "and" }', 'fallback {\n  assign rep "and"\n}\n'),
    # expectations: items in a fixed order, the lead on one line
    (
        'expect "e" { attribute b = true team t assignee in [a, "c d",] outcome assigned '
        'route "r" assignee x now 2026-01-05T15:00+01:00 attribute a = 2 lead { x: [1, 2] y: "z" '
        '"a b": 1, now: 2, } }',
        'expect "e" {\n  lead { x: [1, 2], y: "z", "a b": 1, "now": 2 }\n'
        '  now 2026-01-05T15:00:00+01:00\n  outcome assigned\n  route "r"\n  team t\n'
        '  assignee x\n  assignee in [a, "c d"]\n  attribute b = true\n  attribute a = 2\n}\n',
    ),
    ('expect "e" { lead {} }', 'expect "e" {\n  lead {}\n}\n'),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_canonical_layout(text: str, expected: str) -> None:
    assert fmt(text) == expected


# ---- strings ----------------------------------------------------------------------------

STRINGS = [
    # (as written, the value the builder reads, as formatted)
    ('"plain"', "plain", '"plain"'),
    ('"say \\"hi\\""', 'say "hi"', '"say \\"hi\\""'),
    ('"a\\\\b"', "a\\b", '"a\\b"'),  # \b is no escape, so one backslash says it
    ('"\\d+\\.\\w"', "\\d+\\.\\w", '"\\d+\\.\\w"'),  # kept backslashes stay single
    ('"\\\\d"', "\\d", '"\\d"'),  # a doubled backslash before `d` reads the same single
    ('"\\\\n"', "\\n", '"\\\\n"'),  # backslash + n must stay doubled, or it becomes a newline
    ('"\\\\t"', "\\t", '"\\\\t"'),
    ('"\\\\\\""', '\\"', '"\\\\\\""'),
    ('"end\\\\"', "end\\", '"end\\\\"'),
    ('"\\\\\\\\"', "\\\\", '"\\\\\\\\"'),
    ('"\\n\\t"', "\n\t", '"\\n\\t"'),
    ('"\\u00e9\\u0041"', "éA", '"éA"'),
    ('"\\u12"', "\\u12", '"\\u12"'),  # not an escape: fewer than four hex digits
    ('"\\\\u0041"', "\\u0041", '"\\\\u0041"'),  # a backslash before u + 4 hex stays doubled
    ('"\\\\uzz"', "\\uzz", '"\\uzz"'),
    ('"\\u0000\\u001b\\u007f\\u0085"', "\x00\x1b\x7f\x85", '"\\u0000\\u001b\\u007f\\u0085"'),
    ('"\\u2028\\u2029"', "\u2028\u2029", '"\\u2028\\u2029"'),
    ('"\\ud83d\\ude00"', "\ud83d\ude00", '"\\ud83d\\ude00"'),  # lone surrogates stay escaped
    ('"😀 # not a comment"', "😀 # not a comment", '"😀 # not a comment"'),
    ('"tab\there"', "tab\there", '"tab\\there"'),  # a raw tab is written as \t
    ('"cr\rhere"', "cr\rhere", '"cr\\u000dhere"'),
    ('"\\\\\\u0041"', "\\A", '"\\A"'),  # a doubled backslash, then an escaped A
    ('"\\é"', "\\é", '"\\é"'),
]


@pytest.mark.parametrize(("written", "value", "formatted"), STRINGS)
def test_strings_round_trip(written: str, value: str, formatted: str) -> None:
    rules = parse(f"route {written} {{}}")
    route = rules.statements[0]
    assert isinstance(route, ast.Route)
    assert route.name == value
    assert quote_string(value) == formatted
    assert fmt(f"route {written} {{}}") == f"route {formatted} {{}}\n"


@given(st.text(alphabet=st.sampled_from(list('ab\\"ntu0F9dé #{}\t\n\r\x00\x7f\u2028\ud800'))))
@settings(max_examples=60, deadline=None)
def test_any_string_reads_back_as_itself(value: str) -> None:
    for minimal in (False, True):
        rules = parse(f"route {quote_string(value, minimal)} {{}}")
        route = rules.statements[0]
        assert isinstance(route, ast.Route)
        assert route.name == value


def test_a_string_near_the_size_limit_is_written_compactly() -> None:
    value = "\t" * 40_000 + "x"  # \t would double it past the 64 KiB limit
    text = f'define a = lead.x == "{value}"'
    formatted = fmt(text)
    assert formatted == text + "\n"


def test_long_names_and_odd_keys_are_written_as_strings() -> None:
    long = "x" * 129
    formatted = fmt(f'define a = lead["{long}"] == 1 and lead.ok == 1 and lead["a-b"] == 1')
    assert f'lead["{long}"]' in formatted
    assert '    lead.ok == 1 and\n    lead["a-b"] == 1\n' in formatted  # and wrapped


# ---- conditions and parentheses -------------------------------------------------------------

PRECEDENCE = [
    ("(a or b) and c", "(a or b) and c"),
    ("a or (b and c)", "a or b and c"),
    ("(a and b) or c", "a and b or c"),
    ("a and (b and c)", "a and (b and c)"),  # nested and/or are distinct nodes: kept
    ("(a and b) and c", "(a and b) and c"),
    ("a or (b or c) or d", "a or (b or c) or d"),
    ("((a)) and (((b)))", "a and b"),
    ("not (a and b)", "not (a and b)"),
    ("not (a or b) or c", "not (a or b) or c"),
    ("(not a) and not not b", "not a and not not b"),
    ("not (lead.x == 1)", "not lead.x == 1"),
    ("not lead.x not in [1]", "not lead.x not in [1]"),
    (
        "(lead.n between 1 and 2) and lead.m between 3 and 4",
        "lead.n between 1 and 2 and lead.m between 3 and 4",
    ),
    ("a and (b or (c and (d or e)))", "a and (b or c and (d or e))"),
]


@pytest.mark.parametrize(("condition", "expected"), PRECEDENCE)
def test_minimal_parentheses(condition: str, expected: str) -> None:
    assert fmt(f"define x = {condition}") == f"define x = {expected}\n"


def test_long_conditions_wrap_after_and_or() -> None:
    terms = [f'lead.field_{i} == "value number {i}"' for i in range(5)]
    formatted = fmt(f'route "Long" when {" and ".join(terms)} {{ assign team t }}')
    assert formatted == (
        f'route "Long" when {terms[0]} and\n'
        + "".join(f"    {term} and\n" for term in terms[1:-1])
        + f"    {terms[-1]} {{\n  assign team t\n}}\n"
    )
    define = fmt("define d = " + " or ".join(terms))
    assert define.split("\n")[1] == f"    {terms[1]} or"
    score = fmt("score { 10 when " + " or ".join(terms) + " -5 when a }")
    assert score.split("\n")[1:3] == [f"  10 when {terms[0]} or", f"      {terms[1]} or"]
    assert all(len(line) <= LINE_LENGTH for line in formatted.split("\n"))


# ---- comments ----------------------------------------------------------------------------


def test_comments_stay_with_what_follows_them_and_at_line_ends() -> None:
    text = """\
# file header

# about a
define a = lead.x == 1  # trailing a
define b = (lead.y == 2 or   # inside b
  lead.z == 3)

team t {   # on the brace
  # about strategy
  strategy weighted # why weighted
  members x weight 2, # between members
     y
  # at the end of the team
} # after the team
route "r" when a
  # inside the header
  and b { assign team t # trailing assign
# about set, unindented
set p = 1
}

# the end
"""
    assert (
        fmt(text)
        == """\
# file header

# about a
define a = lead.x == 1  # trailing a
# inside b
define b = lead.y == 2 or lead.z == 3

team t {  # on the brace
  # between members
  members x weight 2, y
  # about strategy
  strategy weighted  # why weighted
  # at the end of the team
}  # after the team

# inside the header
route "r" when a and b {
  assign team t  # trailing assign
  # about set, unindented
  set p = 1
}

# the end
"""
    )


def test_comments_in_tables_expectations_and_lead_blocks() -> None:
    text = """\
table t by lead.s {
  "CA" -> team w  # west
  # the rest
  else -> team s
}
expect "e" {  # e
  lead {
    a: 1,  # the a
    # about b
    b: "#x"
  }
  outcome rejected  # o
}
"""
    assert (
        fmt(text)
        == """\
table t by lead.s {
  "CA" -> team w  # west
  # the rest
  else -> team s
}

expect "e" {  # e
  lead {
    a: 1,  # the a
    # about b
    b: "#x",
  }
  outcome rejected  # o
}
"""
    )


def test_a_comment_inside_an_empty_block_keeps_it_open() -> None:
    assert fmt("fallback { # nothing yet\n}") == "fallback {  # nothing yet\n}\n"
    assert fmt("team t {\n  # members later\n}") == "team t {\n  # members later\n}\n"


def test_blank_lines_in_runs_of_comments_are_kept_once() -> None:
    text = "define a = x\n\n\n# one\n\n\n# two\n\ndefine b = y\n# tail"
    assert fmt(text) == "define a = x\n\n# one\n\n# two\n\ndefine b = y\n# tail\n"


def test_crlf_text_formats_like_lf() -> None:
    text = 'define a = x  # c\r\n\r\nroute "r" {\r\n  assign team t\r\n}\r\n'
    assert fmt(text) == fmt(text.replace("\r\n", "\n"))


# ---- the AST printer ------------------------------------------------------------------------


def test_format_rules_prints_an_ast() -> None:
    rules = parse(SPEC_SECTION_1)
    printed = format_rules(rules)
    assert parse(printed) == rules
    assert printed == format_text(SPEC_SECTION_1.split("\n", 2)[2])


@pytest.mark.parametrize(
    "statement",
    [
        ast.Define("and", ast.ValueTest(ast.NameRef("x"))),
        ast.Define("x", ast.ValueTest(ast.NameRef("has space"))),
        ast.Define("x", ast.Compare("==", ast.LeadPath(()), ast.Literal(1))),
        ast.Define("x", ast.Compare("==", ast.LeadPath(("a",)), ast.Literal(Decimal("NaN")))),
        ast.Define(
            "x", ast.Compare("==", ast.LeadPath(("a",)), ast.Literal(dt.datetime(2026, 1, 1)))
        ),
        ast.Team("t", strategy="two words"),
    ],
)
def test_format_rules_refuses_what_no_text_can_say(statement: ast.Statement) -> None:
    with pytest.raises(RoutekitValueError):
        format_rules(ast.RuleFile((statement,)))


def test_decimals_are_never_printed_with_an_exponent() -> None:
    rule = ast.Define("x", ast.Compare(">", ast.LeadPath(("a",)), ast.Literal(Decimal("1E+3"))))
    assert format_rules(ast.RuleFile((rule,))) == "define x = lead.a > 1000\n"
    small = attrs.evolve(
        rule, condition=attrs.evolve(rule.condition, right=ast.Literal(Decimal("1.5E-7")))
    )
    assert format_rules(ast.RuleFile((small,))) == "define x = lead.a > 0.00000015\n"


def test_every_grammar_keyword_is_quoted_as_a_key() -> None:
    words = set(re.findall(r'"([a-z_]+)"', re.sub(r"//[^\n]*", "", grammar_text())))
    assert words <= RESERVED_WORDS  # expectation words are read as names, not keywords
    for word in sorted(words | {"now", "outcome", "assignee", "attribute"}):
        formatted = fmt(f'expect "e" {{ lead {{ a: 1, {word}: 2 }} }}')
        assert f'"{word}": 2' in formatted


# ---- random files -----------------------------------------------------------------------------

_NAMES = ["a", "b", "sdr", "west_coast", "Team_1", "_x", "now", "outcome", "assignee", "attribute"]
_STEPS = [
    *_NAMES,
    "score",
    "and",
    "when",
    "Company Size",
    "a-b",
    "é",
    "",
    'q"uote',
    "b\\s",
    "x" * 129,
]
_TEXT = st.text(
    alphabet=st.sampled_from(list('ab \\"#ntu0Fdé.{}()\t\n\r\x00\x7f\x85\u2028\ud800😀')),
    max_size=8,
)
_ZONES = [
    dt.timezone.utc,
    dt.timezone(dt.timedelta(hours=2)),
    dt.timezone(-dt.timedelta(hours=5, minutes=30)),
]

names = st.sampled_from(_NAMES)
words = st.sampled_from([*_NAMES, "and", "when", "score"])  # set/attribute names
reps = st.sampled_from(["taylor", "now", "and", "taylor@corp.example", "a b", "x"])


@st.composite
def decimals(draw: Any, positive: bool = False) -> Decimal:
    whole = draw(st.integers(0 if positive else -(10**6), 10**6))
    fraction = draw(st.text("0123456789", min_size=1, max_size=4))
    sign = "-" if whole < 0 else ""
    return Decimal(f"{sign}{abs(whole)}.{fraction}")


numbers = st.integers(-(10**12), 10**12) | decimals()
positive = st.integers(1, 20) | decimals(positive=True).filter(lambda d: d > 0)
literals = st.builds(
    ast.Literal,
    _TEXT
    | numbers
    | st.booleans()
    | st.dates()
    | st.datetimes(
        min_value=dt.datetime(1900, 1, 1),
        max_value=dt.datetime(2100, 1, 1),
        timezones=st.sampled_from(_ZONES),
    ),
)
lists = st.builds(ast.ListValue, st.lists(literals, max_size=3).map(tuple))
lead_paths = st.builds(
    ast.LeadPath, st.lists(st.sampled_from(_STEPS), min_size=1, max_size=3).map(tuple)
)
simple_values = st.one_of(
    literals,
    lead_paths,
    st.builds(ast.AccountPath, st.lists(st.sampled_from(_STEPS), max_size=2).map(tuple)),
    st.builds(ast.ScoreRef),
    st.builds(ast.NameRef, names),
)
values = (
    simple_values
    | lists
    | st.builds(ast.Call, names, st.lists(simple_values, max_size=2).map(tuple))
)

tests = st.one_of(
    st.builds(ast.Compare, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), values, values),
    st.builds(ast.In, values, lists | values, st.booleans()),
    st.builds(ast.Contains, values, values, st.sampled_from(["one", "any", "all"])),
    st.builds(ast.Affix, st.sampled_from(["starts", "ends"]), values, values),
    st.builds(ast.Matches, values, _TEXT),
    st.builds(ast.Between, values, values, values),
    st.builds(ast.Presence, values, st.booleans()),
    st.builds(
        ast.ValueTest, st.builds(ast.NameRef, names) | st.builds(ast.Call, names, st.just(()))
    ),
)
conditions = st.recursive(
    tests,
    lambda inner: st.one_of(
        st.builds(ast.And, st.lists(inner, min_size=2, max_size=3).map(tuple)),
        st.builds(ast.Or, st.lists(inner, min_size=2, max_size=3).map(tuple)),
        st.builds(ast.Not, inner),
    ),
    max_leaves=6,
)
targets = st.one_of(
    st.builds(ast.TeamTarget, names, st.none() | st.sampled_from(["weighted", "quota"])),
    st.builds(ast.RepTarget, reps),
    st.builds(ast.OwnerTarget),
    st.builds(ast.LookupTarget, names),
)
actions = st.one_of(
    st.builds(ast.Assign, st.lists(targets, min_size=1, max_size=3).map(tuple)),
    st.builds(ast.Reject, _TEXT),
    st.builds(ast.Redirect, _TEXT),
    st.builds(ast.SetAttribute, words, literals),
)
filters = st.one_of(
    st.builds(ast.Filter, st.sampled_from(["available", "under_capacity"])),
    st.builds(ast.Filter, st.just("skill"), _TEXT | lead_paths),
)


@st.composite
def tables(draw: Any) -> ast.Table:
    width = draw(st.integers(1, 2))
    key = tuple(draw(st.lists(lead_paths, min_size=width, max_size=width)))
    cell = st.lists(literals, min_size=width, max_size=width).map(tuple)
    rows = st.builds(ast.TableRow, st.lists(cell, min_size=1, max_size=3).map(tuple), targets)
    if draw(st.booleans()):
        return ast.Table(draw(names), key, from_host=True)
    return ast.Table(
        draw(names), key, tuple(draw(st.lists(rows, max_size=3))), draw(st.none() | targets)
    )


statements = st.one_of(
    st.builds(ast.Define, names, conditions),
    st.builds(
        ast.Fields,
        st.lists(
            st.builds(
                ast.FieldDecl,
                st.sampled_from(_STEPS),
                st.sampled_from(["text", "number"]),
                st.booleans(),
            ),
            max_size=3,
        ).map(tuple),
    ),
    st.builds(
        ast.Score, st.lists(st.builds(ast.ScoreItem, numbers, conditions), max_size=3).map(tuple)
    ),
    st.builds(
        ast.Team,
        names,
        st.lists(
            st.builds(ast.Member, reps, st.none() | positive, st.none() | positive), max_size=3
        ).map(tuple),
        st.none() | st.sampled_from(["weighted", "round_robin"]),
        st.none() | st.tuples(positive, st.sampled_from(["day", "week", "month"])),
        st.lists(filters, max_size=2).map(tuple),
        st.none() | positive,
        st.booleans(),
    ),
    tables(),
    st.builds(ast.Route, _TEXT, st.none() | conditions, st.lists(actions, max_size=3).map(tuple)),
    st.builds(ast.Fallback, st.lists(actions, max_size=3).map(tuple)),
    st.builds(
        ast.Expect,
        _TEXT,
        st.lists(st.tuples(st.sampled_from(_STEPS), literals | lists), max_size=3).map(tuple),
        st.none()
        | st.datetimes(timezones=st.sampled_from(_ZONES), min_value=dt.datetime(1900, 1, 1)),
        st.none() | st.sampled_from(["assigned", "rejected"]),
        st.none() | _TEXT,
        st.none() | reps,
        st.none() | st.lists(reps, min_size=1, max_size=3).map(tuple),
        st.none() | names,
        st.lists(st.tuples(words, literals), max_size=2).map(tuple),
    ),
)
rule_files = st.builds(ast.RuleFile, st.lists(statements, max_size=6).map(tuple))


class MessyWriter:
    """Writes an AST as valid text in a random, untidy way, with comments everywhere.

    Independent of the formatter on purpose: its own escapes, spacing, optional parentheses,
    split ``members`` lines, expectation items in any order.
    """

    _SAFE_AFTER_BACKSLASH = frozenset("dé.{}() ")

    def __init__(self, rnd: random.Random) -> None:
        self.rnd = rnd
        self.comments: List[str] = []

    def chance(self, p: float) -> bool:
        return self.rnd.random() < p

    def separator(self) -> str:
        roll = self.rnd.random()
        if roll < 0.55:
            return " "
        if roll < 0.7:
            return "\n"
        if roll < 0.78:
            return "\n\n  "
        if roll < 0.83:
            return "\t"
        text = f"# c{len(self.comments)}" + self.rnd.choice(["", " note", ' "q" # h', "  ", "é\t"])
        self.comments.append(text.rstrip())
        return self.rnd.choice([" ", "", "\n  "]) + text + "\n" + self.rnd.choice(["", "  ", "\n"])

    def text(self, rules: ast.RuleFile) -> str:
        tokens = [token for statement in rules.statements for token in self.statement(statement)]
        parts = [self.separator() if self.chance(0.3) else ""]
        for index, token in enumerate(tokens):
            if index:
                parts.append(self.separator())
            parts.append(token)
        if self.chance(0.5):
            parts.append(self.separator())
        return "".join(parts)

    # ---- lexical ---------------------------------------------------------------------------

    def string(self, value: str) -> str:
        out = []
        for index, char in enumerate(value):
            following = value[index + 1 : index + 2]
            if char == '"':
                out.append('\\"')
            elif char == "\\":
                bare = following in self._SAFE_AFTER_BACKSLASH and following and self.chance(0.5)
                out.append("\\" if bare else "\\\\")
            elif char == "\n":
                out.append(self.rnd.choice(["\\n", "\\u000a", "\\u000A"]))
            elif char == "\t":
                out.append(self.rnd.choice(["\\t", "\t", "\\u0009"]))
            elif char == "\x00" or "\ud800" <= char <= "\udfff":
                out.append(f"\\u{ord(char):04x}")
            elif (
                char not in self._SAFE_AFTER_BACKSLASH and ord(char) < 0x10000 and self.chance(0.2)
            ):
                out.append(f"\\u{ord(char):04X}")
            else:
                out.append(char)
        return '"' + "".join(out) + '"'

    def digits(self, text: str) -> str:
        out = text[0]
        for char in text[1:]:
            out += ("_" if self.chance(0.2) else "") + char
        return out

    def number(self, value: Any) -> str:
        text = format(value, "f") if isinstance(value, Decimal) else str(value)
        sign, text = ("-", text[1:]) if text.startswith("-") else ("", text)
        return sign + ".".join(self.digits(part) for part in text.split("."))

    def literal(self, value: Any) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            return self.string(value)
        if isinstance(value, (int, Decimal)):
            return self.number(value)
        if isinstance(value, dt.datetime):
            text = value.isoformat()
            if text.endswith("+00:00") and self.chance(0.5):
                text = text[:-6] + "Z"
            if value.microsecond:
                text = re.sub(r"(\.\d*?)0+(?=[Z+-])", r"\1", text)
            elif value.second == 0 and self.chance(0.5):
                text = re.sub(r"(T\d\d:\d\d):00", r"\1", text)
            return text
        assert isinstance(value, dt.date)
        return value.isoformat()

    def name(self, value: str, quotable: bool = False) -> str:
        bare = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", value) and len(value) <= 128
        if quotable and (not bare or value in RESERVED_WORDS or self.chance(0.3)):
            return self.string(value)
        return value

    def key(self, value: str) -> str:
        keyword = value in RESERVED_WORDS or value in ("now", "outcome", "assignee", "attribute")
        return self.string(value) if keyword else self.name(value, quotable=True)

    def comma(self, groups: List[List[str]], trailing: bool = False) -> List[str]:
        out: List[str] = []
        for index, group in enumerate(groups):
            if index:
                out.append(",")
            out.extend(group)
        if trailing and groups and self.chance(0.3):
            out.append(",")
        return out

    # ---- values and conditions ----------------------------------------------------------------

    def steps(self, steps: Tuple[str, ...]) -> List[str]:
        out: List[str] = []
        for step in steps:
            bare = re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", step) and len(step) <= 128
            out += [".", step] if bare and self.chance(0.7) else ["[", self.string(step), "]"]
        return out

    def value(self, value: ast.Value) -> List[str]:
        if isinstance(value, ast.Literal):
            return [self.literal(value.value)]
        if isinstance(value, ast.ListValue):
            return ["[", *self.comma([self.value(v) for v in value.items], trailing=True), "]"]
        if isinstance(value, ast.LeadPath):
            return ["lead", *self.steps(value.steps)]
        if isinstance(value, ast.AccountPath):
            return ["account", *self.steps(value.steps)]
        if isinstance(value, ast.ScoreRef):
            return ["score"]
        if isinstance(value, ast.Call):
            return [value.name, "(", *self.comma([self.value(a) for a in value.args]), ")"]
        assert isinstance(value, ast.NameRef)
        return [value.name]

    def condition(self, node: ast.Condition) -> List[str]:
        out = self._condition(node)
        return ["(", *out, ")"] if self.chance(0.15) else out

    def _operand(self, node: ast.Condition, grouped: bool) -> List[str]:
        out = self.condition(node)
        return ["(", *out, ")"] if grouped else out

    def _condition(self, node: ast.Condition) -> List[str]:
        if isinstance(node, (ast.And, ast.Or)):
            word = "and" if isinstance(node, ast.And) else "or"
            kinds = (ast.And, ast.Or) if word == "and" else (ast.Or,)
            out: List[str] = []
            for index, item in enumerate(node.items):
                if index:
                    out.append(word)
                out += self._operand(item, isinstance(item, kinds))
            return out
        if isinstance(node, ast.Not):
            return ["not", *self._operand(node.item, isinstance(node.item, (ast.And, ast.Or)))]
        if isinstance(node, ast.Compare):
            return [*self.value(node.left), node.op, *self.value(node.right)]
        if isinstance(node, ast.In):
            word = ["not", "in"] if node.negated else ["in"]
            return [*self.value(node.value), *word, *self.value(node.options)]
        if isinstance(node, ast.Contains):
            mode = [] if node.mode == "one" else [node.mode]
            return [*self.value(node.value), "contains", *mode, *self.value(node.operand)]
        if isinstance(node, ast.Affix):
            return [*self.value(node.value), node.kind, "with", *self.value(node.operand)]
        if isinstance(node, ast.Matches):
            return [*self.value(node.value), "matches", self.string(node.pattern)]
        if isinstance(node, ast.Between):
            low, high = self.value(node.low), self.value(node.high)
            return [*self.value(node.value), "between", *low, "and", *high]
        if isinstance(node, ast.Presence):
            return [*self.value(node.value), "is", "present" if node.present else "missing"]
        assert isinstance(node, ast.ValueTest)
        return self.value(node.value)

    # ---- statements ------------------------------------------------------------------------

    def target(self, target: ast.Target) -> List[str]:
        if isinstance(target, ast.TeamTarget):
            using = ["using", target.using] if target.using else []
            return ["team", target.team, *using]
        if isinstance(target, ast.RepTarget):
            return ["rep", self.name(target.rep, quotable=True)]
        if isinstance(target, ast.OwnerTarget):
            return ["account", ".", "owner"]
        assert isinstance(target, ast.LookupTarget)
        return ["lookup", target.table]

    def action(self, action: ast.Action) -> List[str]:
        if isinstance(action, ast.Assign):
            out = ["assign"]
            for index, target in enumerate(action.targets):
                out += (["else"] if index else []) + self.target(target)
            return out
        if isinstance(action, ast.Reject):
            return ["reject", self.string(action.message)]
        if isinstance(action, ast.Redirect):
            return ["redirect", self.string(action.url)]
        assert isinstance(action, ast.SetAttribute)
        return ["set", action.name, "=", self.literal(action.value.value)]

    def split(self, items: List[List[str]], keyword: str) -> List[str]:
        """``members a, b, c`` as one line or as several ``members`` lines."""
        if not items:
            return []
        cut = self.rnd.randint(1, len(items))
        first, rest = items[:cut], items[cut:]
        out = [keyword, *self.comma(first)]
        return out + ([keyword, *self.comma(rest)] if rest else [])

    def statement(self, node: ast.Statement) -> List[str]:
        if isinstance(node, ast.Define):
            return ["define", node.name, "=", *self.condition(node.condition)]
        if isinstance(node, ast.Fields):
            out = ["fields", "{"]
            for decl in node.items:
                out += [self.key(decl.name), ":", decl.type_name] + (
                    ["required"] if decl.required else []
                )
            return [*out, "}"]
        if isinstance(node, ast.Score):
            out = ["score", "{"]
            for item in node.items:
                out += [self.number(item.points), "when", *self.condition(item.condition)]
            return [*out, "}"]
        if isinstance(node, ast.Team):
            return self.team(node)
        if isinstance(node, ast.Table):
            return self.table(node)
        if isinstance(node, (ast.Route, ast.Fallback)):
            if isinstance(node, ast.Route):
                out = ["route", self.string(node.name)]
                if node.condition is not None:
                    out += ["when", *self.condition(node.condition)]
            else:
                out = ["fallback"]
            return [*out, "{", *(t for a in node.actions for t in self.action(a)), "}"]
        assert isinstance(node, ast.Expect)
        return self.expect(node)

    def team(self, node: ast.Team) -> List[str]:
        options: List[List[str]] = []
        members = []
        for member in node.members:
            extra = []
            if member.weight is not None:
                extra.append(["weight", self.number(member.weight)])
            if member.tier is not None:
                extra.append(["tier", self.number(member.tier)])
            self.rnd.shuffle(extra)
            members.append([self.name(member.rep, quotable=True), *(t for e in extra for t in e)])
        options.append(self.split(members, "members"))
        if node.strategy is not None:
            options.append(["strategy", node.strategy])
        if node.cap is not None:
            options.append(["cap", self.number(node.cap[0]), "per", node.cap[1]])
        filters = []
        for item in node.require:
            argument: List[str] = []
            if isinstance(item.argument, str):
                argument = [self.string(item.argument)]
            elif item.argument is not None:
                argument = self.value(item.argument)
            filters.append([item.name, *argument])
        options.append(self.split(filters, "require"))
        if node.max_ahead is not None:
            options.append(["max_ahead", self.number(node.max_ahead)])
        if node.catch_up:
            options.append(["catch_up"])
        self.rnd.shuffle(options)
        return ["team", node.name, "{", *(t for option in options for t in option), "}"]

    def table(self, node: ast.Table) -> List[str]:
        paths = [self.value(path) for path in node.key]
        if len(paths) == 1 and self.chance(0.7):
            key = paths[0]
        else:
            key = ["(", *self.comma(paths), ")"]
        out = ["table", node.name, "by", *key]
        if node.from_host:
            return [*out, "from", "host"]
        out.append("{")
        for row in node.rows:
            cells = []
            for cell in row.keys:
                literals_ = [[self.literal(item.value)] for item in cell]
                if len(cell) == 1 and self.chance(0.7):
                    cells.append(literals_[0])
                else:
                    cells.append(["(", *self.comma(literals_), ")"])
            out += [*self.comma(cells), "->", *self.target(row.target)]
        if node.else_target is not None:
            out += ["else", "->", *self.target(node.else_target)]
        return [*out, "}"]

    def expect(self, node: ast.Expect) -> List[str]:
        items: List[List[str]] = []
        fields = []
        for name, value in node.lead:
            fields.append(
                [self.key(name), ":", *self.value(value)] + ([","] if self.chance(0.6) else [])
            )
        items.append(["lead", "{", *(t for f in fields for t in f), "}"])
        if node.now is not None:
            items.append(["now", self.literal(node.now)])
        if node.outcome is not None:
            items.append(["outcome", node.outcome])
        if node.route is not None:
            items.append(["route", self.string(node.route)])
        if node.assignee is not None:
            items.append(["assignee", self.name(node.assignee, quotable=True)])
        if node.assignee_in is not None:
            reps_ = [[self.name(rep, quotable=True)] for rep in node.assignee_in]
            items.append(["assignee", "in", "[", *self.comma(reps_, trailing=True), "]"])
        if node.team is not None:
            items.append(["team", node.team])
        self.rnd.shuffle(items)
        for name, value in node.attributes:  # in order, among the rest
            at = self.rnd.randint(0, len(items))
            later = [i for i, item in enumerate(items) if item[0] == "attribute"]
            at = max([at, *(i + 1 for i in later)])
            items.insert(at, ["attribute", name, "=", self.literal(value.value)])
        return ["expect", self.string(node.name), "{", *(t for item in items for t in item), "}"]


@given(rules=rule_files, rnd=st.randoms(use_true_random=False))
@settings(max_examples=60, deadline=None)
def test_random_files_round_trip(rules: ast.RuleFile, rnd: random.Random) -> None:
    writer = MessyWriter(rnd)
    text = writer.text(rules)
    assert strict(parse(text)) == strict(rules)  # the writer itself is right
    assert Counter(comments_in(text)) == Counter(writer.comments)
    formatted = check_round_trip(text)
    assert strict(parse(formatted)) == strict(rules)
    plain = format_rules(rules)
    assert strict(parse(plain)) == strict(rules)
    assert format_text(plain) == plain


# ---- the command --------------------------------------------------------------------------


def run_fmt(capsys: pytest.CaptureFixture[str], *argv: str) -> Tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="routekit")
    _fmt.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["fmt", *argv])
    code = args.handler(args)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def messy(tmp_path: Path) -> Path:
    path = tmp_path / "messy.route"
    path.write_text("define a=lead.x==1 # a\nteam t { members x,y }", encoding="utf-8")
    return path


@pytest.fixture
def tidy(tmp_path: Path) -> Path:
    path = tmp_path / "tidy.route"
    path.write_text(format_text(SPEC_SECTION_1), encoding="utf-8")
    return path


def test_check_passes_a_formatted_file(capsys: pytest.CaptureFixture[str], tidy: Path) -> None:
    assert run_fmt(capsys, "--check", str(tidy)) == (0, "", "")


def test_check_lists_files_that_would_change_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tidy: Path, messy: Path
) -> None:
    before = messy.read_bytes()
    code, out, err = run_fmt(capsys, "--check", str(tidy), str(messy))
    assert (code, out, err) == (1, f"{messy}\n", "")
    assert messy.read_bytes() == before


def test_fmt_rewrites_in_place_only_what_changes(
    capsys: pytest.CaptureFixture[str], tidy: Path, messy: Path
) -> None:
    tidy_time = tidy.stat().st_mtime_ns
    code, out, err = run_fmt(capsys, str(tidy), str(messy))
    assert (code, out, err) == (0, f"reformatted {messy}\n", "")
    assert (
        messy.read_text(encoding="utf-8")
        == "define a = lead.x == 1  # a\n\nteam t {\n  members x, y\n}\n"
    )
    assert tidy.stat().st_mtime_ns == tidy_time
    assert run_fmt(capsys, str(messy)) == (0, "", "")


def test_a_broken_file_is_reported_and_left_alone(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, messy: Path
) -> None:
    broken = tmp_path / "broken.route"
    broken.write_text('route "x" {\n  assign team\n}\n', encoding="utf-8")
    before = broken.read_bytes()
    code, out, err = run_fmt(capsys, str(broken), str(messy))
    assert code == 1
    assert out == f"reformatted {messy}\n"
    assert err.startswith(f"{broken}:3:1: unexpected `}}`")
    assert broken.read_bytes() == before
    code, out, err = run_fmt(capsys, "--check", str(broken))
    assert (code, out) == (1, "")
    assert f"{broken}:3:1" in err


def test_unreadable_files_are_reported(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    latin = tmp_path / "latin.route"
    latin.write_bytes(b"# caf\xe9\n")
    code, out, err = run_fmt(capsys, str(tmp_path / "nope.route"), str(latin))
    assert (code, out) == (1, "")
    assert f"routekit: {tmp_path / 'nope.route'}: no such file" in err
    assert f"routekit: {latin}: not UTF-8 text" in err


def test_line_endings_and_the_final_newline_are_kept(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    crlf = tmp_path / "crlf.route"
    crlf.write_bytes(b"define a = x  # \xc3\xa9\r\ndefine b = y\r\n")
    assert run_fmt(capsys, "--check", str(crlf)) == (0, "", "")
    crlf.write_bytes(b"define a=x\r\n\r\n\r\nteam t {}")
    assert run_fmt(capsys, str(crlf))[0] == 0
    assert crlf.read_bytes() == b"define a = x\r\n\r\nteam t {}\r\n"


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = self
        self.data = data

    def read(self) -> bytes:
        return self.data


def test_dash_reads_stdin_and_writes_stdout(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", _Stdin("define  a=x # é\n".encode()))
    assert run_fmt(capsys, "-") == (0, "define a = x  # é\n", "")
    monkeypatch.setattr("sys.stdin", _Stdin(b"define  a=x"))
    assert run_fmt(capsys, "--check", "-") == (1, "-\n", "")
    monkeypatch.setattr("sys.stdin", _Stdin(b"define a ="))
    code, out, err = run_fmt(capsys, "-")
    assert (code, out) == (1, "")
    assert err.startswith("<stdin>:1:")


def test_fmt_through_the_routekit_command(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, messy: Path
) -> None:
    modules = routekit_cli._SUBCOMMAND_MODULES
    if "_fmt" not in modules:
        monkeypatch.setattr(routekit_cli, "_SUBCOMMAND_MODULES", [*modules, "_fmt"])
    assert routekit_cli.main(["fmt", "--check", str(messy)]) == 1
    assert capsys.readouterr().out == f"{messy}\n"
    assert routekit_cli.main(["fmt", str(messy)]) == 0
    assert routekit_cli.main(["fmt", "--check", str(messy)]) == 0
