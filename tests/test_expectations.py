"""`expect` blocks: `run_expectations` and the `routekit test` command."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import warnings
from pathlib import Path
from typing import Tuple

import pytest

import routekit
from routekit import cli
from routekit.expectations import DEFAULT_NOW, Mismatch, run_expectations

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
EXAMPLE = EXAMPLES / "inbound.route"

TEAM_FILE = """
team sdr { members alex, blake }
route "Spam" when lead.email ends with "@spam.example" { reject "no" }
route "VIP" when lead.vip == true {
  assign rep riley else team sdr
  set priority = "high"
  set vip = true
}
fallback { assign team sdr }
"""


@pytest.fixture(autouse=True)
def _register_test_command(monkeypatch: pytest.MonkeyPatch) -> None:
    names = sorted(set(cli._SUBCOMMAND_MODULES) | {"_test"})
    monkeypatch.setattr(cli, "_SUBCOMMAND_MODULES", names)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def plan_with(expectations: str, rules: str = TEAM_FILE) -> routekit.Plan:
    return routekit.loads(rules + expectations, name="t.route")


# ---- run_expectations -------------------------------------------------------------------


def test_the_example_passes_with_its_roster_and_accounts() -> None:
    plan = routekit.load(EXAMPLE)
    roster = json.loads((EXAMPLES / "inbound.roster.json").read_text(encoding="utf-8"))
    accounts = json.loads((EXAMPLES / "inbound.accounts.json").read_text(encoding="utf-8"))
    report = run_expectations(plan, roster=roster, accounts=accounts)
    assert [r.name for r in report.results] == [e.name for e in plan.expectations]
    assert (report.passed, report.failed, report.ok) == (4, 0, True)
    assert all(r.decision is not None for r in report.results)


def test_the_known_account_expectation_fails_without_accounts() -> None:
    plan = routekit.load(EXAMPLE)
    roster = json.loads((EXAMPLES / "inbound.roster.json").read_text(encoding="utf-8"))
    report = run_expectations(plan, roster=roster)
    [failure] = report.failures()
    assert failure.name == "a known account goes to its owner"
    assert failure.mismatches == (
        Mismatch("route", "Known account", "fallback"),
        Mismatch("assignee", "riley", "alex"),
    )
    assert failure.decision is not None
    assert "no accounts were given to the router" in failure.decision.explain()
    assert failure.line == 74


def test_each_mismatch_names_what_was_expected_and_what_happened() -> None:
    plan = plan_with(
        """
expect "vip" {
  lead { vip: true }
  outcome rejected
  route "Spam"
  assignee alex
  team sdr
  attribute priority = "low"
  attribute vip = 1
  attribute missing = "x"
}
"""
    )
    [result] = run_expectations(plan).results
    assert not result.passed
    assert [m.describe() for m in result.mismatches] == [
        "outcome: expected rejected, got assigned",
        'route: expected "Spam", got "VIP"',
        "assignee: expected alex, got riley",
        "team: expected sdr, got (none)",
        'attribute priority: expected "low", got "high"',
        "attribute vip: expected 1, got true",  # true is not the number 1
        'attribute missing: expected "x", got (none)',
    ]
    assert result.expected_summary() == 'outcome rejected, route "Spam", assignee alex'
    assert result.actual_summary() == 'outcome assigned, route "VIP", assignee riley'


def test_assignee_in_team_attributes_and_fallback_can_pass() -> None:
    plan = plan_with(
        """
expect "vip" {
  lead { vip: true }
  route "VIP"
  assignee in [riley, alex]
  attribute priority = "high"
  attribute vip = true
}
expect "anyone else" {
  lead { email: "x@y.example" }
  outcome assigned
  route "fallback"
  team sdr
  assignee in [alex, blake]
}
"""
    )
    report = run_expectations(plan)
    assert [r.passed for r in report.results] == [True, True]
    assert report.results[1].decision is not None
    assert report.results[1].decision.route == "fallback"


def test_assignee_in_failure_lists_the_choices() -> None:
    plan = plan_with('expect "x" { lead { vip: false } assignee in [riley] }')
    [result] = run_expectations(plan).results
    assert [m.describe() for m in result.mismatches] == ["assignee in: expected [riley], got alex"]
    assert result.expected_summary() == "outcome (any), route (any), assignee in [riley]"


def test_every_expectation_starts_from_a_fresh_state() -> None:
    plan = plan_with(
        """
