"""``routekit test FILE...``: run the ``expect`` blocks written next to the rules.

Each file is tested with the roster from ``--roster``, else ``FILE.roster.json`` beside it,
else every rep it names (always available); accounts and host tables likewise come from
``--accounts`` / ``--tables`` or ``FILE.accounts.json`` / ``FILE.tables.json`` beside it,
so a checked-in example tests the same way on every machine. Exit 0 when every expectation
passes, 1 when one fails or a file cannot be loaded.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import Any, Callable, List, Mapping, Optional, TypeVar

from ..api import load
from ..errors import RoutekitError, RoutekitWarning
from ..expectations import ExpectationReport, ExpectationResult, run_expectations
from ._common import CliError, data_beside, roster_for

T = TypeVar("T")


def register(commands: Any) -> None:
    """Add ``test`` to the ``routekit`` sub-commands."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "test",
        help="run the expect blocks of rule files",
        description="Run the `expect` blocks of each rule file, each from a fresh state, "
        "and report which pass.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help=".route files")
    parser.add_argument(
        "--roster",
        help="the roster as JSON, or @path (default: FILE.roster.json beside the rules, "
        "else every rep the rules name, always available)",
    )
    parser.add_argument(
        "--accounts",
        help="accounts as JSON {domain: record}, or @path (default: FILE.accounts.json "
        "beside the rules, if there is one)",
    )
    parser.add_argument(
        "--tables",
        help="host tables as JSON {name: {key: rep}}, or @path (default: FILE.tables.json "
        "beside the rules, if there is one)",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Test every file; print PASS/FAIL lines, failure details and a summary line."""
    passed = failed = broken = 0
    for path in args.files:
        report = _test_file(path, args)
        if report is None:
            broken += 1
            continue
        if not report.results:
            print(f"no expectations in {path}")
            continue
        count = len(report.results)
        print(f"{path}: {count} expectation{'s' if count != 1 else ''}")
        for result in report.results:
            print(_render(result, path))
        passed += report.passed
        failed += report.failed
    print()
    print(f"{passed} passed, {failed} failed")
    if broken:
        print(f"{broken} file{'s' if broken != 1 else ''} could not be tested")
    return 1 if failed or broken else 0


def _test_file(path: str, args: argparse.Namespace) -> Optional[ExpectationReport]:
    """The report for one file, or None (after printing why) when it cannot be tested."""
    try:
        plan = load(path)
    except RoutekitError as error:
        print(str(error), file=sys.stderr)
        return None
    roster = roster_for(plan, path, args.roster)
    accounts = data_beside(path, args.accounts, "--accounts", ".accounts.json")
    tables = data_beside(path, args.tables, "--tables", ".tables.json")
    if accounts is not None and not isinstance(accounts, Mapping):
        raise CliError("accounts must be a JSON object mapping domains to account records")
    if tables is not None:
        if not isinstance(tables, Mapping):
            raise CliError("tables must be a JSON object {name: {key: rep}}")
        # One --tables file may serve several rule files: give each only the tables it declares.
        tables = {k: v for k, v in tables.items() if k in plan.requirements.host_tables}
    try:
        return with_warnings(
            lambda: run_expectations(plan, roster=roster, accounts=accounts, tables=tables)
        )
    except RoutekitError as error:
        print(f"{path}: {error}", file=sys.stderr)
        return None


def with_warnings(action: Callable[[], T]) -> T:
    """Run ``action``, printing routekit's warnings (reps not in the roster) to stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RoutekitWarning)
        value = action()
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    return value


def _render(result: ExpectationResult, path: str) -> str:
    if result.passed:
        return f"PASS {result.name}"
    lines: List[str] = [
        f"FAIL {result.name} ({path}:{result.line})",
        f"  expected: {result.expected_summary()}",
        f"  actual:   {result.actual_summary()}",
    ]
    lines.extend(f"  ✗ {mismatch.describe()}" for mismatch in result.mismatches)
    if result.decision is not None:
        lines.append("  explanation:")
        lines.extend("    " + line for line in result.decision.explain().splitlines())
    return "\n".join(lines)


__all__ = ["register", "run", "with_warnings"]
