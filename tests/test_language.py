"""Focused tests of the rule language and the core API, for what the data corpus cannot say.

The data-driven corpus is in tests/conformance/ (run by test_conformance.py); this file
covers the whole-file examples, error rendering, the size limits of LANGUAGE.md §2, the
decision's JSON form, purity, state round trips, pickling and the host's extensions.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import pickle
import warnings
from pathlib import Path
from typing import Any, Dict, List

import pytest

import routekit
from routekit.errors import RoutekitTypeError, RoutekitValueError

CONFORMANCE = Path(__file__).resolve().parent / "conformance"
SPEC_EXAMPLE = CONFORMANCE / "spec_example.route"
NOW = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.timezone.utc)  # a Monday afternoon
SPEC_ROSTER = [
    {"id": rep} for rep in ("taylor", "jordan", "sam", "alex", "blake", "casey", "riley", "quinn")
]
CONSTRUCTS = CONFORMANCE / "constructs.route"
CONSTRUCTS_ROSTER = [
    {"id": rep}
    for rep in ("taylor", "jordan", "sam@corp.example", "alex", "blake", "casey", "riley", "quinn")
]

DECISION_KEYS = {
    "format",
    "outcome",
    "assignee",
    "route",
    "team",
    "message",
    "url",
    "attributes",
    "score",
    "now",
    "changes",
    "trace",
}


def router_for(text: str, **kwargs: Any) -> routekit.Router:
    """A router over ``text`` with every rep in SPEC_ROSTER, ignoring unrostered-rep warnings."""
    kwargs.setdefault("roster", SPEC_ROSTER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", routekit.RoutekitWarning)
        return routekit.Router(routekit.loads(text, name="test.route"), **kwargs)


def spec_router(**kwargs: Any) -> routekit.Router:
    kwargs.setdefault("roster", SPEC_ROSTER)
    return routekit.Router(routekit.load(SPEC_EXAMPLE), **kwargs)


def load_error(text: str) -> routekit.RoutekitError:
    with pytest.raises(routekit.RoutekitError) as info:
        routekit.loads(text, name="test.route")
    return info.value


# ---- the whole-file examples ---------------------------------------------------------


def test_spec_example_is_the_first_block_of_language_md() -> None:
    """tests/conformance/spec_example.route is LANGUAGE.md §1, copied (CI may lack the spec)."""
    text = SPEC_EXAMPLE.read_text(encoding="utf-8")
    assert text.startswith("# inbound.route")
    for construct in (
        "define west_coast",
        "score {",
        "team enterprise_west",
        "table territory",
        'route "Too small"',
        'route "Known account"',
        "fallback {",
    ):
        assert construct in text


def test_spec_example_loads() -> None:
    plan = routekit.load(SPEC_EXAMPLE)
    assert plan.name == str(SPEC_EXAMPLE)
    assert plan.describe() == {
        "name": str(SPEC_EXAMPLE),
        "routes": ["Too small", "Known account", "Enterprise IT on the West Coast", "Hot leads"],
        "fallback": True,
        "teams": ["enterprise_west", "northeast", "sdr", "west"],
        "tables": ["territory"],
    }
    assert (
        routekit.loads(SPEC_EXAMPLE.read_text(encoding="utf-8")).describe()["routes"]
        == plan.describe()["routes"]
    )


def test_spec_example_routes() -> None:
    router = spec_router(accounts={"acme.com": {"owner": "taylor", "stage": "customer"}})
    tiny = router.decide({"employees": 3}, now=NOW)
    assert (tiny.outcome, tiny.route, tiny.message) == (
        "rejected",
        "Too small",
        "Thanks! Our self-serve plan is a better fit.",
    )
    known = router.decide({"email": "bob@acme.com", "employees": 40}, now=NOW)
    assert (known.outcome, known.assignee, known.route) == ("assigned", "taylor", "Known account")
    nobody = router.decide({}, now=NOW)
    assert (nobody.outcome, nobody.assignee, nobody.route, nobody.team) == (
        "assigned",
        "alex",
        "fallback",
        "sdr",
    )
    assert nobody.score == 0
    free = router.decide({"email": "x@gmail.com", "employees": 5000, "title": "IT"}, now=NOW)
    assert free.score == 30 + 20 - 50


def test_spec_example_enterprise_route_matches() -> None:
    lead = {"email": "halle@acme.example", "employees": 5000, "state": "CA", "title": "VP of IT"}
    decision = spec_router().decide(lead, now=NOW)
    assert decision.route == "Enterprise IT on the West Coast"
    assert decision.outcome == "assigned"
    assert dict(decision.attributes) == {"meeting": "enterprise-intro-45"}
    assert decision.score == 50


def test_spec_expectation_halle_reaches_enterprise() -> None:
    """LANGUAGE.md §9: `assignee in [taylor, jordan, sam]` for Halle."""
    lead = {"email": "halle@acme.example", "employees": 5000, "state": "CA", "title": "VP of IT"}
    now = dt.datetime(2026, 11, 23, 17, 0, tzinfo=dt.timezone.utc)
    decision = spec_router().decide(lead, now=now)
    assert decision.route == "Enterprise IT on the West Coast"
    assert decision.assignee in ("taylor", "jordan", "sam")
    assert decision.team == "enterprise_west"


def test_spec_example_with_the_section_9_expectations_loads() -> None:
    expectations = """
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
    plan = routekit.loads(SPEC_EXAMPLE.read_text(encoding="utf-8") + expectations)
    assert len(plan.expectations) == 2
    # expectations are ignored by Router
    decision = routekit.Router(plan, roster=SPEC_ROSTER).decide({"employees": 3}, now=NOW)
    assert decision.outcome == "rejected"


