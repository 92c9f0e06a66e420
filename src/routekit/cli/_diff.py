"""``routekit diff OLD.route NEW.route --leads FILE``: what a rules change would do to real leads.

Every lead is routed through both rule files, each with its own fresh `MemoryState`, the
same roster and the same ``now``, in file order. A lead *changes* when its route, outcome
or team differs, or, when neither decision came from a team (``rep x``, ``account.owner``),
when its assignee differs. A different rep from the same team is not a change: rotation
moves whenever an earlier lead takes another path, so comparing rotation picks would flag
nearly every lead after the first real change.

Changes are grouped by (old route → new route) with counts and the first few leads of each
group by line number; ``--format json`` gives the same for machines. Like ``diff``, the exit
code is 0 when nothing changes, 1 when something does and 2 when the inputs are unusable.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

import attrs

from ..api import load
from ..decision import Decision
from ..errors import LeadError, RoutekitError
from ..expectations import DEFAULT_NOW
from ..leads_io import numbered_leads
from ..plan import Plan
from ..router import Router
from ..state import MemoryState
from ._common import CliError, beside, json_arg, parse_now, roster_for
from ._test import with_warnings

#: How many leads of each group the text report shows (the JSON lists every line).
DEFAULT_EXAMPLES = 3

_LABEL_FIELDS = ("email", "name", "id", "company")


@attrs.frozen
class Side:
    """What one rule file did with a lead: the parts of a decision a diff compares."""

    outcome: str
    route: Optional[str] = None
    team: Optional[str] = None
    assignee: Optional[str] = None
    error: Optional[str] = None

    @classmethod
    def of(cls, decision: Decision) -> Side:
        return cls(decision.outcome, decision.route, decision.team, decision.assignee)

    @property
    def key(self) -> Tuple[Any, ...]:
        """What must be equal for the lead to count as unchanged (see the module docstring)."""
        single_rep = self.assignee if self.team is None else None
        return (self.outcome, self.route, self.team, single_rep, self.error)

    def describe(self) -> str:
        if self.error is not None:
            return f"error: {self.error}"
        if self.outcome == "assigned":
            team = f" (team {self.team})" if self.team else ""
            return f"assigned to {self.assignee}{team}"
        return self.outcome

    def to_dict(self) -> Dict[str, Any]:
        out: Dict[str, Any] = {
            "outcome": self.outcome,
            "route": self.route,
            "team": self.team,
            "assignee": self.assignee,
        }
        if self.error is not None:
            out["error"] = self.error
        return out


@attrs.frozen
class Change:
    line: int
    label: str
    old: Side
    new: Side


@attrs.frozen
class Group:
    """The leads that moved from one route to another."""

    old_route: Optional[str]
    new_route: Optional[str]
    lines: Tuple[int, ...]
    examples: Tuple[Change, ...]

    @property
    def count(self) -> int:
        return len(self.lines)


@attrs.frozen
class DiffReport:
    total: int
    groups: Tuple[Group, ...]

    @property
    def changed(self) -> int:
        return sum(g.count for g in self.groups)


def register(commands: Any) -> None:
    """Add ``diff`` to the ``routekit`` sub-commands."""
    parser: argparse.ArgumentParser = commands.add_parser(
        "diff",
        help="compare two rule files on a batch of leads",
        description="Route every lead through both rule files and report the leads whose "
        "route, outcome or team changes. Exit 0: no change; 1: changes; 2: bad input.",
    )
    parser.add_argument("old", metavar="OLD", help="the current .route file")
    parser.add_argument("new", metavar="NEW", help="the changed .route file")
    parser.add_argument(
        "--leads", required=True, help="leads: .jsonl (a JSON object per line) or .csv"
    )
    parser.add_argument(
        "--roster",
        help="the roster as JSON, or @path (default: OLD.roster.json or NEW.roster.json "
        "beside the rules, else every rep either file names, always available)",
    )
    parser.add_argument(
        "--accounts",
        help="accounts as JSON {domain: record}, or @path (default: OLD.accounts.json or "
        "NEW.accounts.json beside the rules, if there is one)",
    )
    parser.add_argument("--tables", help="host tables as JSON {name: {key: rep}}, or @path")
    parser.add_argument(
        "--now",
        help="the decision time for every lead, ISO 8601 with a zone "
        "(default: 2026-01-05T15:00:00Z, as for `routekit test`, so diffs are reproducible)",
    )
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument(
        "--examples",
        type=int,
        default=DEFAULT_EXAMPLES,
        metavar="N",
        help=f"leads shown per group (default {DEFAULT_EXAMPLES})",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Compare the two files on the leads; print the report; exit 1 when any lead changes."""
    if args.examples < 0:
        raise CliError("--examples must be 0 or more")
    old_plan, new_plan = _load(args.old), _load(args.new)
    now = parse_now(args.now) if args.now else DEFAULT_NOW
    roster = _roster(args, old_plan, new_plan)
    accounts = _first_data(args.accounts, "--accounts", [args.old, args.new], ".accounts.json")
    if accounts is not None and not isinstance(accounts, Mapping):
        raise CliError("accounts must be a JSON object mapping domains to account records")
    tables = _first_data(args.tables, "--tables", [args.old, args.new], ".tables.json")
    if tables is not None and not isinstance(tables, Mapping):
        raise CliError("tables must be a JSON object {name: {key: rep}}")
    try:
        old_router = with_warnings(lambda: _router(old_plan, roster, accounts, tables))
        new_router = with_warnings(lambda: _router(new_plan, roster, accounts, tables))
        report = compare(old_router, new_router, numbered_leads(args.leads), now, args.examples)
    except RoutekitError as error:  # bad roster, leads file or host data: exit 2, like diff
        raise CliError(str(error)) from None
    if args.format == "json":
        print(json.dumps(_json(report, args, now), indent=2, ensure_ascii=False))
    else:
        print(_text(report, args, now))
    return 1 if report.changed else 0