expect "first" { lead { email: "a@b.example" } assignee alex }
expect "second" { lead { email: "c@d.example" } assignee alex }
"""
    )
    report = run_expectations(plan)
    assert [r.passed for r in report.results] == [True, True]


def test_the_default_roster_is_every_named_rep_always_available() -> None:
    # riley is named only in the rules, zoe only in an expectation: both are rostered.
    plan = plan_with('expect "zoe" { lead { vip: true } assignee zoe }')
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "not in the roster" warning
        [result] = run_expectations(plan).results
    assert result.mismatches == (Mismatch("assignee", "zoe", "riley"),)


def test_a_given_roster_is_used_instead() -> None:
    plan = plan_with('expect "vip" { lead { vip: true } assignee riley }')
    roster = [{"id": "riley", "active": False}, {"id": "alex"}, {"id": "blake"}]
    [result] = run_expectations(plan, roster=roster).results
    assert result.mismatches == (Mismatch("assignee", "riley", "alex"),)


def test_now_defaults_to_a_monday_afternoon_unless_the_block_says() -> None:
    plan = plan_with(
        """
expect "default" { lead { vip: true } }
expect "given" { lead { vip: true } now 2026-12-24T09:00:00+02:00 }
"""
    )
    first, second = run_expectations(plan).results
    assert first.now == DEFAULT_NOW == dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.timezone.utc)
    assert first.decision is not None and first.decision.now == DEFAULT_NOW
    assert second.now == dt.datetime(2026, 12, 24, 7, 0, tzinfo=dt.timezone.utc)


def test_lead_literals_become_plain_values_and_lists() -> None:
    rules = """
route "Analytics" when lead.interests contains "analytics" and lead.size >= 2.5
  and lead.since < 2026-01-01 {
  reject "x"
}
fallback { reject "y" }
"""
    plan = plan_with(
        'expect "list" { lead { interests: ["CRM", "Analytics"], size: 2.5, '
        'since: 2025-06-01, "Company Size": 3 } route "Analytics" }',
        rules,
    )
    [result] = run_expectations(plan).results
    assert result.passed, [m.describe() for m in result.mismatches]


def test_a_lead_the_schema_refuses_fails_with_the_error() -> None:
    rules = """