def test_every_construct_loads() -> None:
    plan = routekit.load(CONSTRUCTS)
    assert plan.describe()["routes"] == [
        "Too small",
        "Students",
        "Known account",
        "Enterprise",
        "Hot",
        "Zips",
        "Catch-all",
    ]
    assert sorted(plan.describe()["tables"]) == ["by_country", "territory", "zips"]
    assert len(plan.expectations) == 3


def test_every_construct_routes() -> None:
    plan = routekit.load(CONSTRUCTS)
    router = routekit.Router(
        plan,
        roster=CONSTRUCTS_ROSTER,
        tables={"zips": {"94105": "riley"}},
        accounts={"acme.com": {"owner": "taylor", "stage": "customer", "tier name": "gold"}},
    )
    tiny = router.decide({"email": "a@acme.example", "employees": 3}, now=NOW)
    assert (tiny.outcome, tiny.route) == ("rejected", "Too small")
    student = router.decide({"email": "kim@mit.edu", "employees": "50"}, now=NOW)
    assert (student.outcome, student.url, dict(student.attributes)) == (
        "redirected",
        "https://example.com/webinar",
        {"reason": "student"},
    )
    known = router.decide({"email": "bob@acme.com", "employees": "1,000"}, now=NOW)
    assert (known.outcome, known.assignee, known.route) == ("assigned", "taylor", "Known account")
    zips = router.decide({"email": "a@b.example", "employees": 40, "zip": "94105"}, now=NOW)
    assert (zips.outcome, zips.assignee, zips.route, zips.team) == (
        "assigned",
        "riley",
        "Zips",
        None,
    )
    # a required field that is missing is the one lead error the schema allows
    with pytest.raises(routekit.LeadError):
        router.decide({"employees": 40}, now=NOW)


def test_an_empty_file_loads_and_routes_nothing() -> None:
    for text in ("", "\n\n", "# only a comment\n", "   \t  "):
        decision = routekit.Router(routekit.loads(text)).decide({"x": 1}, now=NOW)
        assert (decision.outcome, decision.route, decision.assignee) == ("unrouted", None, None)


def test_statements_in_any_order_and_crlf_line_ends() -> None:
    text = (
        "fallback { assign team sdr }\r\n"
        'route "r" when big { assign lookup t }\r\n'
        'table t by lead.state { "CA" -> team sdr }\r\n'
        "define big = lead.n > 5\r\n"
        "team sdr { members alex }\r\n"
    )
    router = router_for(text)
    assert router.decide({"n": 6, "state": "ca"}, now=NOW).route == "r"
    assert router.decide({"n": 1}, now=NOW).route == "fallback"


# ---- errors: every problem at once, and how they are shown ------------------------------


def test_all_semantic_problems_are_reported_at_once() -> None:
    text = (
        "team sdr { members alex weight 0 }\n"  # 1: weight 0
        'route "a" when big { assign team sdrr }\n'  # 2: unknown define, unknown team
        'route "a" { assign rep alex }\n'  # 3: duplicate route name
        'route "b" when lead.x matches "(a+)+" { assign lookup nope }\n'  # 4: unsafe, unknown table
        'route "c" when score > 1 { reject "x" }\n'  # 5: no score block
    )
    error = load_error(text)
    assert type(error) is routekit.RouteError
    lines = [(d.span.line, d.span.column) for d in error.diagnostics]
    assert len(error.diagnostics) >= 7, str(error)
    assert lines == sorted(lines), "diagnostics are listed in file order"
    assert {line for line, _ in lines} == {1, 2, 3, 4, 5}
    rendered = str(error)
    for message in (
        "a weight must be more than 0",
        "there is no define named big",
        "there is no team named sdrr",
        'there are two routes named "a"',
        "could take exponential time",
        "there is no table named nope",
        "`score` is used but the file has no score block",
    ):
        assert message in rendered
    # each problem renders as file:line:col: message, its source line and a caret
    blocks = rendered.split("\n\n")
    assert len(blocks) == len(error.diagnostics)
    for block, diagnostic in zip(blocks, error.diagnostics):
        assert block.startswith(f"test.route:{diagnostic.span.line}:{diagnostic.span.column}: ")
        assert "^" in block


def test_a_syntax_error_has_exactly_one_diagnostic() -> None:
    error = load_error('route "r" when lead.x == { assign rep alex }\nroute "s" when ( { }')
    assert type(error) is routekit.RouteSyntaxError
    assert len(error.diagnostics) == 1


def test_error_attributes_line_column_and_classes() -> None:
    error = load_error('team sdr { members alex }\n\nroute "r" {\n    assign team sdrr\n}\n')
    assert isinstance(error, routekit.RouteError)
    assert isinstance(error, routekit.RoutekitError)
    assert not isinstance(error, routekit.RouteSyntaxError)
    assert (error.line, error.column) == (4, 12)
    assert error.diagnostic.code == "unknown-team"
    assert str(error) == (
        "test.route:4:12: there is no team named sdrr\n"
        "      assign team sdrr\n"
        "             ^^^^^^^^^\n"
        "  did you mean 'sdr'?"
    )
    assert issubclass(routekit.RouteSyntaxError, routekit.RoutekitError)


def test_caret_is_under_the_right_column_after_tabs_and_wide_characters() -> None:
    # a tab before the error: the caret line repeats the tab so the caret lines up
    error = load_error('route "r" {\n\t\tassign team nope\n}')
    source_line, caret_line = str(error).split("\n")[1:3]
    assert source_line == "  \t\tassign team nope"
    assert caret_line == "  \t\t       ^^^^^^^^^"
    assert (error.line, error.column) == (2, 10)
    # columns count characters, not bytes: é and 日本 are one column each
    error = load_error('route "é日本" { assign team nope }')
    assert (error.line, error.column) == (1, 22)
    caret_line = str(error).split("\n")[2]
    assert caret_line.index("^") - 2 == 21