def compare(
    old: Router,
    new: Router,
    leads: Iterable[Tuple[int, Mapping[str, Any]]],
    now: dt.datetime,
    examples: int = DEFAULT_EXAMPLES,
) -> DiffReport:
    """Route each (line, lead) through both routers, each with its own fresh state."""
    old_state, new_state = MemoryState(), MemoryState()
    lines: Dict[Tuple[Optional[str], Optional[str]], List[int]] = {}
    shown: Dict[Tuple[Optional[str], Optional[str]], List[Change]] = {}
    total = 0
    for line, lead in leads:
        total += 1
        before = _side(old, lead, now, old_state)
        after = _side(new, lead, now, new_state)
        if before.key == after.key:
            continue
        group = (before.route, after.route)
        lines.setdefault(group, []).append(line)
        kept = shown.setdefault(group, [])
        if len(kept) < examples:
            kept.append(Change(line, _label(lead), before, after))
    groups = [
        Group(old_route, new_route, tuple(found), tuple(shown[(old_route, new_route)]))
        for (old_route, new_route), found in lines.items()
    ]
    groups.sort(key=lambda g: (-g.count, g.lines[0]))
    return DiffReport(total, tuple(groups))


def _side(router: Router, lead: Mapping[str, Any], now: dt.datetime, state: MemoryState) -> Side:
    try:
        return Side.of(router.route(lead, now=now, state=state))
    except LeadError as error:  # e.g. a `required` field one of the files' schemas adds
        return Side("error", error=str(error))


def _load(path: str) -> Plan:
    try:
        return load(path)
    except RoutekitError as error:
        raise CliError(str(error)) from None


def _router(plan: Plan, roster: List[Any], accounts: Any, tables: Any) -> Router:
    mine = None
    if plan.requirements.host_tables:
        # One --tables file serves both versions: each gets only the tables it declares.
        mine = {k: v for k, v in (tables or {}).items() if k in plan.requirements.host_tables}
    return Router(plan, roster=roster, accounts=accounts, tables=mine)


def _roster(args: argparse.Namespace, old: Plan, new: Plan) -> List[Any]:
    if args.roster:
        return roster_for(old, args.old, args.roster)
    for plan, path in ((old, args.old), (new, args.new)):
        if os.path.exists(beside(path, ".roster.json")):
            return roster_for(plan, path, None)
    reps = old.requirements.reps | new.requirements.reps
    return [{"id": rep} for rep in sorted(reps)]


def _first_data(given: Optional[str], option: str, paths: List[str], suffix: str) -> Any:
    if given:
        return json_arg(given, option)
    for path in paths:
        found = beside(path, suffix)
        if os.path.exists(found):
            return json_arg("@" + found, found)
    return None


def _label(lead: Mapping[str, Any]) -> str:
    """A short way to recognise a lead in the report: its e-mail, name, id or company."""
    for field in _LABEL_FIELDS:
        value = lead.get(field)
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
            text = " ".join(str(value).split())
            return text if len(text) <= 40 else text[:39] + "…"
    return ""


def _route_name(route: Optional[str]) -> str:
    if route is None:
        return "(no route)"
    return "fallback" if route == "fallback" else json.dumps(route, ensure_ascii=False)


def _text(report: DiffReport, args: argparse.Namespace, now: dt.datetime) -> str:
    out = [
        f"{args.old} → {args.new}",
        f"{report.total} lead{'s' if report.total != 1 else ''} from {args.leads} "
        f"at {now.isoformat()}: {report.changed} changed, "
        f"{report.total - report.changed} unchanged",
    ]
    if not report.groups:
        out.append("no lead changes route, outcome or team")
    for group in report.groups:
        out.append("")
        out.append(
            f"{_route_name(group.old_route)} → {_route_name(group.new_route)}: "
            f"{group.count} lead{'s' if group.count != 1 else ''}"
        )
        for change in group.examples:
            who = f" ({change.label})" if change.label else ""
            out.append(
                f"  line {change.line}{who}: {change.old.describe()} → {change.new.describe()}"
            )
        hidden = group.count - len(group.examples)
        if hidden > 0:
            more = ", ".join(str(n) for n in group.lines[len(group.examples) :][:10])
            tail = ", …" if hidden > 10 else ""
            out.append(f"  … and {hidden} more (lines {more}{tail})")
    return "\n".join(out)


def _json(report: DiffReport, args: argparse.Namespace, now: dt.datetime) -> Dict[str, Any]:
    return {
        "old": args.old,
        "new": args.new,
        "leads": args.leads,
        "now": now.isoformat(),
        "total": report.total,
        "changed": report.changed,
        "unchanged": report.total - report.changed,
        "groups": [
            {
                "old_route": group.old_route,
                "new_route": group.new_route,
                "count": group.count,
                "lines": list(group.lines),
                "examples": [
                    {
                        "line": change.line,
                        "lead": change.label,
                        "old": change.old.to_dict(),
                        "new": change.new.to_dict(),
                    }
                    for change in group.examples
                ],
            }
            for group in report.groups
        ],
    }


__all__ = ["DiffReport", "Group", "Side", "compare", "register", "run"]
