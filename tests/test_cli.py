"""The `routekit` command: check and explain, exit codes, and messages."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from routekit import __version__
from routekit.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = str(ROOT / "examples" / "inbound.route")
NOW = "2026-11-23T17:00:00Z"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_check_accepts_the_example(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "check", EXAMPLE)
    assert code == 0
    assert "ok (4 routes, 2 teams, 0 tables, fallback)" in out


def test_check_reports_every_error_with_a_caret(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.route"
    bad.write_text(
        "team sdr { members alex }\n"
        'route "A" when lead.x == 1 {\n'
        "  assign team sdrr\n"
        "}\n"
        'route "B" when nonesuch { assign team sdr }\n',
        encoding="utf-8",
    )
    code, _, err = run(capsys, "check", str(bad))
    assert code == 1
    assert f"{bad}:3:10: there is no team named sdrr" in err
    assert "    assign team sdrr\n           ^^^^^^^^^\n" in err
    assert "did you mean 'sdr'?" in err
    assert f"{bad}:5:16: there is no define named nonesuch" in err


def test_check_exits_1_when_any_file_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "syntax.route"
    bad.write_text("route x { assign rep a }", encoding="utf-8")
    code, out, err = run(capsys, "check", EXAMPLE, str(bad))
    assert code == 1
    assert "ok" in out
    assert f"{bad}:1:7: unexpected name `x`" in err


def test_explain_routes_halle_to_the_enterprise_west_team(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(
        capsys,
        "explain",
        EXAMPLE,
        "--lead",
        f"@{ROOT / 'examples' / 'leads' / 'halle.json'}",
        "--accounts",
        f"@{ROOT / 'examples' / 'accounts.json'}",
        "--now",
        NOW,
    )
    assert code == 0
    first = out.splitlines()[0]
    assert first.startswith("assigned to ")
    assert '(team enterprise_west) by route "Enterprise IT on the West Coast"' in first
    for name in ("Too small", "Known account", "Enterprise IT on the West Coast"):
        assert f'route "{name}"' in out


def test_explain_json_is_the_decision_dict(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(
        capsys,
        "explain",
        EXAMPLE,
        "--lead",
        '{"employees": 5, "state": "TX"}',
        "--now",
        NOW,
        "--json",
    )
    assert code == 0
    data = json.loads(out)
    assert data["outcome"] == "rejected"
    assert data["route"] == "Too small"
    assert data["format"] == 1


def test_explain_a_list_of_leads_shares_one_state(capsys: pytest.CaptureFixture[str]) -> None:
    leads = json.dumps([{"employees": 50, "state": "OH"}] * 3)
    code, out, _ = run(capsys, "explain", EXAMPLE, "--lead", leads, "--now", NOW, "--json")
    assert code == 0
    assignees = [d["assignee"] for d in json.loads(out)]
    assert len(set(assignees)) == 3  # round robin over the three SDRs


def test_explain_rejects_a_naive_now(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "explain", EXAMPLE, "--lead", "{}", "--now", "2026-11-23T17:00:00")
    assert code == 2
    assert "has no time zone" in err


def test_explain_reports_bad_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "explain", EXAMPLE, "--lead", "{not json", "--now", NOW)
    assert code == 2
    assert "--lead: not valid JSON" in err


def test_explain_reports_bad_roster_data(capsys: pytest.CaptureFixture[str]) -> None:
    roster = json.dumps([{"id": "alex", "timezone": "Mars/Olympus"}])
    code, _, err = run(capsys, "explain", EXAMPLE, "--lead", "{}", "--roster", roster, "--now", NOW)
    assert code == 1
    assert "rep 'alex'" in err and "timezone" in err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"routekit {__version__}"