def test_error_at_the_end_of_a_long_line_shows_a_window() -> None:
    padding = " ".join(f"lead.f{i} == {i} or" for i in range(40))
    text = f'route "r" when {padding} lead.x == 1 {{ assign team nope }}'
    error = load_error(text)
    assert error.column == text.index("team nope") + 1
    _, source_line, caret_line = str(error).split("\n")[:3]
    assert len(source_line) <= 210
    shown = caret_line.index("^")
    assert source_line[shown : shown + len("team nope")] == "team nope"


def test_load_names_the_file_in_errors(tmp_path: Path) -> None:
    path = tmp_path / "inbound.route"
    path.write_text('route "r" { assign team nope }\n', encoding="utf-8")
    with pytest.raises(routekit.RouteError) as info:
        routekit.load(path)
    assert str(info.value).startswith(f"{path}:1:20: there is no team named nope")
    with pytest.raises(routekit.RoutekitError) as missing:
        routekit.load(tmp_path / "absent.route")
    assert isinstance(missing.value, ValueError)
    assert "absent.route" in str(missing.value)


def test_loads_refuses_bytes() -> None:
    with pytest.raises(routekit.RoutekitError) as info:
        routekit.loads(b'route "r" { reject "x" }')  # type: ignore[arg-type]
    assert isinstance(info.value, TypeError)


def test_a_nul_character_is_a_syntax_error_at_its_position() -> None:
    error = load_error('route "r" {\n  reject "x"\x00\n}')
    assert type(error) is routekit.RouteSyntaxError
    assert (error.line, error.column) == (2, 13)


def test_error_pickles() -> None:
    error = load_error('route "r" { assign team nope }')
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is routekit.RouteError
    assert str(again) == str(error)


def test_equals_instead_of_double_equals_lists_only_what_can_follow() -> None:
    """The `expected` list names only tokens that can follow; here the hint says it all."""
    error = load_error('route "r" when lead.x = 1 { assign rep alex }')
    first = str(error).split("\n")[0]
    assert first.startswith("test.route:1:23: unexpected `=`")
    for noise in ("`cap`", "`catch_up`", "`define`", "`]`", "`)`", "`,`", "`assignee`"):
        assert noise not in first, first
    assert str(error).endswith("  compare with `==`; `=` is only for define and set")


def test_a_missing_brace_lists_only_what_can_follow() -> None:
    error = load_error(
        'team sdr { members alex, blake strategy round_robin\n\nroute "r" { assign team sdr }'
    )
    first = str(error).split("\n")[0]
    assert first.startswith("test.route:3:1: unexpected `route`: expected one of ")
    assert "`}`" in first
    for noise in ("`assignee`", "`attribute`", "`define`", "`(`", "`]`"):
        assert noise not in first, first


def test_a_number_with_an_exponent_says_numbers_have_no_exponent() -> None:
    error = load_error('route "r" when lead.x == 1e3 { assign rep alex }')
    assert type(error) is routekit.RouteSyntaxError
    assert (error.line, error.column) == (1, 26)
    assert "exponent" in str(error).split("\n")[0]


def test_a_date_time_without_a_zone_says_it_needs_one() -> None:
    error = load_error('route "r" when lead.x >= 2026-01-01T10:00:00 { assign rep alex }')
    assert type(error) is routekit.RouteSyntaxError
    assert error.column == 26
    assert "zone" in str(error).split("\n")[0]


def test_score_used_in_the_score_block_through_a_define_is_an_error() -> None:
    text = (
        "define hot = score >= 10\nscore {\n  10 when lead.x == 1\n  5 when hot\n}\n"
        'route "r" when hot { reject "hot" }'
    )
    error = load_error(text)
    assert type(error) is routekit.RouteError
    assert (error.line, error.column) == (4, 10)
    assert "score" in str(error).split("\n")[0]
    # through a chain of defines too
    error = load_error("define hot = warm\ndefine warm = score >= 10\nscore { 5 when hot }")
    assert type(error) is routekit.RouteError
    assert (error.line, error.column) == (3, 16)


def test_score_through_a_define_outside_the_score_block_works() -> None:
    router = router_for(
        "define hot = score >= 10\nscore { 10 when lead.x == 1 }\n"
        'route "r" when hot { reject "hot" }'
    )
    assert router.decide({"x": 1}, now=NOW).route == "r"


# ---- the limits of §2 -------------------------------------------------------------------


def test_string_limit_64_kib() -> None:
    ok = "x" * (64 * 1024)
    routekit.loads(f'route "r" when lead.x == "{ok}" {{ reject "n" }}')
    error = load_error(f'route "r" when lead.x == "{ok}y" {{ reject "n" }}')
    assert type(error) is routekit.RouteSyntaxError
    assert (error.line, error.column) == (1, 26)
    assert "64 KiB" in str(error)
    # the limit is in UTF-8 bytes: 32 Ki two-byte characters fit, one more does not
    routekit.loads(f'route "r" when lead.x == "{"é" * (32 * 1024)}" {{ reject "n" }}')
    error = load_error(f'route "r" when lead.x == "{"é" * (32 * 1024)}a" {{ reject "n" }}')
    assert type(error) is routekit.RouteSyntaxError


def test_list_limit_100_000_items() -> None:
    """One item too many is a syntax error at that item (a few seconds: 200,000 tokens)."""
    items = ",".join(["1"] * 100_000)
    text = f'route "r" when lead.x in [{items},2] {{ reject "n" }}'
    error = load_error(text)
    assert type(error) is routekit.RouteSyntaxError
    assert str(error).startswith("test.route:1:")
    assert "this list has 100001 items; a list holds at most 100,000" in str(error)
    # at the offending token: the 100,001st item
    assert (error.line, error.column) == (1, text.index(",2]") + 2)


