"""``routekit simulate``: the text and JSON reports, the HTML page, progress, and errors."""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import subprocess
import sys
from fractions import Fraction
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest

import routekit
from routekit import cli
from routekit.cli import _simulate
from routekit.cli._common import CliError
from routekit.testing import simulate

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
RULES = str(EXAMPLES / "inbound.route")
JSONL = str(EXAMPLES / "leads.jsonl")
START = "2026-11-23T16:00:00Z"


def run(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> Tuple[int, str, str]:
    """Run ``routekit simulate`` through a parser of our own, as `routekit.cli.main` does."""
    parser = argparse.ArgumentParser(prog="routekit")
    _simulate.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["simulate", *argv])
    try:
        code = int(args.handler(args))
    except CliError as error:
        print(f"routekit: {error}", file=sys.stderr)
        code = 2
    except routekit.RoutekitError as error:
        print(str(error), file=sys.stderr)
        code = 1
    out, err = capsys.readouterr()
    return code, out, err


def report(capsys: pytest.CaptureFixture[str], *extra: str) -> Dict[str, Any]:
    code, out, _ = run(
        [RULES, "--leads", JSONL, "--start", START, "--every", "7m", *extra, "--format", "json"],
        capsys,
    )
    assert code == 0
    data: Dict[str, Any] = json.loads(out)
    return data


def test_text_report(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run([RULES, "--leads", JSONL, "--start", START, "--every", "7m"], capsys)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == (
        f"{RULES}: 30 leads from {JSONL}, one every 7m from 2026-11-23T16:00:00+00:00"
    )
    assert lines[1] == "outcomes: 27 assigned, 3 rejected"
    assert "  route                            leads  share" in lines
    assert "  Too small                            3  10.0%" in lines
    assert "team sdr (round_robin): 22 leads" in lines
    header = lines.index("team enterprise_west (weighted): 2 leads")
    assert lines[header + 1].split() == [
        "member", "weight", "of", "weight", "leads", "of", "leads", "fair", "share",
        "deviation", "largest", "deviation",
    ]  # fmt: skip
    assert lines[header + 2].split()[:7] == ["taylor", "2", "50.0%", "1", "50.0%", "1.00", "+0.00"]
    assert "unrouted: 0" in lines


def test_json_report_agrees_with_simulate(capsys: pytest.CaptureFixture[str]) -> None:
    data = report(capsys)
    assert data["total"] == 30 and sum(data["outcomes"].values()) == 30
    assert sum(data["routes"].values()) == 30
    assert "series" not in data["teams"][0]
    plan = routekit.load(RULES)
    roster = json.loads((EXAMPLES / "inbound.roster.json").read_text(encoding="utf-8"))
    accounts = json.loads((EXAMPLES / "inbound.accounts.json").read_text(encoding="utf-8"))
    router = routekit.Router(plan, roster=roster, accounts=accounts)
    leads = [json.loads(line) for line in Path(JSONL).read_text().splitlines() if line.strip()]
    start = dt.datetime(2026, 11, 23, 16, tzinfo=dt.timezone.utc)
    result = simulate(router, leads, start=start, step=dt.timedelta(minutes=7))
    assert data["reps"] == result.count_by("rep")
    for team in data["teams"]:
        name = team["team"]
        members = {m["member"]: m for m in team["members"]}
        assert sum(m["leads"] for m in members.values()) == team["leads"]
        # the exact fair shares add up to the team's leads: each lead is shared out in full
        assert sum(Fraction(m["fair_share"]) for m in members.values()) == team["leads"]
        assert {k: Fraction(m["fair_share"]) for k, m in members.items()} == result.shares(name)
        worst = result.max_deviation(name)
        if worst is not None:
            assert Fraction(team["largest_deviation"]["value"]) == worst.value
            assert team["largest_deviation"]["line"] == worst.step + 1  # one lead per line


NO_FALLBACK = """
team sdr {
  members alex, blake
  require available
}
route "Big" when lead.employees >= 100 { assign team sdr }
"""


def test_unrouted_leads_are_listed_with_their_reasons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = tmp_path / "night.route"
    rules.write_text(NO_FALLBACK, encoding="utf-8")
    roster = [{"id": "alex", "hours": "Mon-Fri 09:00-17:00"}, {"id": "blake"}]
    (tmp_path / "night.roster.json").write_text(json.dumps(roster), encoding="utf-8")
    leads = tmp_path / "leads.csv"
    leads.write_text("email,employees\nkim@a.example,500\npat@b.example,5\n", encoding="utf-8")
    code, out, _ = run(
        [str(rules), "--leads", str(leads), "--start", "2026-11-23T03:00:00Z", "--every", "0"],
        capsys,
    )
    assert code == 0
    tail = out[out.index("unrouted: 1") :].splitlines()
    assert tail[:2] == ["unrouted: 1", "  line 3 (pat@b.example): unrouted"]
    assert tail[2] == "    ✗ no route matched and there is no fallback"
    assert "team sdr (round_robin): 1 leads" in out


class TagChecker(HTMLParser):
    """Checks that every element opened is closed in order, and collects src/href values."""

    VOID = frozenset({"meta", "br", "img", "input", "link", "hr"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: List[str] = []
        self.seen: Dict[str, int] = {}
        self.links: List[str] = []
        self.problems: List[str] = []

    def handle_starttag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        self.seen[tag] = self.seen.get(tag, 0) + 1
        self.links += [v or "" for k, v in attrs if k in ("src", "href", "xlink:href", "action")]
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: List[Tuple[str, Optional[str]]]) -> None:
        self.seen[tag] = self.seen.get(tag, 0) + 1
        self.links += [v or "" for k, v in attrs if k in ("src", "href", "xlink:href")]

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:]}")
        else:
            self.stack.pop()


