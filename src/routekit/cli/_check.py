"""``routekit check FILE...``: load rule files, report load errors, then lint what loaded.

Load errors (`RouteSyntaxError`, `RouteError`) are always errors. Lint findings
(`routekit.lint.lint`) are warnings, or ``info`` notes; ``--strict`` turns warnings into
errors. The exit code is 1 when any error was reported, else 0: notes never fail a build.

``--format text`` (the default) keeps the long-standing behaviour — load errors on stderr, a
``FILE: ok (...)`` line per file that loaded — and prints findings on stdout with a caret.
``--format json`` prints one JSON array of findings for CI tools; ``--format github``
prints GitHub Actions workflow commands, which GitHub shows as annotations on the diff.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Dict, FrozenSet, List, Mapping, Optional

import attrs

from ..api import load
from ..errors import Diagnostic, RouteError, RoutekitError, RouteSyntaxError
from ..lint import lint
from ..roster import Roster
from ..source import UNKNOWN_SPAN, Source
from ._common import CliError, json_arg

EXIT_OK = 0
EXIT_FINDINGS = 1

FORMATS = ("text", "json", "github")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``check`` subcommand to the ``routekit`` command's sub-parsers."""
    check = commands.add_parser(
        "check",
        help="load rule files, report every problem, and lint them",
        description="Load each rule file and report every load error; then look deeper: "
        "routes that can never match, conditions that can never be true, teams with no "
        "members, reps missing from the roster, unused defines, teams and tables.",
    )
    check.add_argument("files", nargs="+", metavar="FILE", help=".route files")
    check.add_argument(
        "--roster", help="the roster as JSON, or @path: report reps the rules name but it lacks"
    )
    check.add_argument(
        "--strict", action="store_true", help="treat warnings as errors (exit 1 on any warning)"
    )
    check.add_argument(
        "--format",
        choices=FORMATS,
        default="text",
        help="text (default), json (an array of findings) or github (workflow annotations)",
    )
    check.set_defaults(handler=run)


@attrs.frozen
class Finding:
    """One diagnostic, the file it is about, and that file's source (None if unreadable)."""

    file: str
    diagnostic: Diagnostic
    source: Optional[Source]

    def to_dict(self) -> Dict[str, Any]:
        """The JSON form: ``file, line, column, end_line, end_column, code, severity, ...``."""
        span = self.diagnostic.span
        line = column = end_line = end_column = None
        if span.line > 0:
            line, column = span.line, span.column
            if self.source is not None:
                end_line, end_column = self.source.position(max(span.end, span.start))
        return {
            "file": self.file,
            "line": line,
            "column": column,
            "end_line": end_line,
            "end_column": end_column,
            "code": self.diagnostic.code,
            "severity": self.diagnostic.severity,
            "message": self.diagnostic.message,
            "hint": self.diagnostic.hint,
        }


def run(args: argparse.Namespace) -> int:
    """The ``check`` handler: returns the exit code."""
    roster_ids = roster_ids_from(args.roster) if args.roster else None
    findings: List[Finding] = []
    failed = False
    for path in args.files:
        try:
            plan = load(path)
        except (RouteSyntaxError, RouteError) as error:
            failed = True
            findings.extend(Finding(path, d, error.source) for d in error.diagnostics)
            if args.format == "text":
                print(str(error), file=sys.stderr)
            continue
        except RoutekitError as error:  # unreadable: no such file, not UTF-8
            failed = True
            unreadable = Diagnostic("unreadable", str(error), UNKNOWN_SPAN)
            findings.append(Finding(path, unreadable, None))
            if args.format == "text":
                print(str(error), file=sys.stderr)
            continue
        found = lint(plan, roster_ids=roster_ids)
        if args.strict:
            found = [
                attrs.evolve(d, severity="error") if d.severity == "warning" else d for d in found
            ]
        if any(d.severity == "error" for d in found):
            failed = True
        findings.extend(Finding(path, d, plan.source) for d in found)
        if args.format == "text":
            for diagnostic in found:
                print(_render(diagnostic, plan.source))
            print(f"{path}: {_verdict(found)} ({_summary(plan.describe())})")
    if args.format == "json":
        print(json.dumps([f.to_dict() for f in findings], indent=2, ensure_ascii=False))
    elif args.format == "github":
        for finding in findings:
            print(github_command(finding))
    return EXIT_FINDINGS if failed else EXIT_OK


def roster_ids_from(value: str) -> FrozenSet[str]:
    """The rep ids of ``--roster`` (JSON or @path; a list of reps or ``{"reps": [...]}``)."""
    roster = json_arg(value, "--roster")
    if isinstance(roster, Mapping) and "reps" in roster:
        roster = roster["reps"]
    if not isinstance(roster, list):
        raise CliError('a roster is a JSON list of reps (or an object with a "reps" list)')
    return frozenset(Roster(roster).ids)  # RosterError (exit 1) names a bad rep and field


def _render(diagnostic: Diagnostic, source: Source) -> str:
    # `Diagnostic.render` prints `name:line:col: message`; put the severity and code in it.
    labelled = attrs.evolve(
        diagnostic, message=f"{diagnostic.severity}: {diagnostic.message} [{diagnostic.code}]"
    )
    return labelled.render(source)


def _verdict(found: List[Diagnostic]) -> str:
    counts = []
    for severity in ("error", "warning"):
        n = sum(1 for d in found if d.severity == severity)
        if n:
            counts.append(f"{n} {severity}{'s' if n != 1 else ''}")
    return ", ".join(counts) or "ok"


def _summary(summary: Mapping[str, Any]) -> str:
    return (
        f"{len(summary['routes'])} routes, {len(summary['teams'])} teams, "
        f"{len(summary['tables'])} tables{', fallback' if summary['fallback'] else ''}"
    )


_GITHUB_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def github_command(finding: Finding) -> str:
    """A GitHub Actions workflow command (``::warning file=...,line=...::message``)."""
    data = finding.to_dict()
    props = [f"file={_escape_property(finding.file)}"]
    for key, name in (
        ("line", "line"),
        ("column", "col"),
        ("end_line", "endLine"),
        ("end_column", "endColumn"),
    ):
        if data[key] is not None:
            props.append(f"{name}={data[key]}")
    props.append(f"title={_escape_property(finding.diagnostic.code)}")
    message = finding.diagnostic.message
    if finding.diagnostic.hint:
        message += "\n" + finding.diagnostic.hint
    level = _GITHUB_LEVELS.get(finding.diagnostic.severity, "error")
    return f"::{level} {','.join(props)}::{_escape_data(message)}"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")