@pytest.mark.skipif(
    not os.environ.get("ROUTEKIT_SLOW_TESTS"),
    reason="slow (~5 s): set ROUTEKIT_SLOW_TESTS=1 to load a 100,000-item list",
)
def test_a_list_of_exactly_100_000_items_loads() -> None:
    items = ",".join(["1"] * 100_000)
    plan = routekit.loads(f'route "r" when lead.x in [{items}] {{ reject "n" }}')
    assert routekit.Router(plan).decide({"x": "1"}, now=NOW).outcome == "rejected"


def test_file_limit_16_mib() -> None:
    limit = 16 * 1024 * 1024
    routekit.loads("#" + "x" * (limit - 1))
    error = load_error("#" + "x" * limit)
    assert type(error) is routekit.RouteSyntaxError
    assert "16 MiB" in str(error)
    # the limit is in bytes: 8 Mi two-byte characters are 16 MiB
    routekit.loads("#" + "é" * ((limit - 1) // 2))
    error = load_error("#" + "é" * (limit // 2))
    assert type(error) is routekit.RouteSyntaxError


def test_name_limit_128_characters() -> None:
    ok = "n" * 128
    routekit.loads(f'define {ok} = lead.x == 1\nroute "r" when {ok} {{ reject "n" }}')
    error = load_error(f'define x = lead.x == 1\nroute "r" when {"n" * 129} {{ reject "n" }}')
    assert type(error) is routekit.RouteSyntaxError
    assert (error.line, error.column) == (2, 16)
    assert "128" in str(error)
    # a field name after `lead.` is a name too
    error = load_error(f'route "r" when lead.{"f" * 129} == 1 {{ reject "n" }}')
    assert type(error) is routekit.RouteSyntaxError
    assert (error.line, error.column) == (1, 21)


@pytest.mark.parametrize("opener, closer", [("(", ")"), ("not ", ""), ("not (", ")")])
def test_nesting_limit_64(opener: str, closer: str) -> None:
    def text(depth: int) -> str:
        return f'route "r" when {opener * depth}lead.x == 1{closer * depth} {{ reject "n" }}'

    plan = routekit.loads(text(64 if opener != "not (" else 32))
    expected = "rejected" if opener.count("not") % 2 == 0 or opener == "(" else None
    decision = routekit.Router(plan).decide({"x": 1}, now=NOW)
    if expected:
        assert decision.outcome == expected
    depth = 65 if opener != "not (" else 33
    error = load_error(text(depth))
    assert type(error) is routekit.RouteSyntaxError
    assert "64" in str(error)
    assert error.line == 1


def test_nesting_limit_counts_not_and_parentheses_together() -> None:
    routekit.loads(
        'route "r" when ' + "not " * 40 + "(" * 24 + "lead.x == 1" + ")" * 24 + ' { reject "n" }'
    )
    error = load_error(
        'route "r" when ' + "not " * 40 + "(" * 25 + "lead.x == 1" + ")" * 25 + ' { reject "n" }'
    )
    assert type(error) is routekit.RouteSyntaxError


def test_a_long_flat_and_chain_is_not_nesting() -> None:
    chain = " and ".join(f"lead.f{i} is missing" for i in range(2000))
    plan = routekit.loads(f'route "r" when {chain} {{ reject "n" }}')
    assert routekit.Router(plan).decide({}, now=NOW).outcome == "rejected"


# ---- the decision ----------------------------------------------------------------------


def test_to_dict_is_json_ready_with_stable_keys() -> None:
    router = spec_router()
    lead = {"email": "halle@acme.example", "employees": 5000, "state": "CA", "title": "VP of IT"}
    decision = router.decide(lead, now=NOW)
    data = decision.to_dict()
    assert set(data) == DECISION_KEYS
    assert data["format"] == 1
    assert data["now"] == "2026-01-05T15:00:00+00:00"
    assert data["attributes"] == {"meeting": "enterprise-intro-45"}
    assert set(data["trace"]) == {"format", "events"}
    for event in data["trace"]["events"]:
        assert {"kind", "message", "depth"} <= set(event)
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    # every outcome's dict has the same keys
    for other in ({"employees": 3}, {}, {"employees": "lots"}):
        assert set(router.decide(other, now=NOW).to_dict()) == DECISION_KEYS


def test_to_dict_renders_dates_and_decimals() -> None:
    router = router_for(
        "score { 2.5 when lead.x == 1 }\n"
        'route "r" { reject "x" set day = 2026-12-24 '
        "set at = 2026-12-24T09:00:00+02:00 set d = 0.25 }"
    )
    data = router.decide({"x": 1}, now=NOW).to_dict()
    assert data["attributes"] == {"day": "2026-12-24", "at": "2026-12-24T09:00:00+02:00", "d": 0.25}
    assert data["score"] == 2.5
    json.dumps(data, allow_nan=False)


def test_to_dict_of_an_assignment_lists_the_changes() -> None:
    router = router_for('team sdr { members alex, blake }\nroute "r" { assign team sdr }')
    data = router.decide({}, now=NOW).to_dict()
    assert data["outcome"] == "assigned"
    assert [c["team"] for c in data["changes"]] == ["sdr"]
    assert data["changes"][0]["member"] == "alex"
    json.dumps(data, allow_nan=False)


def test_explain_names_every_route_tried_and_no_other() -> None:
    text = (
        'route "first" when lead.x == 1 { reject "1" }\n'
        'route "second" when lead.y == 1 { reject "2" }\n'
        'route "third" when lead.z == 1 { reject "3" }\n'
        'route "fourth" { reject "4" }\n'
        'fallback { reject "f" }'
    )
    router = router_for(text)
    explained = router.decide({"z": 1}, now=NOW).explain()
    for name in ("first", "second", "third"):
        assert f'"{name}"' in explained
    assert '"fourth"' not in explained
    assert explained.splitlines()[0] == 'rejected by route "third": 3'
    route_events = [
        e
        for e in router.decide({"z": 1}, now=NOW).to_dict()["trace"]["events"]
        if e["kind"] == "route"
    ]
    assert [(e["route"], e["result"]) for e in route_events] == [
        ("first", "unknown"),
        ("second", "unknown"),
        ("third", "true"),
    ]
    # when nothing matches, every route is named, then the fallback
    explained = (
        router_for(text.replace('route "fourth" { reject "4" }\n', ""))
        .decide({}, now=NOW)
        .explain()
    )
    for name in ("first", "second", "third"):
        assert f'"{name}"' in explained
    assert "fallback" in explained


def test_explain_names_the_reason_for_unknown() -> None:
    explained = (
        router_for('route "r" when lead.n > 5 { reject "x" }')
        .decide({"n": "lots"}, now=NOW)
        .explain()
    )
    assert "'lots' is not a number" in explained


def test_decision_equality_and_determinism() -> None:
    router = spec_router()
    lead = {"email": "halle@acme.example", "employees": 5000, "state": "CA", "title": "VP of IT"}
    first = router.decide(lead, now=NOW)
    second = router.decide(copy.deepcopy(lead), now=NOW)
    assert first == second
    assert first.to_dict() == second.to_dict()
    assert first.explain() == second.explain()


def test_decide_is_pure() -> None:
    router = router_for('team sdr { members alex, blake, casey }\nroute "r" { assign team sdr }')
    state = routekit.MemoryState()
    for _ in range(4):
        router.route({}, now=NOW, state=state)
    snapshot = state.snapshot()
    before = copy.deepcopy(snapshot)
    lead = {"x": [1, {"y": 2}], "s": " text "}
    lead_before = copy.deepcopy(lead)
    decisions = [router.decide(lead, now=NOW, snapshot=snapshot) for _ in range(3)]
    assert snapshot == before
    assert lead == lead_before
    assert state.snapshot() == before
    assert decisions[0] == decisions[1] == decisions[2]
    assert decisions[0].assignee == "blake"
    # decide on a snapshot agrees with route on a state restored from it
    restored = routekit.MemoryState.restore(before)
    assert router.route(lead, now=NOW, state=restored) == decisions[0]


def test_a_naive_now_is_an_error_that_is_also_a_value_error() -> None:
    router = router_for('route "r" { reject "x" }')
    naive = dt.datetime(2026, 1, 5, 15, 0)
    for call in (
        lambda: router.decide({}, now=naive),
        lambda: router.route({}, now=naive, state=routekit.MemoryState()),
    ):
        with pytest.raises(routekit.RoutekitError) as info:
            call()
        assert isinstance(info.value, ValueError)
    with pytest.raises(routekit.RoutekitError) as info:
        router.decide({}, now="2026-01-05T15:00:00Z")  # type: ignore[arg-type]
    assert isinstance(info.value, TypeError)


@pytest.mark.parametrize("lead", [None, [("x", 1)], "x=1", 5, {1, 2}, b"{}"])
def test_a_lead_that_is_not_a_mapping_is_a_lead_error(lead: Any) -> None:
    router = router_for('route "r" { reject "x" }')
    with pytest.raises(routekit.LeadError) as info:
        router.decide(lead, now=NOW)
    assert isinstance(info.value, routekit.RoutekitError)
    assert isinstance(info.value, ValueError)


def test_lead_keys_that_are_not_text_are_ignored_with_a_note() -> None:
    router = router_for(
        'route "ny" when lead.state == "NY" { reject "ny" }\n'
        'route "one" when lead["1"] == "x" { reject "1" }'
    )
    decision = router.decide({1: "x", ("state",): "NY", None: 2, "state": "ny"}, now=NOW)
    assert decision.route == "ny"
    explained = decision.explain()
    assert "ignored keys that are not text" in explained
    json.dumps(decision.to_dict(), allow_nan=False)
    # the number key 1 is not the text key "1"
    decision = router.decide({1: "x"}, now=NOW)
    assert decision.outcome == "unrouted"


def test_a_mapping_that_is_not_a_dict_is_a_lead() -> None:
    from types import MappingProxyType

    router = router_for('route "r" when lead.x == 1 { reject "x" }')
    assert router.decide(MappingProxyType({"x": "1"}), now=NOW).outcome == "rejected"


# ---- state -------------------------------------------------------------------------------


def test_memory_state_snapshot_restore_json_round_trip() -> None:
    router = router_for(
        "team sdr { members alex, blake, casey }\nteam west { members taylor, jordan }\n"
        'route "w" when lead.west == true { assign team west }\nfallback { assign team sdr }'
    )
    state = routekit.MemoryState()
    picks = [
        router.route({"west": i % 3 == 0}, now=NOW + dt.timedelta(hours=i), state=state).assignee
        for i in range(7)
    ]
    assert picks == ["taylor", "alex", "blake", "jordan", "casey", "alex", "taylor"]
    snapshot = state.snapshot()
    assert isinstance(snapshot["version"], int) and snapshot["version"] == 7
    text = json.dumps(snapshot, allow_nan=False)
    restored = routekit.MemoryState.restore(json.loads(text))
    assert restored == state
    assert restored.snapshot() == snapshot
    for i in range(5):
        lead = {"west": i % 2 == 0}
        assert router.route(lead, now=NOW, state=restored) == router.route(
            lead, now=NOW, state=state
        )
    assert restored.snapshot() == state.snapshot()
    # the snapshot handed out is a copy
    snapshot["teams"].clear()
    assert state.snapshot()["teams"]


def test_memory_state_refuses_a_bad_snapshot() -> None:
    for bad in ({"format": 99, "version": 0, "teams": {}}, {"version": -1}, {"teams": []}):
        with pytest.raises(routekit.RoutekitError):
            routekit.MemoryState.restore(bad)


# ---- pickling ----------------------------------------------------------------------------


def test_plan_pickles_and_routes_the_same() -> None:
    plan = routekit.load(SPEC_EXAMPLE)
    again = pickle.loads(pickle.dumps(plan))
    assert again.describe() == plan.describe()
    first = routekit.Router(plan, roster=SPEC_ROSTER, accounts={"acme.com": {"owner": "taylor"}})
    second = routekit.Router(again, roster=SPEC_ROSTER, accounts={"acme.com": {"owner": "taylor"}})
    leads: List[Dict[str, Any]] = [
        {},
        {"employees": 3},
        {"email": "a@acme.com"},
        {"employees": "5,000", "state": "ca", "title": "IT"},
        {"email": "x@gmail.com", "source": "referral"},
    ]
    for lead in leads:
        assert first.decide(lead, now=NOW).to_dict() == second.decide(lead, now=NOW).to_dict()


def is_partner(email: Any) -> bool:
    return isinstance(email, str) and email.strip().lower().endswith("@partner.example")


def accounts_lookup(domain: str) -> Any:
    return {"owner": "taylor"} if domain == "acme.com" else None


def test_router_with_module_level_host_callables_pickles() -> None:
    text = (
        "table zips by lead.zip from host\n"
        'route "p" when is_partner(lead.email) { assign rep alex }\n'
        'route "a" when account is present { assign account.owner }\n'
        'route "z" { assign lookup zips }'
    )
    router = router_for(
        text,
        functions={"is_partner": is_partner},
        accounts=accounts_lookup,
        tables={"zips": {"94105": "blake"}},
    )
    again = pickle.loads(pickle.dumps(router))
    for lead in ({"email": "x@partner.example"}, {"email": "x@acme.com"}, {"zip": "94105"}, {}):
        assert again.decide(lead, now=NOW) == router.decide(lead, now=NOW)


def test_router_with_a_lambda_cannot_be_pickled_and_says_so() -> None:
    router = router_for(
        'route "p" when is_partner(lead.email) { assign rep alex }',
        functions={"is_partner": lambda email: True},
    )
    with pytest.raises(routekit.RoutekitError) as info:
        pickle.dumps(router)
    assert "is_partner" in str(info.value)
    assert "lambda" in str(info.value)


def test_router_with_a_local_function_cannot_be_pickled_and_says_so() -> None:
    def local_partner(email: Any) -> bool:
        return True

    router = router_for(
        'route "p" when is_partner(lead.email) { assign rep alex }',
        functions={"is_partner": local_partner},
    )
    with pytest.raises(routekit.RoutekitError) as info:
        pickle.dumps(router)
    assert "is_partner" in str(info.value)


def test_router_with_a_lambda_accounts_callable_cannot_be_pickled() -> None:
    router = router_for(
        'route "a" when account is present { assign account.owner }', accounts=lambda domain: None
    )
    with pytest.raises(routekit.RoutekitError) as info:
        pickle.dumps(router)
    assert "accounts" in str(info.value)


# ---- host functions ----------------------------------------------------------------------


def raises(value: Any) -> bool:
    raise RuntimeError("kaput")


def returns_object(value: Any) -> Any:
    return object()


def returns_text(value: Any) -> Any:
    return "yes"


def two_args(a: Any, b: Any) -> bool:
    return True


def test_host_functions_are_called() -> None:
    router = router_for(
        'route "p" when is_partner(lead.email) { assign rep alex }\nfallback { assign rep blake }',
        functions={"is_partner": is_partner},
    )
    assert router.decide({"email": "bob@PARTNER.example "}, now=NOW).assignee == "alex"
    assert router.decide({"email": "bob@acme.com"}, now=NOW).assignee == "blake"


def test_host_function_names_are_checked_at_router() -> None:
    plan = routekit.loads(
        'route "p" when is_partner(lead.email) { assign rep alex }', name="test.route"
    )
    with pytest.raises(routekit.RouteError) as info:
        routekit.Router(plan)
    assert str(info.value).startswith("test.route:1:16: there is no function named is_partner")
    with pytest.raises(routekit.RouteError) as info:
        routekit.Router(plan, functions={"is_partnr": is_partner})
    assert "did you mean 'is_partnr'?" in str(info.value)


def test_host_function_arity_is_checked_at_router() -> None:
    plan = routekit.loads(
        'route "p" when is_partner(lead.email) { assign rep alex }', name="test.route"
    )
    with pytest.raises(routekit.RouteError) as info:
        routekit.Router(plan, functions={"is_partner": two_args})
    assert "is_partner() cannot be called with 1 argument" in str(info.value)


def test_a_builtin_cannot_be_replaced() -> None:
    plan = routekit.loads('route "p" { reject "x" }')
    with pytest.raises(routekit.RoutekitError) as info:
        routekit.Router(plan, functions={"lower": str.upper})
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "function, reason",
    [(raises, "raised RuntimeError: kaput"), (returns_object, "which a rule cannot use")],
)
def test_a_host_function_that_fails_is_unknown_with_the_reason(function: Any, reason: str) -> None:
    router = router_for(
        'route "p" when check(lead.email) { assign rep alex }\n'
        'route "q" when not check(lead.email) { assign rep blake }\n'
        "fallback { assign rep casey }",
        functions={"check": function},
    )
    decision = router.decide({"email": "a@b.example"}, now=NOW)
    assert (decision.outcome, decision.assignee, decision.route) == (
        "assigned",
        "casey",
        "fallback",
    )
    assert reason in decision.explain()
    results = [e["result"] for e in decision.to_dict()["trace"]["events"] if e["kind"] == "route"]
    assert results == ["unknown", "unknown"]


def test_a_host_function_returning_text_as_a_test_is_unknown() -> None:
    router = router_for(
        'route "p" when check(lead.email) { assign rep alex }', functions={"check": returns_text}
    )
    decision = router.decide({"email": "a@b.example"}, now=NOW)
    assert decision.outcome == "unrouted"
    assert "not true or false" in decision.explain()


def test_free_email_domains_extend_the_shipped_list() -> None:
    text = 'route "free" when free_email(lead.email) { reject "free" }'
    assert router_for(text).decide({"email": "a@corp-mail.example"}, now=NOW).outcome == "unrouted"
    router = router_for(text, free_email_domains=["corp-mail.example"])
    assert router.decide({"email": "a@CORP-MAIL.example"}, now=NOW).outcome == "rejected"
    assert router.decide({"email": "a@gmail.com"}, now=NOW).outcome == "rejected"


# ---- host tables --------------------------------------------------------------------------


HOST_TABLES = (
    "table zips by lead.zip from host\n"
    "table pairs by (lead.country, lead.state) from host\n"
    "team sdr { members alex, blake }\n"
    'route "z" when lead.zip is present { assign lookup zips else rep casey }\n'
    'route "p" { assign lookup pairs else rep sam }\n'
)


def test_host_tables() -> None:
    router = router_for(
        HOST_TABLES,
        tables={
            "zips": {"94105": "taylor", " 02134 ": {"team": "sdr"}, 10001: "jordan"},
            "pairs": {("US", "CA"): "riley", ("DE", 1): {"team": "sdr"}},
        },
    )

    def pick(lead: Dict[str, Any]) -> Any:
        decision = router.decide(lead, now=NOW)
        return decision.assignee, decision.route, decision.team

    assert pick({"zip": "94105"}) == ("taylor", "z", None)
    assert pick({"zip": "02134"}) == ("alex", "z", "sdr")
    assert pick({"zip": "2134"}) == ("casey", "z", None)  # text against text: zip codes differ
    assert pick({"zip": 10001}) == ("jordan", "z", None)
    assert pick({"zip": "10001"}) == ("jordan", "z", None)
    assert pick({"zip": "99999"}) == ("casey", "z", None)
    assert pick({"country": "us", "state": " ca"}) == ("riley", "p", None)
    assert pick({"country": "DE", "state": "1"}) == ("alex", "p", "sdr")
    assert pick({"country": "FR", "state": "x"}) == ("sam", "p", None)
    assert pick({}) == ("sam", "p", None)


def test_host_tables_are_checked_at_router() -> None:
    plan = routekit.loads(HOST_TABLES)
    warnings.simplefilter("ignore", routekit.RoutekitWarning)
    with pytest.raises(routekit.RoutekitError) as info:
        routekit.Router(plan, tables={"zips": {}})
    assert "pairs" in str(info.value)
    with pytest.raises(routekit.RoutekitError) as info:
        routekit.Router(plan, tables={"zips": {}, "pairs": {}, "zipz": {}})
    assert "did you mean 'zips'?" in str(info.value)
    with pytest.raises(routekit.RoutekitError):
        routekit.Router(plan, tables={"zips": {"1": {"team": "nope"}}, "pairs": {}})
    with pytest.raises(routekit.RoutekitError):
        routekit.Router(plan, tables={"zips": {"1": 5}, "pairs": {}})
    with pytest.raises(routekit.RoutekitError):
        routekit.Router(plan, tables={"zips": {}, "pairs": {"US": "alex"}})
    with pytest.raises(routekit.RoutekitError):
        routekit.Router(plan, tables={"zips": {"CA": "a", " ca": "b"}, "pairs": {}})


def test_host_table_keys_equal_under_equality_are_refused() -> None:
    plan = routekit.loads(HOST_TABLES)
    with pytest.raises(routekit.RoutekitError):
        routekit.Router(
            plan, roster=SPEC_ROSTER, tables={"zips": {"1": "alex", 1: "blake"}, "pairs": {}}
        )


def test_a_router_with_host_tables_pickles() -> None:
    router = router_for(
        HOST_TABLES,
        tables={
            "zips": {"94105": "taylor", "02134": {"team": "sdr"}},
            "pairs": {("US", "CA"): "riley"},
        },
    )
    again = pickle.loads(pickle.dumps(router))
    for lead in ({"zip": "94105"}, {"zip": "02134"}, {"country": "US", "state": "CA"}, {}):
        assert again.decide(lead, now=NOW) == router.decide(lead, now=NOW)


# ---- the roster -----------------------------------------------------------------------------


def test_reps_named_but_not_rostered_warn_at_router() -> None:
    plan = routekit.loads(
        'team sdr { members alex, ghost }\nroute "r" { assign rep phantom else team sdr }'
    )
    with pytest.warns(routekit.RoutekitWarning) as caught:
        router = routekit.Router(plan, roster=[{"id": "alex"}])
    message = " ".join(str(w.message) for w in caught)
    assert "ghost" in message and "phantom" in message
    decision = router.decide({}, now=NOW)
    assert decision.assignee == "alex"
    assert "phantom: not in roster" in decision.explain()


def test_with_roster_shares_the_rules() -> None:
    router = router_for(
        'route "r" { assign rep alex else rep blake }', roster=[{"id": "alex"}, {"id": "blake"}]
    )
    assert router.decide({}, now=NOW).assignee == "alex"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", routekit.RoutekitWarning)
        other = router.with_roster([{"id": "blake"}])
    assert other.plan is router.plan
    assert other.decide({}, now=NOW).assignee == "blake"
    assert router.decide({}, now=NOW).assignee == "alex"


def test_api_misuse_errors_are_routekit_errors() -> None:
    with pytest.raises(RoutekitTypeError):
        routekit.Router("route x")  # type: ignore[arg-type]
    router = router_for('route "r" { reject "x" }')
    with pytest.raises(routekit.RoutekitError):
        router.route({}, now=NOW, state={})  # type: ignore[arg-type]
    with pytest.raises(RoutekitValueError):
        router.decide({}, now=NOW, snapshot={"format": 2})


# ---- values a host may hand over: bad leads never raise (LANGUAGE.md §8) ---------------------

ALL_TESTS = (
    'route "eq" when lead.v == 5 { reject "eq" }\n'
    'route "ge" when lead.v >= 1000 { reject "ge" }\n'
    'route "in" when lead.v in [1, "x"] { reject "in" }\n'
    'route "has" when lead.v contains "1" { reject "has" }\n'
    'route "pre" when lead.v starts with "1" { reject "pre" }\n'
    'route "re" when lead.v matches "1+" { reject "re" }\n'
    'route "len" when len(lead.v) > 3 { reject "len" }\n'
    'table t by lead.v { "x" -> rep alex  1 -> rep blake  else -> rep casey }\n'
    'route "tab" { assign lookup t }\n'
)


def _decide_all_the_way(router: routekit.Router, lead: Dict[str, Any]) -> routekit.Decision:
    decision = router.decide(lead, now=NOW)
    decision.explain()
    json.dumps(decision.to_dict(), allow_nan=False)
    return decision


@pytest.mark.parametrize(
    "lead",
    [{"v": 10**5000}, {"v": -(10**5000)}, {"v": [10**5000]}],
    ids=["huge", "huge-negative", "in-a-list"],
)
def test_a_huge_integer_in_a_lead_never_raises(lead: Dict[str, Any]) -> None:
    decision = _decide_all_the_way(router_for(ALL_TESTS), lead)
    if isinstance(lead["v"], int) and lead["v"] > 0:
        assert decision.route == "ge"


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_a_deeply_nested_list_in_a_lead_never_raises(depth: int) -> None:
    value: Any = "1"
    for _ in range(depth):
        value = [value]
    decision = _decide_all_the_way(router_for(ALL_TESTS), {"v": value})
    assert decision.route == "tab"


def test_a_deeply_nested_mapping_in_a_lead_never_raises() -> None:
    value: Any = "1"
    for _ in range(100_000):
        value = {"w": value}
    router = router_for(ALL_TESTS + 'route "deep" when lead.v.w.w is present { reject "deep" }')
    decision = _decide_all_the_way(router, {"v": value})
    assert decision.route == "tab"


def test_a_signalling_nan_as_a_table_key_takes_the_else_row() -> None:
    from decimal import Decimal

    decision = _decide_all_the_way(router_for(ALL_TESTS), {"v": Decimal("sNaN")})
    assert (decision.route, decision.assignee) == ("tab", "casey")


@pytest.mark.parametrize(
    "value",
    [
        10**4000,
        1e308,
        float("inf"),
        float("nan"),
        "9" * 5000,
        "x" * 1_000_000,
        b"bytes",
        {1, 2},
        object(),
        dt.time(9, 0),
        dt.datetime(2026, 1, 1),
        dt.date(2026, 1, 1),
        1j,
        ("x", 1),
    ],
    ids=lambda v: type(v).__name__,
)
def test_odd_python_values_in_a_lead_never_raise(value: Any) -> None:
    decision = _decide_all_the_way(router_for(ALL_TESTS), {"v": value})
    assert decision.outcome in ("assigned", "rejected")


# ---- the trace is the decision's own story ---------------------------------------------------


def test_the_trace_does_not_change_when_the_host_changes_the_lead_afterwards() -> None:
    router = router_for(
        'route "r" when lead.company.size > 100 { reject "big" }\n'
        'route "k" when lead.tags contains "vip" { reject "vip" }\n'
        'fallback { reject "small" }'
    )
    lead = {"company": {"size": 500}, "tags": ["vip"]}
    decision = router.decide(lead, now=NOW)
    expected = router.decide(copy.deepcopy(lead), now=NOW).explain()
    lead["company"]["size"] = 5
    lead["tags"].clear()
    assert decision.route == "r"
    assert decision.explain() == expected
    assert [e["result"] for e in decision.to_dict()["trace"]["events"] if e["kind"] == "route"] == [
        "true"
    ]


def test_the_trace_does_not_change_when_the_host_changes_the_snapshot_afterwards() -> None:
    router = router_for('team sdr { members alex, blake, casey }\nroute "r" { assign team sdr }')
    state = routekit.MemoryState()
    router.route({}, now=NOW, state=state)
    snapshot = state.snapshot()
    decision = router.decide({}, now=NOW, snapshot=snapshot)
    expected = router.decide({}, now=NOW, snapshot=copy.deepcopy(snapshot)).explain()
    snapshot["teams"]["sdr"]["strategies"]["round_robin"]["last"] = "blake"
    assert decision.assignee == "blake"
    assert decision.explain() == expected


def test_the_trace_does_not_change_when_the_host_changes_its_accounts_afterwards() -> None:
    accounts = {"acme.com": {"owner": "taylor"}}
    router = router_for(
        'route "a" when account is present { assign account.owner }', accounts=accounts
    )
    decision = router.decide({"email": "x@acme.com"}, now=NOW)
    accounts["acme.com"]["owner"] = "jordan"
    assert decision.assignee == "taylor"
    assert "the account owner is taylor" in decision.explain()
    assert "jordan" not in decision.explain()
