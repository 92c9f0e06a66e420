"""`routekit.lint` and ``routekit check``: each finding's exact wording, no false alarms on the
examples, the shadowing rules case by case, and a property that shadowing and impossibility
are only ever claimed when no lead could prove them wrong."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import re
import sys
import types
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import routekit
from routekit import cli
from routekit.cli._common import CliError
from routekit.errors import Diagnostic, RoutekitError
from routekit.lint import CODES, lint

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "inbound.route"
EXAMPLE_ROSTER = ROOT / "examples" / "inbound.roster.json"
NOW = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.timezone.utc)

# LANGUAGE.md §1, byte for byte (tests/conformance/spec_example.route).
SPEC_EXAMPLE = (Path(__file__).resolve().parent / "conformance" / "spec_example.route").read_text(
    encoding="utf-8"
)

SPEC_REPS = ["taylor", "jordan", "sam", "alex", "blake", "casey", "riley", "quinn"]

FALLBACK_NOTE = (
    "fallback-catches",
    "the fallback catches the leads no route matches; the routes test lead.employees, "
    "account, lead.state, lead.title, and score",
)


def check(text: str, roster_ids: Optional[Sequence[str]] = None) -> List[Diagnostic]:
    return lint(routekit.loads(text, "t.route"), roster_ids=roster_ids)


def found(text: str, roster_ids: Optional[Sequence[str]] = None) -> List[Tuple[str, str]]:
    return [(d.code, d.message) for d in check(text, roster_ids)]


def warnings_of(text: str) -> List[Tuple[str, str]]:
    return [(d.code, d.message) for d in check(text) if d.severity == "warning"]


def routes(*conditions: str) -> str:
    """Rules with one route per condition, named A, B, C... ('' for a route with no when)."""
    lines = ["team sdr { members alex }"]
    for name, condition in zip("ABCDEFGH", conditions):
        when = f" when {condition}" if condition else ""
        lines.append(f'route "{name}"{when} {{ assign team sdr }}')
    return "\n".join(lines) + "\n"


def shadowed(*conditions: str) -> List[str]:
    return [m for code, m in found(routes(*conditions)) if code == "shadowed-route"]


# ---- no false alarms -----------------------------------------------------------------------


def test_the_spec_example_has_only_the_fallback_note() -> None:
    # territory is used by "Hot leads"; west and northeast are used by the table.
    assert found(SPEC_EXAMPLE, roster_ids=SPEC_REPS) == [FALLBACK_NOTE]
    (note,) = check(SPEC_EXAMPLE)
    assert note.severity == "info"
    assert note.hint == (
        "every lead reaching it has lead.employees missing, not a number, or >= 10"
    )


def test_the_inbound_example_has_only_the_fallback_note() -> None:
    plan = routekit.load(EXAMPLE)
    ids = [rep["id"] for rep in json.loads(EXAMPLE_ROSTER.read_text(encoding="utf-8"))]
    assert [(d.code, d.message) for d in lint(plan, roster_ids=ids)] == [FALLBACK_NOTE]


def test_every_code_has_a_severity_and_a_section_in_the_docs() -> None:
    docs = (ROOT / "docs" / "check.md").read_text(encoding="utf-8")
    for code, severity in CODES.items():
        assert severity in ("warning", "info")
        assert f"`{code}`" in docs


def test_each_docs_example_gives_the_finding_it_documents() -> None:
    docs = (ROOT / "docs" / "check.md").read_text(encoding="utf-8")
    sections = re.findall(r"^### (.+?)\n(.*?)```route\n(.*?)```", docs, re.S | re.M)
    assert len(sections) == 7
    for title, _, rules in sections:
        codes = {d.code for d in check(rules, roster_ids=["alex", "blake", "taylor"])}
        for code in re.findall(r"`([a-z-]+)`", title):
            assert code in codes, (title, codes)


# ---- shadowing -------------------------------------------------------------------------------


def test_a_narrower_route_after_a_wider_one_is_shadowed() -> None:
    assert found(routes("lead.employees >= 500", "lead.employees >= 1000")) == [
        (
            "shadowed-route",
            'route "B" can never match: every lead it matches is caught first by route "A" '
            "(line 2)",
        )
    ]
    plan = routekit.loads(routes("lead.employees >= 500", "lead.employees >= 1000"), "t.route")
    (finding,) = lint(plan)
    assert finding.severity == "warning"
    assert finding.hint == 'move it above route "A", or narrow route "A"'
    assert finding.render(plan.source) == (
        't.route:3:7: route "B" can never match: every lead it matches is caught first by '
        'route "A" (line 2)\n'
        '  route "B" when lead.employees >= 1000 { assign team sdr }\n'
        "        ^^^\n"
        '  move it above route "A", or narrow route "A"'
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("lead.employees >= 500", "lead.employees >= 1000"),
        ('lead.state in ["CA", "OR"]', 'lead.state == "ca"'),
        ('lead.state in ["CA", "OR"]', 'lead.state == "  Or "'),
        ("lead.employees >= 10 and lead.employees < 100", "lead.employees between 20 and 50"),
        ("lead.employees between 10 and 100", "lead.employees >= 10 and lead.employees <= 100"),
        ('lead.state != "CA"', 'lead.state == "NY"'),
        ('lead.state not in ["CA", "NY"]', 'lead.state in ["TX", "OH"]'),
        ("lead.state is present", 'lead.state == "NY"'),
        ("lead.employees is present", "lead.employees < 3"),
        ("lead.state is missing", "lead.state is missing and lead.employees > 5"),
        ("not (lead.employees < 500)", "lead.employees >= 1000"),
        ("lead.employees > 5", "lead.employees == 6"),
        ("lead.employees != 5", "lead.employees in [1, 2, 3]"),
        ("lead.employees < 10", 'lead.employees < 10 and lead.title contains "IT"'),
        ("lead.employees < 10", 'lead.employees < 5 and (lead.x == 1 or lead.y == "z")'),
        ("lead.trial == true", 'lead.trial == true and lead.state == "CA"'),
        ("lead.trial != false", "lead.trial == true"),
        ("lead.signed_up >= 2026-01-01", "lead.signed_up between 2026-02-01 and 2026-03-01"),
        ("", "lead.employees < 10"),
        ("", "account is present"),
    ],
)
def test_shadowed(first: str, second: str) -> None:
    assert len(shadowed(first, second)) == 1


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("lead.employees >= 1000", "lead.employees >= 500"),
        ('lead.state == "CA"', 'lead.state in ["CA", "NY"]'),
        ("lead.employees > 10", "lead.employees >= 10"),
        ("lead.employees < 10", "lead.employees <= 10"),
        ('lead.state != "CA"', "lead.state is present"),
        ('lead.state == "CA" or lead.employees > 5', 'lead.state == "CA"'),
        ('lead.state == "CA" or lead.state == "NY"', 'lead.state == "NY"'),
        ('lead.title contains "IT"', 'lead.title contains "IT"'),
        ("account is present", "account is present"),
        ("free_email(lead.email)", "free_email(lead.email)"),
        ("lead.a == lead.b", "lead.a == lead.b"),
        # Text that reads as a number equals numbers too: outside what is modelled.
        ('lead.zip == "02134"', 'lead.zip == "02134"'),
        ('lead.employees == "5"', "lead.employees == 5"),
        ("lead.employees < 10", "lead.size < 5"),
        ("lead.employees < 10", 'lead.employees == "3"'),
        ('lead.state == "CA"', 'lead.region == "CA"'),
        ("not (lead.employees between 10 and 20)", "lead.employees > 30"),
        ("lead.a.b == 1", "lead.a == 1"),
    ],
)
def test_not_shadowed(first: str, second: str) -> None:
    assert shadowed(first, second) == []


def test_score_and_account_are_never_reasoned_about() -> None:
    text = "score { 10 when lead.x == 1 }\n" + routes("score >= 80", "score >= 90")
    assert [c for c, _ in found(text)] == []


def test_the_first_route_that_catches_everything_is_named() -> None:
    assert shadowed("lead.x >= 1", "lead.x >= 2", "lead.x >= 3") == [
        'route "B" can never match: every lead it matches is caught first by route "A" (line 2)',
        'route "C" can never match: every lead it matches is caught first by route "A" (line 2)',
    ]


def test_defines_are_expanded() -> None:
    text = (
        "define enterprise = lead.employees >= 500\n"
        'define west = lead.state in ["CA", "OR"]\n'
        "define big_west = enterprise and west\n"
        + routes("big_west", 'lead.employees >= 5000 and lead.state == "ca"')
    )
    assert [c for c, _ in found(text)] == ["shadowed-route"]


def test_a_route_without_when_shadows_every_later_route_and_the_fallback() -> None:
    text = routes("lead.x == 1", "", "lead.y == 2") + "fallback { assign team sdr }\n"
    assert warnings_of(text) == [
        (
            "shadowed-route",
            'route "C" can never match: route "B" (line 3) has no condition and catches '
            "every lead first",
        ),
        (
            "shadowed-fallback",
            'the fallback can never run: route "B" (line 3) has no condition and catches '
            "every lead first",
        ),
    ]
    by_code = {d.code: d for d in check(text)}
    assert by_code["shadowed-route"].hint == 'move route "B" to the end, or give it a condition'
    assert by_code["shadowed-fallback"].hint == (
        'remove the fallback, or give route "B" a condition'
    )
    assert "fallback-catches" not in by_code


# ---- impossible conditions -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "why", "hint"),
    [
        (
            "lead.employees < 10 and lead.employees > 500",
            "`lead.employees < 10` and `lead.employees > 500` cannot both be true",
            "did you mean `or`?",
        ),
        (
            'lead.state == "CA" and lead.state == "NY"',
            '`lead.state == "CA"` and `lead.state == "NY"` cannot both be true',
            "did you mean `or`?",
        ),
        (
            "lead.x is missing and lead.x == 1",
            "`lead.x is missing` and `lead.x == 1` cannot both be true",
            "a test of a missing field is unknown, never true; only `is missing` holds",
        ),
        (
            "lead.x between 10 and 5",
            "`lead.x between 10 and 5` is never true",
            "write the lower bound first: `between LOW and HIGH`",
        ),
        (
            'lead.phone == ""',
            '`lead.phone == ""` is never true',
            "blank text counts as missing: write `is missing`",
        ),
        (
            'lead.s in ["CA", "NY"] and lead.s != "ca" and lead.s not in [" ny"] and lead.t == 1',
            '`lead.s in ["CA", "NY"]`, `lead.s != "ca"`, and `lead.s not in [" ny"]` '
            "cannot all be true",
            "did you mean `or`?",
        ),
        (
            "lead.x >= 5 and lead.x < 5",
            "`lead.x >= 5` and `lead.x < 5` cannot both be true",
            "did you mean `or`?",
        ),
        (
            "lead.x == true and not (lead.x != false)",
            "`lead.x == true` and `not (lead.x != false)` cannot both be true",
            "did you mean `or`?",
        ),
    ],
)
def test_impossible_route(condition: str, why: str, hint: str) -> None:
    (finding,) = [d for d in check(routes(condition)) if d.severity == "warning"]
    assert (finding.code, finding.message) == (
        "impossible-condition",
        f'route "A" can never match: {why}',
    )
    assert finding.hint == hint


@pytest.mark.parametrize(
    "condition",
    [
        "lead.x > 5 and lead.x < 6",
        "lead.x >= 5 and lead.x <= 5",
        "lead.x != 5 and lead.x >= 5 and lead.x <= 6",
        # "5" and "5.0" are different text but the same number: x = 5 makes both true.
        'lead.x == "5" and lead.x == "5.0"',
        'lead.x == "CA" and lead.x > 5',
        'lead.x == "CA" and lead.x is present',
        "lead.x is missing and lead.y == 1",
        "lead.x == true and lead.x != false",
    ],
)
def test_not_impossible(condition: str) -> None:
    assert warnings_of(routes(condition)) == []


def test_impossible_define_score_item_and_alternative() -> None:
    text = (
        "define never = lead.x < 1 and lead.x > 5\n"
        "score {\n"
        "  10 when lead.y == 1 and lead.y == 2\n"
        "}\n"
        "team sdr { members alex }\n"
        'route "A" when never and lead.z == 1 { assign team sdr }\n'
        'route "B" when (lead.a < 1 and lead.a > 2) or lead.b == 1 { assign team sdr }\n'
        'route "C" when lead.employees >= 500 and lead.employees < 100 and score > 5 '
        "{ assign team sdr }\n"
    )
    assert warnings_of(text) == [
        (
            "impossible-condition",
            "define never is never true: `lead.x < 1` and `lead.x > 5` cannot both be true",
        ),
        (
            "impossible-condition",
            "this score item never counts: `lead.y == 1` and `lead.y == 2` cannot both be true",
        ),
        (
            "impossible-condition",
            'this part of route "B" is never true: `lead.a < 1` and `lead.a > 2` cannot both '
            "be true",
        ),
        (
            "impossible-condition",
            'route "C" can never match: `lead.employees >= 500` and `lead.employees < 100` '
            "cannot both be true",
        ),
    ]


def test_an_impossible_mix_of_a_define_and_a_test_names_the_define() -> None:
    text = "define enterprise = lead.employees >= 500\n" + routes(
        "enterprise and lead.employees < 10"
    )
    assert warnings_of(text) == [
        (
            "impossible-condition",
            'route "A" can never match: `lead.employees >= 500` (from define enterprise) and '
            "`lead.employees < 10` cannot both be true",
        )
    ]


# ---- teams, reps, unused names ----------------------------------------------------------------


def test_team_with_no_members() -> None:
    text = 'team sdr { strategy round_robin }\nroute "A" { assign team sdr }\n'
    (finding,) = check(text)
    assert (finding.code, finding.message, finding.hint) == (
        "empty-team",
        "team sdr has no members",
        "a team with no members never yields anyone: add `members ...`",
    )


def test_reps_missing_from_the_roster() -> None:
    text = (
        "team sdr { members alex, blakee }\n"
        'route "A" when lead.x == 1 { assign rep "zoe@corp.example" else team sdr }\n'
        'route "B" { assign team sdr }\n'
        'expect "x" {\n  lead { x: 1 }\n  assignee in [alex, robin]\n}\n'
    )
    result = [
        (d.code, d.message, d.hint, d.span.line, d.span.column)
        for d in check(text, roster_ids=["alex", "blake"])
    ]
    assert result == [
        ("rep-not-in-roster", "rep blakee is not in the roster", "did you mean 'blake'?", 1, 26),
        (
            "rep-not-in-roster",
            'rep "zoe@corp.example" is not in the roster',
            "a rep missing from the roster is never eligible: add it to the roster",
            2,
            41,
        ),
        (
            "rep-not-in-roster",
            "rep robin is not in the roster",
            "a rep missing from the roster is never eligible: add it to the roster",
            6,
            22,
        ),
    ]
    assert [d.code for d in check(text)] == []  # no roster given: nothing to compare with


def test_unused_defines_teams_and_tables() -> None:
    text = (
        'define lonely = lead.x == "a"\n'
        'define helper = lead.y == "b"\n'
        "define wrapper = helper and lead.z == 1\n"
        "define used = lead.w == 2\n"
        "team sdr { members alex }\n"
        "team west { members taylor }\n"
        "team spare { members sam }\n"
        'table territory by lead.state { "CA" -> team west }\n'
        'route "A" when used { assign team sdr }\n'
        'expect "spare is not a use" {\n  lead { w: 2 }\n  team spare\n}\n'
    )
    assert warnings_of(text) == [
        ("unused-define", "define lonely is never used"),
        ("unused-define", "define helper is used only by define wrapper, which is unused"),
        ("unused-define", "define wrapper is never used"),
        ("unused-team", "team west is used only by table territory, which is unused"),
        ("unused-team", "team spare is never used"),
        ("unused-table", "table territory is never used"),
    ]
    hints = {d.message.split(" is ")[0]: d.hint for d in check(text)}
    assert hints["define lonely"] == "remove it, or use it in a route's condition"
    assert hints["team spare"] == "remove it, or route to it with `assign team spare`"
    assert hints["table territory"] == "remove it, or route with it: `assign lookup territory`"


def test_uses_through_score_fallback_and_table_else() -> None:
    text = (
        'define referral = lead.source == "referral"\n'
        "score { 10 when referral }\n"
        "team sdr { members alex }\n"
        "team rest { members blake }\n"
        'table t by lead.state { "CA" -> rep alex\n else -> team rest }\n'
        'route "Hot" when score >= 10 { assign team sdr }\n'
        "fallback { assign lookup t }\n"
    )
    assert warnings_of(text) == []


# ---- what the fallback catches ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("conditions", "message", "hint"),
    [
        (
            ("lead.employees < 10", "lead.employees >= 500"),
            "the fallback catches the leads no route matches; the routes test lead.employees",
            "every lead reaching it has lead.employees missing, not a number, or >= 10 and < 500",
        ),
        (
            ('lead.state in ["CA", "OR"]', 'lead.state == "NY"', "lead.source is present"),
            "the fallback catches the leads no route matches; the routes test lead.state and "
            "lead.source",
            'every lead reaching it has lead.state missing, not text, or not one of ["CA", '
            '"NY", "OR"]; lead.source missing',
        ),
        (
            ('lead.email contains "@"', "account is present"),
            "the fallback catches the leads no route matches; the routes test lead.email and "
            "account",
            None,
        ),
        (
            ("lead.x < 10", "lead.x >= 10"),
            "the fallback catches the leads no route matches; the routes test lead.x",
            "every lead reaching it has lead.x missing or not a number",
        ),
        ((), "the fallback catches every lead: there are no routes", None),
    ],
)
def test_fallback_note(conditions: Sequence[str], message: str, hint: Optional[str]) -> None:
    text = routes(*conditions) + "fallback { assign team sdr }\n"
    notes = [d for d in check(text) if d.code == "fallback-catches"]
    assert [(d.message, d.hint, d.severity) for d in notes] == [(message, hint, "info")]


# ---- the command line ----------------------------------------------------------------------


def _check_module() -> Any:
    # Importing `routekit.cli._check` binds it as the package attribute `_check`. Until the
    # CLI registers it, that name is still the old built-in check function, which `cli.main`
    # uses: put the function back so other tests keep their `check`.
    before = getattr(cli, "_check", None)
    module = importlib.import_module("routekit.cli._check")
    if before is not None and not isinstance(before, types.ModuleType):
        cli._check = before  # type: ignore[attr-defined]
    return module


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Tuple[int, str, str]:
    """Run ``routekit check`` through our module (as `cli.main` does once it is registered)."""
    module = _check_module()
    if "_check" in getattr(cli, "_SUBCOMMAND_MODULES", []):
        code = cli.main(list(argv))
    else:
        parser = argparse.ArgumentParser(prog="routekit")
        module.register(parser.add_subparsers(dest="command"))
        args = parser.parse_args(list(argv))
        try:
            code = int(args.handler(args))
        except CliError as error:
            print(f"routekit: {error}", file=sys.stderr)
            code = 2
        except RoutekitError as error:
            print(str(error), file=sys.stderr)
            code = 1
    out, err = capsys.readouterr()
    return code, out, err


SHADOWED = routes("lead.employees >= 500", "lead.employees >= 1000")


@pytest.fixture
def shadowed_file(tmp_path: Path) -> Path:
    path = tmp_path / "sizes.route"
    path.write_text(SHADOWED, encoding="utf-8")
    return path


def test_cli_keeps_the_basic_check(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = run(capsys, "check", str(EXAMPLE))
    assert code == 0
    assert "ok (4 routes, 2 teams, 0 tables, fallback)" in out
    assert "info: the fallback catches the leads no route matches" in out
    bad = tmp_path / "bad.route"
    bad.write_text('team sdr { members alex }\nroute "A" { assign team sdrr }\n', encoding="utf-8")
    code, out, err = run(capsys, "check", str(EXAMPLE), str(bad))
    assert code == 1
    assert f"{bad}:2:20: there is no team named sdrr" in err
    assert "did you mean 'sdr'?" in err


def test_cli_warnings_exit_0_and_strict_makes_them_errors(
    capsys: pytest.CaptureFixture[str], shadowed_file: Path
) -> None:
    code, out, _ = run(capsys, "check", str(shadowed_file))
    assert code == 0
    assert out == (
        f'{shadowed_file}:3:7: warning: route "B" can never match: every lead it matches is '
        'caught first by route "A" (line 2) [shadowed-route]\n'
        '  route "B" when lead.employees >= 1000 { assign team sdr }\n'
        "        ^^^\n"
        '  move it above route "A", or narrow route "A"\n'
        f"{shadowed_file}: 1 warning (2 routes, 1 teams, 0 tables)\n"
    )
    code, out, _ = run(capsys, "check", "--strict", str(shadowed_file))
    assert code == 1
    assert f"{shadowed_file}:3:7: error: route" in out
    assert f"{shadowed_file}: 1 error (" in out
    code, _, _ = run(capsys, "check", "--strict", str(EXAMPLE))  # an info note never fails
    assert code == 0


def test_cli_json(capsys: pytest.CaptureFixture[str], shadowed_file: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.route"
    bad.write_text("route x { }", encoding="utf-8")
    missing = tmp_path / "missing.route"
    code, out, err = run(
        capsys, "check", "--format", "json", str(shadowed_file), str(bad), str(missing)
    )
    assert code == 1
    assert err == ""
    data = json.loads(out)
    assert data[0] == {
        "file": str(shadowed_file),
        "line": 3,
        "column": 7,
        "end_line": 3,
        "end_column": 10,
        "code": "shadowed-route",
        "severity": "warning",
        "message": 'route "B" can never match: every lead it matches is caught first by '
        'route "A" (line 2)',
        "hint": 'move it above route "A", or narrow route "A"',
    }
    assert [(d["file"], d["severity"], d["line"]) for d in data[1:]] == [
        (str(bad), "error", 1),
        (str(missing), "error", None),
    ]
    assert data[2]["code"] == "unreadable"
    code, out, _ = run(capsys, "check", "--format", "json", "--strict", str(shadowed_file))
    assert code == 1
    assert [d["severity"] for d in json.loads(out)] == ["error"]


def test_cli_github(capsys: pytest.CaptureFixture[str], shadowed_file: Path) -> None:
    code, out, _ = run(capsys, "check", "--format", "github", str(shadowed_file))
    assert code == 0
    assert out == (
        f"::warning file={shadowed_file},line=3,col=7,endLine=3,endColumn=10,"
        'title=shadowed-route::route "B" can never match: every lead it matches is caught '
        'first by route "A" (line 2)%0Amove it above route "A", or narrow route "A"\n'
    )


def test_cli_roster(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "check", str(EXAMPLE), "--roster", f"@{EXAMPLE_ROSTER}")
    assert code == 0
    assert "rep-not-in-roster" not in out
    code, out, _ = run(
        capsys, "check", str(EXAMPLE), "--roster", '{"reps": [{"id": "alex"}]}', "--strict"
    )
    assert code == 1
    assert "error: rep taylor is not in the roster [rep-not-in-roster]" in out
    code, _, err = run(capsys, "check", str(EXAMPLE), "--roster", "[nope")
    assert code == 2
    assert "--roster: not valid JSON" in err
    code, _, err = run(capsys, "check", str(EXAMPLE), "--roster", '[{"name": "x"}]')
    assert code == 1
    assert "roster item 0 has no 'id'" in err


# ---- soundness ----------------------------------------------------------------------------------

_FIELDS = ("lead.x", "lead.y")
_NUMBERS = ("-2", "0", "1", "2.5", "3", "5", "10")
_TEXTS = ('"CA"', '"ca"', '" NY"', '"TX"', '"5"', '"true"', '""')
_DATES = ("2026-01-01", "2026-06-01")


def _literal(kind: str) -> st.SearchStrategy[str]:
    return st.sampled_from(
        {"number": _NUMBERS, "text": _TEXTS, "bool": ("true", "false"), "date": _DATES}[kind]
    )


@st.composite
def _atoms(draw: Any, depth: int = 0) -> str:
    field = draw(st.sampled_from(_FIELDS))
    shape = draw(st.sampled_from(["order", "equal", "in", "between", "presence", "other", "not"]))
    if shape == "order":
        op = draw(st.sampled_from(["<", "<=", ">", ">="]))
        return f"{field} {op} {draw(_literal(draw(st.sampled_from(['number', 'date']))))}"
    if shape == "equal":
        op = draw(st.sampled_from(["==", "!="]))
        kind = draw(st.sampled_from(["number", "text", "bool", "date"]))
        return f"{field} {op} {draw(_literal(kind))}"
    if shape == "in":
        kind = draw(st.sampled_from(["number", "text", "bool"]))
        items = draw(st.lists(_literal(kind), min_size=1, max_size=3))
        return f"{field} {draw(st.sampled_from(['in', 'not in']))} [{', '.join(items)}]"
    if shape == "between":
        kind = draw(st.sampled_from(["number", "date"]))
        return f"{field} between {draw(_literal(kind))} and {draw(_literal(kind))}"
    if shape == "presence":
        return f"{field} is {draw(st.sampled_from(['present', 'missing']))}"
    if shape == "not" and depth < 2:
        return f"not ({draw(_atoms(depth + 1))})"
    if shape == "other" and depth < 2:
        return f"({draw(_atoms(depth + 1))} or {draw(_atoms(depth + 1))})"
    return f'{field} contains "a"'


_VALUES: List[Any] = [
    None, "", "  ", 0, 1, -1, 2, 2.5, 3, 5, 10, 11, -2, -3, 2.4999, Decimal("2.5"),
    float("inf"), float("nan"), True, False, "5", " 5,000 ", "2.5", "CA", " ca ", "NY", "tx",
    "other", "true", "FALSE", [], ["CA"], {"a": 1}, dt.date(2026, 1, 1), dt.date(2026, 6, 1),
    dt.date(2025, 12, 31), "2026-01-01", dt.datetime(2026, 1, 1, 3, tzinfo=dt.timezone.utc),
]  # fmt: skip
_ABSENT = object()
_LEADS: List[Dict[str, Any]] = [
    {k: v for k, v in (("x", a), ("y", b)) if v is not _ABSENT}
    for a in [*_VALUES, _ABSENT]
    for b in [*_VALUES, _ABSENT]
]


def _never_matches(rules: str, route: str) -> bool:
    router = routekit.Router(routekit.loads(rules), roster=[])
    return all(router.decide(lead, now=NOW).route != route for lead in _LEADS)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_claims_are_sound(data: Any) -> None:
    first = data.draw(st.lists(_atoms(), min_size=1, max_size=3))
    # B often narrows A, so that shadowing is claimed often enough to be tested.
    kept = data.draw(st.lists(st.sampled_from(first), max_size=len(first)))
    second = kept + data.draw(st.lists(_atoms(), min_size=0 if kept else 1, max_size=2))
    a, b = " and ".join(first), " and ".join(second)
    rules = f'route "A" when {a} {{ reject "a" }}\nroute "B" when {b} {{ reject "b" }}\n'
    try:
        plan = routekit.loads(rules)
    except RoutekitError:
        return  # e.g. `lead.x < "CA"`: load refuses it, so lint never sees it
    for finding in lint(plan):
        if finding.code == "shadowed-route":
            assert _never_matches(rules, "B"), (rules, finding.message)
        elif finding.code == "impossible-condition":
            part = plan.source.text[finding.span.start : finding.span.end]
            assert _never_matches(f'route "P" when {part} {{ reject "p" }}', "P"), (
                rules,
                finding.message,
            )