def test_html_report_is_self_contained_and_well_formed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "report.html"
    code, out, _ = run([RULES, "--leads", JSONL, "--start", START, "--html", str(page)], capsys)
    assert code == 0 and out.endswith(f"report written to {page}\n")
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    checker = TagChecker()
    checker.feed(text)
    checker.close()
    assert checker.problems == [] and checker.stack == []
    assert checker.seen.get("svg", 0) >= 5  # routes, and two charts per team that took leads
    assert checker.seen.get("polyline", 0) >= 5
    assert not {"script", "link", "img", "iframe", "object"} & set(checker.seen)
    assert not [link for link in checker.links if link.startswith(("http:", "https:", "//"))]
    assert "@import" not in text and "url(" not in text
    assert "Team enterprise_west (weighted)" in text and "Known account" in text


def test_html_escapes_what_it_shows(tmp_path: Path) -> None:
    data = {
        "total": 1,
        "outcomes": {"unrouted": 1},
        "routes": {'<script>alert("r")</script>': 1},
        "reps": {},
        "teams": [],
        "unrouted": [
            {"line": 2, "lead": "<b>x</b>", "at": "", "route": None, "outcome": "unrouted",
             "reasons": ["a & b"]}
        ],
    }  # fmt: skip
    meta = {"rules": "<r>.route", "leads": "l", "start": "s", "every": "5m"}
    page = _simulate.render_html(data, meta)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "a &amp; b" in page


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("terminal", [True, False])
def test_progress_bar_only_on_a_terminal_for_long_inputs(
    terminal: bool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stream = FakeTerminal() if terminal else io.StringIO()
    monkeypatch.setattr(_simulate, "PROGRESS_MIN", 10)
    with monkeypatch.context() as patch:
        patch.setattr(sys, "stderr", stream)
        code, _, _ = run([RULES, "--leads", JSONL, "--start", START], capsys)
    assert code == 0
    shown = stream.getvalue()
    if terminal:
        assert "\rrouting 30/30 [" in shown and "] 100%" in shown
        assert shown.endswith("\r")  # the bar is wiped when done
    else:
        assert shown == ""


def test_short_inputs_get_no_progress_bar(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stream = FakeTerminal()
    with monkeypatch.context() as patch:
        patch.setattr(sys, "stderr", stream)
        run([RULES, "--leads", JSONL, "--start", START], capsys)
    assert stream.getvalue() == ""


def test_csv_leads_and_a_starting_state(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(
        [RULES, "--leads", str(EXAMPLES / "leads.csv"), "--start", START, "--format", "json"],
        capsys,
    )
    assert code == 0
    data = json.loads(out)
    assert data["total"] == 10 and data["every"] == "5m"
    state = tmp_path / "state.json"
    state.write_text(
        json.dumps({"teams": {"sdr": {"strategies": {"round_robin": {"last": "alex"}}}}})
    )
    first = report(capsys)
    moved = report(capsys, "--state", f"@{state}")
    assert first["reps"] != moved["reps"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("5m", dt.timedelta(minutes=5)),
        ("30s", dt.timedelta(seconds=30)),
        ("2h", dt.timedelta(hours=2)),
        ("1d", dt.timedelta(days=1)),
        ("90", dt.timedelta(minutes=90)),
        ("1.5h", dt.timedelta(minutes=90)),
        ("0", dt.timedelta(0)),
    ],
)
def test_every(text: str, expected: dt.timedelta) -> None:
    assert _simulate.parse_every(text) == expected


@pytest.mark.parametrize(
    "argv, message",
    [
        ([RULES, "--leads", JSONL, "--every", "soon"], "--every: 'soon' is not a duration"),
        ([RULES, "--leads", "nope.jsonl"], "nope.jsonl: no such file"),
        ([RULES, "--leads", JSONL, "--start", "2026-11-23T16:00"], "has no time zone"),
        ([RULES, "--leads", JSONL, "--html", "/no/such/dir/r.html"], "--html: cannot write"),
    ],
)
def test_bad_input_exits_2(
    argv: List[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(argv, capsys)
    assert code == 2
    assert message in err


def test_without_hypothesis_the_command_says_what_to_install() -> None:
    code = f"""
import sys, argparse
sys.modules['hypothesis'] = None
from routekit.cli import _simulate
parser = argparse.ArgumentParser()
_simulate.register(parser.add_subparsers(dest='command'))
args = parser.parse_args(['simulate', {RULES!r}, '--leads', {JSONL!r}])
try:
    args.handler(args)
except Exception as error:
    print(type(error).__name__, error)
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert "CliError routekit simulate: routekit.testing needs Hypothesis: " in out.stdout
    assert "pip install routekit[testing]" in out.stdout


@pytest.mark.skipif(
    "_simulate" not in cli._SUBCOMMAND_MODULES, reason="simulate is not wired into the CLI yet"
)
def test_routekit_main_runs_simulate(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["simulate", RULES, "--leads", JSONL, "--start", START]) == 0
    assert "outcomes: 27 assigned, 3 rejected" in capsys.readouterr().out
