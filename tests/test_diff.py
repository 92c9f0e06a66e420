"""Reading lead files (`routekit.leads_io`) and `routekit diff`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Tuple

import pytest

from routekit import cli
from routekit.leads_io import LeadsFileError, numbered_leads, read_leads

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
OLD = str(EXAMPLES / "inbound.route")
NEW = str(EXAMPLES / "inbound_v2.route")
LEADS = str(EXAMPLES / "leads.jsonl")
NOW = "2026-11-23T17:00:00Z"


@pytest.fixture(autouse=True)
def _register_diff_command(monkeypatch: pytest.MonkeyPatch) -> None:
    names = sorted(set(cli._SUBCOMMAND_MODULES) | {"_diff"})
    monkeypatch.setattr(cli, "_SUBCOMMAND_MODULES", names)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> Tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


# ---- leads_io ---------------------------------------------------------------------------


def test_jsonl_skips_blank_lines_and_keeps_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path / "l.jsonl", '{"a": 1}\n\n   \n{"b": "x", "c": [1, 2]}\n')
    assert list(numbered_leads(path)) == [(1, {"a": 1}), (4, {"b": "x", "c": [1, 2]})]
    assert list(read_leads(path)) == [{"a": 1}, {"b": "x", "c": [1, 2]}]


def test_jsonl_bad_line_names_the_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "l.jsonl", '{"a": 1}\n{"a": 2\n{"a": 3}\n')
    leads = read_leads(path)
    assert next(leads) == {"a": 1}  # the good lines before the bad one still come through
    with pytest.raises(LeadsFileError) as info:
        next(leads)
    assert str(info.value).startswith(f"{path}:2: not valid JSON (")
    assert (info.value.path, info.value.line) == (path, 2)
    assert isinstance(info.value, ValueError)


def test_jsonl_line_that_is_not_an_object(tmp_path: Path) -> None:
    path = write(tmp_path / "l.ndjson", '{"a": 1}\n[1, 2]\n')
    with pytest.raises(
        LeadsFileError,
        match=r":2: each line must be a JSON object \(a lead\), "
        r"not a list$",
    ):
        list(read_leads(path))


def test_csv_values_stay_text_and_empty_cells_are_missing(tmp_path: Path) -> None:
    path = write(
        tmp_path / "l.csv",
        '\ufeffname,employees,state,,note\nAnn,"1,200",CA,,\n\nBo,  ,NY,,"two\nlines"\nCy,7\n',
    )
    assert list(numbered_leads(path)) == [
        (2, {"name": "Ann", "employees": "1,200", "state": "CA"}),
        (4, {"name": "Bo", "state": "NY", "note": "two\nlines"}),
        (6, {"name": "Cy", "employees": "7"}),
    ]


def test_csv_row_with_too_many_cells(tmp_path: Path) -> None:
    path = write(tmp_path / "l.csv", "a,b\n1,2\n1,2,3\n")
    with pytest.raises(LeadsFileError, match=r"l\.csv:3: 3 cells but the header names 2 columns"):
        list(read_leads(path))


def test_csv_header_naming_a_column_twice(tmp_path: Path) -> None:
    path = write(tmp_path / "l.csv", "email,Email,email\nx,y,z\n")
    with pytest.raises(LeadsFileError, match=r"l\.csv:1: the header names 'email' twice"):
        list(read_leads(path))


def test_empty_csv_has_no_leads(tmp_path: Path) -> None:
    assert list(read_leads(write(tmp_path / "l.csv", ""))) == []
    assert list(read_leads(write(tmp_path / "h.csv", "a,b\n"))) == []


def test_bad_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "l.jsonl"
    path.write_bytes(b'{"a": 1}\n{"a": "\xff"}\n')
    with pytest.raises(LeadsFileError, match=r"l\.jsonl:2: not UTF-8 text"):
        list(read_leads(path))


def test_unknown_extension_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LeadsFileError, match=r"name the file \.jsonl"):
        list(read_leads(tmp_path / "leads.xlsx"))
    with pytest.raises(LeadsFileError, match=r"nope\.jsonl: no such file"):
        list(read_leads(tmp_path / "nope.jsonl"))


def test_the_shipped_lead_files_read() -> None:
    jsonl = list(read_leads(LEADS))
    csv_leads = list(read_leads(EXAMPLES / "leads.csv"))
    assert len(jsonl) == 30
    assert len(csv_leads) == 10
    assert csv_leads[3]["employees"] == "1,200"
    assert "company" not in csv_leads[6]  # Sasha's empty cells are left out


# ---- routekit diff ------------------------------------------------------------------------


def test_diff_of_the_examples(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "diff", OLD, NEW, "--leads", LEADS, "--now", NOW)
    assert code == 1, err
    lines = out.splitlines()
    assert lines[0] == f"{OLD} → {NEW}"
    assert lines[1] == (
        f"30 leads from {LEADS} at 2026-11-23T17:00:00+00:00: 12 changed, 18 unchanged"
    )
    headers = [line for line in lines if line and not line.startswith(" ")][2:]
    assert headers == [
        'fallback → "Enterprise on the East Coast": 5 leads',
        '"Hot leads" → "Enterprise on the East Coast": 3 leads',
        'fallback → "Enterprise IT on the West Coast": 2 leads',
        'fallback → "Personal email, no company size": 2 leads',
    ]
    assert "  line 6 (lee@bigco.example): assigned to casey (team sdr) → assigned to riley" in lines
    assert "  … and 2 more (lines 25, 28)" in lines
    assert "  line 7 (sasha.ivanova@gmail.com): assigned to alex (team sdr) → redirected" in lines


def test_diff_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "diff", OLD, NEW, "--leads", LEADS, "--now", NOW, "--format", "json")
    assert code == 1
    data = json.loads(out)
    assert (data["total"], data["changed"], data["unchanged"]) == (30, 12, 18)
    assert data["now"] == "2026-11-23T17:00:00+00:00"
    first = data["groups"][0]
    assert (first["old_route"], first["new_route"], first["count"]) == (
        "fallback",
        "Enterprise on the East Coast",
        5,
    )
    assert first["lines"] == [6, 15, 22, 25, 28]
    assert len(first["examples"]) == 3
    assert first["examples"][0] == {
        "line": 6,
        "lead": "lee@bigco.example",
        "old": {"outcome": "assigned", "route": "fallback", "team": "sdr", "assignee": "casey"},
        "new": {
            "outcome": "assigned",
            "route": "Enterprise on the East Coast",
            "team": None,
            "assignee": "riley",
        },
    }


def test_diff_of_a_file_with_itself_is_empty(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "diff", OLD, OLD, "--leads", str(EXAMPLES / "leads.csv"))
    assert code == 0
    lines = out.splitlines()
    assert lines[1].endswith("at 2026-01-05T15:00:00+00:00: 0 changed, 10 unchanged")
    assert lines[2] == "no lead changes route, outcome or team"


RR = """
team sdr { members alex, blake, casey }
{extra}
fallback { assign team sdr }
"""


def test_rotation_moving_inside_a_team_is_not_a_change(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    old = write(tmp_path / "old.route", RR.replace("{extra}", ""))
    new = write(
        tmp_path / "new.route",
        RR.replace(
            "{extra}", 'route "Spam" when lead.email ends with "spam.example" { reject "no" }'
        ),
    )
    leads = write(
        tmp_path / "l.jsonl",
        '{"email": "a@spam.example"}\n{"email": "b@x.example"}\n{"email": "c@x.example"}\n',
    )
    code, out, _ = run(capsys, "diff", old, new, "--leads", leads, "--format", "json")
    assert code == 1
    data = json.loads(out)
    # Leads 2 and 3 still go to team sdr (to alex and blake instead of blake and casey).
    assert data["changed"] == 1
    assert [(g["old_route"], g["new_route"], g["lines"]) for g in data["groups"]] == [
        ("fallback", "Spam", [1])
    ]


def test_a_different_single_rep_is_a_change(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    old = write(tmp_path / "old.route", 'route "R" { assign rep alex }')
    new = write(tmp_path / "new.route", 'route "R" { assign rep blake }')
    leads = write(tmp_path / "l.jsonl", '{"email": "a@x.example"}\n')
    code, out, _ = run(capsys, "diff", old, new, "--leads", leads)
    assert code == 1
    assert '"R" → "R": 1 lead' in out.splitlines()
    assert "  line 1 (a@x.example): assigned to alex → assigned to blake" in out.splitlines()


def test_a_lead_the_new_schema_refuses_shows_as_an_error(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    old = write(tmp_path / "old.route", 'fallback { reject "x" }')
    new = write(tmp_path / "new.route", 'fields { email: email required }\nfallback { reject "x" }')
    leads = write(tmp_path / "l.csv", "name,email\nAnn,ann@x.example\nBo,\n")
    code, out, _ = run(capsys, "diff", old, new, "--leads", leads)
    assert code == 1
    lines = out.splitlines()
    assert "fallback → (no route): 1 lead" in lines
    [example] = [line for line in lines if line.startswith("  line 3")]
    assert example.startswith("  line 3 (Bo): rejected → error: lead field 'email'")


def test_diff_uses_the_given_roster(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    old = write(tmp_path / "old.route", 'route "R" { assign rep alex else rep blake }')
    new = write(tmp_path / "new.route", 'route "R" { assign rep blake else rep alex }')
    leads = write(tmp_path / "l.jsonl", "{}\n")
    roster = json.dumps([{"id": "blake"}])
    code, _, err = run(capsys, "diff", old, new, "--leads", leads, "--roster", roster)
    assert code == 0  # alex is not rostered, so both files give the lead to blake
    assert "warning: " in err and "alex" in err


def test_diff_bad_leads_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    leads = write(tmp_path / "l.jsonl", '{"a": 1}\nnot json\n')
    code, out, err = run(capsys, "diff", OLD, NEW, "--leads", leads)
    assert code == 2
    assert out == ""
    assert f"routekit: {leads}:2: not valid JSON" in err


def test_diff_rules_that_do_not_load_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = write(tmp_path / "bad.route", 'route "x" { assign team nope }')
    code, _, err = run(capsys, "diff", OLD, bad, "--leads", LEADS)
    assert code == 2
    assert "there is no team named nope" in err


def test_diff_examples_option(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "diff", OLD, NEW, "--leads", LEADS, "--now", NOW, "--examples", "0")
    assert code == 1
    lines = out.splitlines()
    assert not any(line.startswith("  line ") for line in lines)
    assert "  … and 5 more (lines 6, 15, 22, 25, 28)" in lines


def test_the_docs_show_the_current_diff_output(capsys: pytest.CaptureFixture[str]) -> None:
    doc = (ROOT / "docs" / "graph-and-diff.md").read_text(encoding="utf-8")
    command = (
        "$ routekit diff examples/inbound.route examples/inbound_v2.route "
        "--leads examples/leads.jsonl --now 2026-11-23T17:00:00Z\n"
    )
    shown = doc.split(command, 1)[1].split("```", 1)[0]
    old, new, leads = (
        "examples/inbound.route",
        "examples/inbound_v2.route",
        "examples/leads.jsonl",
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        code, out, _ = run(capsys, "diff", old, new, "--leads", leads, "--now", NOW)
    assert code == 1
    assert out == shown
