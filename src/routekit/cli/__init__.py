"""The ``routekit`` command: the only part of routekit that reads files or prints.

``routekit check FILE...`` loads rule files and reports every problem; ``routekit explain
FILE --lead JSON|@file`` routes one lead (or a list of leads) and prints the decision with
its explanation.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import warnings
from typing import Any, Dict, List, Mapping, Optional, Sequence

from .._version import __version__
from ..api import load
from ..errors import RoutekitError, RoutekitWarning
from ..router import Router
from ..state import MemoryState
from ._common import CliError, data_beside, json_arg, parse_now, roster_for

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the command line; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.handler(args))
    except CliError as error:
        print(f"routekit: {error}", file=sys.stderr)
        return EXIT_USAGE
    except RoutekitError as error:
        print(str(error), file=sys.stderr)
        return EXIT_FINDINGS
    except KeyboardInterrupt:  # pragma: no cover - interactive only
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="routekit", description="Lead routing rules as code: check rules, explain decisions."
    )
    parser.add_argument("--version", action="version", version=f"routekit {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    explain = commands.add_parser("explain", help="route a lead and explain the decision")
    explain.add_argument("file", metavar="FILE", help="a .route file")
    explain.add_argument("--lead", required=True, help="the lead as JSON, or @path to a JSON file")
    explain.add_argument(
        "--roster",
        help="the roster as JSON, or @path (default: FILE.roster.json "
        "beside the rules, else every rep the rules name, always available)",
    )
    explain.add_argument(
        "--accounts",
        help="accounts as JSON {domain: record}, or @path "
        "(default: FILE.accounts.json beside the rules)",
    )
    explain.add_argument("--tables", help="host tables as JSON {name: {key: rep}}, or @path")
    explain.add_argument(
        "--state", help="a state snapshot as JSON, or @path (default: a fresh state)"
    )
    explain.add_argument(
        "--now", help="the decision time, ISO 8601 with a zone (default: the clock)"
    )
    explain.add_argument("--json", action="store_true", help="print the decision as JSON")
    explain.set_defaults(handler=_explain)

    for module_name in _SUBCOMMAND_MODULES:
        module = importlib.import_module(f"{__name__}.{module_name}")
        module.register(commands)
    return parser


# Each module named here defines ``register(commands)``, adding one subcommand to the
# argparse sub-parsers with ``set_defaults(handler=...)``; a handler returns the exit code
# and may raise `CliError` (exit 2) or a `RoutekitError` (printed, exit 1).
_SUBCOMMAND_MODULES: List[str] = ["_check", "_test", "_graph", "_diff", "_fmt", "_simulate"]


def _explain(args: argparse.Namespace) -> int:
    plan = load(args.file)
    roster = roster_for(plan, args.file, args.roster)
    accounts = data_beside(args.file, args.accounts, "--accounts", ".accounts.json")
    tables = data_beside(args.file, args.tables, "--tables", ".tables.json")
    if accounts is not None and not isinstance(accounts, Mapping):
        raise CliError("--accounts must be a JSON object mapping domains to account records")
    snapshot = json_arg(args.state, "--state") if args.state else None
    now = parse_now(args.now)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RoutekitWarning)
        router = Router(plan, roster=roster, accounts=accounts, tables=tables)
    for warning in caught:
        print(f"warning: {warning.message}", file=sys.stderr)
    leads = json_arg(args.lead, "--lead")
    batch: List[Any] = leads if isinstance(leads, list) else [leads]
    state = MemoryState(snapshot)
    outputs: List[Dict[str, Any]] = []
    for index, lead in enumerate(batch):
        decision = router.route(lead, now=now, state=state)
        if args.json:
            outputs.append(decision.to_dict())
        else:
            if len(batch) > 1:
                print(f"--- lead {index + 1} ---")
            print(decision.explain())
    if args.json:
        print(
            json.dumps(
                outputs if isinstance(leads, list) else outputs[0], indent=2, ensure_ascii=False
            )
        )
    return EXIT_OK