fields { email: email required }
fallback { reject "x" }
"""
    plan = plan_with('expect "no email" { lead { name: "x" } outcome rejected }', rules)
    [result] = run_expectations(plan).results
    assert not result.passed
    assert result.decision is None
    assert result.error is not None and "email" in result.error
    assert result.actual_summary().startswith("error: ")


def test_a_file_without_expectations_gives_an_empty_report() -> None:
    report = run_expectations(routekit.loads("fallback { reject 'x' }".replace("'", '"')))
    assert report.results == ()
    assert report.ok


# ---- routekit test ------------------------------------------------------------------------


def test_cli_passes_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "test", str(EXAMPLE))
    assert code == 0, out + err
    lines = out.splitlines()
    assert lines[0] == f"{EXAMPLE}: 4 expectations"
    assert lines[1:5] == [
        "PASS Halle reaches the enterprise West Coast team",
        "PASS a 5-person company is screened out",
        "PASS a known account goes to its owner",
        "PASS everyone else reaches the SDR rotation",
    ]
    assert lines[-1] == "4 passed, 0 failed"
    assert err == ""


def test_cli_passes_the_v2_example_with_the_default_roster(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "test", str(EXAMPLES / "inbound_v2.route"))
    assert code == 0, out
    assert out.splitlines()[-1] == "5 passed, 0 failed"


def copy_example(tmp_path: Path, *, accounts: bool) -> Path:
    target = tmp_path / "inbound.route"
    shutil.copy(EXAMPLE, target)
    shutil.copy(EXAMPLES / "inbound.roster.json", tmp_path / "inbound.roster.json")
    if accounts:
        shutil.copy(EXAMPLES / "accounts.json", tmp_path / "inbound.accounts.json")
    return target


def test_cli_reports_a_failure_with_expected_actual_and_explanation(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = copy_example(tmp_path, accounts=False)
    code, out, _ = run(capsys, "test", str(path))
    assert code == 1
    lines = out.splitlines()
    start = lines.index(f"FAIL a known account goes to its owner ({path}:74)")
    assert lines[start + 1 : start + 6] == [
        '  expected: outcome (any), route "Known account", assignee riley',
        "  actual:   outcome assigned, route fallback, assignee alex",
        '  ✗ route: expected "Known account", got fallback',
        "  ✗ assignee: expected riley, got alex",
        "  explanation:",
    ]
    assert lines[start + 6] == "    assigned to alex (team sdr) by the fallback"
    assert "        account: no accounts were given to the router" in lines
    assert "PASS everyone else reaches the SDR rotation" in lines
    assert lines[-1] == "3 passed, 1 failed"


def test_cli_reads_accounts_beside_the_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = copy_example(tmp_path, accounts=True)
    code, out, _ = run(capsys, "test", str(path))
    assert code == 0
    assert out.splitlines()[-1] == "4 passed, 0 failed"


def test_cli_options_win_over_files_beside_the_rules(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = copy_example(tmp_path, accounts=True)
    roster = json.loads((EXAMPLES / "inbound.roster.json").read_text(encoding="utf-8"))
    for rep in roster:
        if rep["id"] == "riley":
            rep["active"] = False
    (tmp_path / "other.json").write_text(json.dumps(roster), encoding="utf-8")
    code, out, _ = run(
        capsys, "test", str(path), "--roster", f"@{tmp_path / 'other.json'}", "--accounts", "{}"
    )
    assert code == 1
    assert "FAIL a known account goes to its owner" in out
    assert out.splitlines()[-1] == "3 passed, 1 failed"


def test_cli_says_when_a_file_has_no_expectations(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "bare.route"
    path.write_text('fallback { reject "x" }\n', encoding="utf-8")
    code, out, _ = run(capsys, "test", str(path))
    assert code == 0
    assert f"no expectations in {path}" in out.splitlines()
    assert out.splitlines()[-1] == "0 passed, 0 failed"


def test_cli_reports_a_file_that_does_not_load_and_tests_the_others(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.route"
    bad.write_text('route "x" { assign team nope }\n', encoding="utf-8")
    code, out, err = run(capsys, "test", str(bad), str(EXAMPLE))
    assert code == 1
    assert f"{bad}:1:20: there is no team named nope" in err
    lines = out.splitlines()
    assert lines[-2:] == ["4 passed, 0 failed", "1 file could not be tested"]


def test_cli_counts_across_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    failing = tmp_path / "t.route"
    failing.write_text(
        TEAM_FILE + 'expect "wrong" { lead { vip: true } assignee alex }\n', encoding="utf-8"
    )
    code, out, _ = run(capsys, "test", str(EXAMPLE), str(failing))
    assert code == 1
    assert "4 passed, 1 failed" in out.splitlines()
    assert f"FAIL wrong ({failing}:10)" in out.splitlines()


def test_the_docs_show_the_current_failure_output(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = (ROOT / "docs" / "testing-rules.md").read_text(encoding="utf-8")
    rules = doc.split("```route\n", 1)[1].split("```", 1)[0]
    added = doc.split('```text\nexpect "a 500-person', 1)[1].split("```", 1)[0]
    (tmp_path / "sizes.route").write_text(
        rules + '\nexpect "a 500-person' + added, encoding="utf-8"
    )
    shown = doc.split("$ routekit test sizes.route\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "test", "sizes.route")
    assert code == 1
    assert out == shown
