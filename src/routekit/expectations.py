"""Running the ``expect`` blocks of a `.route` file: tests that live next to the rules.

Theory of operation
-------------------
Each ``expect`` block names a lead (as literals), optionally a ``now``, and what the
decision must be. `run_expectations` builds one `Router` for the plan and routes each
block's lead from a fresh `MemoryState`, so expectations never depend on each other or on
their order: a rotation always starts from the top. The result is data (`ExpectationReport`)
holding the decision of every block, so a failure can show the full ``explain()``; the
``routekit test`` command only formats it.

The defaults follow LANGUAGE.md §9: without a roster, every rep the file names is active and
always available; without ``now``, the decision time is Monday 2026-01-05 15:00 UTC.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Tuple, Union

import attrs

from . import ast
from .decision import Decision
from .errors import LeadError, RoutekitValueError
from .plan import Plan
from .roster import Rep
from .router import AccountsArg, Router
from .state import MemoryState

#: The decision time of an expectation that does not say ``now`` (a Monday afternoon).
DEFAULT_NOW = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.timezone.utc)

#: How an absent value is shown in a mismatch ("got nothing" reads better than "None").
_NOTHING = "(none)"


@attrs.frozen
class Mismatch:
    """One way a decision differs from its expectation.

    ``item`` is ``outcome``, ``route``, ``assignee``, ``assignee in``, ``team``,
    ``attribute NAME`` or ``error``; ``expected`` and ``actual`` are the values compared
    (``actual`` is None when the decision has no such value).
    """

    item: str
    expected: Any
    actual: Any

    def describe(self) -> str:
        """E.g. ``assignee: expected riley, got (none)``; route names and text are quoted."""
        if self.item == "route":
            actual = _route_text(self.actual, "(no route matched)")
            return f"route: expected {_route_text(self.expected, '')}, got {actual}"
        quote = self.item.startswith("attribute ")
        return (
            f"{self.item}: expected {_show(self.expected, quote)}, got {_show(self.actual, quote)}"
        )


@attrs.frozen
class ExpectationResult:
    """The outcome of one ``expect`` block.

    ``decision`` is None only when the lead could not be routed at all (a `LeadError`, for a
    schema's ``required`` field); ``error`` then says why.
    """

    name: str
    expect: ast.Expect = attrs.field(repr=False)
    now: dt.datetime
    mismatches: Tuple[Mismatch, ...] = ()
    decision: Optional[Decision] = attrs.field(default=None, repr=False)
    error: Optional[str] = None

    @property
    def passed(self) -> bool:
        return not self.mismatches and self.error is None

    @property
    def line(self) -> int:
        """The line of the ``expect`` block in its file (0 when unknown)."""
        return self.expect.span.line

    def expected_summary(self) -> str:
        """What the block asks for, e.g. ``outcome (any), route "Too small", assignee (any)``."""
        e = self.expect
        if e.assignee_in is not None:
            assignee = "in [" + ", ".join(e.assignee_in) + "]"
        else:
            assignee = e.assignee if e.assignee is not None else "(any)"
        return _summary(e.outcome or "(any)", _route_text(e.route, "(any)"), assignee)

    def actual_summary(self) -> str:
        """What the decision was, in the same shape as `expected_summary`."""
        d = self.decision
        if d is None:
            return f"error: {self.error}"
        return _summary(d.outcome, _route_text(d.route, "(no route matched)"), _show(d.assignee))


@attrs.frozen
class ExpectationReport:
    """Every expectation of one plan, in file order."""

    name: str
    results: Tuple[ExpectationResult, ...] = ()

    @property
    def passed(self) -> int:
        return sum(1 for r in self.results if r.passed)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.results if not r.passed)

    @property
    def ok(self) -> bool:
        """True when every expectation passed (also when there are none)."""
        return self.failed == 0

    def failures(self) -> Tuple[ExpectationResult, ...]:
        return tuple(r for r in self.results if not r.passed)


def run_expectations(
    plan: Plan,
    *,
    roster: Optional[Iterable[Union[Rep, Mapping[str, Any]]]] = None,
    accounts: AccountsArg = None,
    tables: Optional[Mapping[str, Mapping[Any, Any]]] = None,
    functions: Optional[Mapping[str, Callable[..., Any]]] = None,
) -> ExpectationReport:
    """Run every ``expect`` block of ``plan``, each from a fresh state.

    Args:
        plan: the compiled rules, from `routekit.load` / `routekit.loads`.
        roster: the reps; default every rep the file names, active and always available.
        accounts, tables, functions: as for `Router`.

    Raises:
        RosterError: bad roster data, as `Router()` raises it.
        RouteError: a function the rules call is not given.
        RoutekitValueError: other bad host data (a ``from host`` table with no rows).

    A lead that cannot be routed does not raise: its expectation fails with the error.
    """
    if roster is None:
        roster = default_roster(plan)
    router = Router(plan, roster=roster, accounts=accounts, tables=tables, functions=functions)
    return ExpectationReport(
        plan.name, tuple(_run_one(router, expect) for expect in plan.expectations)
    )


def default_roster(plan: Plan) -> List[Dict[str, Any]]:
    """Every rep the file names (including in its expectations), active and always available."""
    return [{"id": rep} for rep in sorted(plan.requirements.reps)]


def lead_from_expect(expect: ast.Expect) -> Dict[str, Any]:
    """The lead an ``expect`` block describes, as the plain mapping a host would pass."""
    lead: Dict[str, Any] = {}
    for name, value in expect.lead:
        lead[name] = _plain(value)
    return lead


def _plain(value: Union[ast.Literal, ast.ListValue, ast.Value]) -> Any:
    if isinstance(value, ast.Literal):
        return value.value
    if isinstance(value, ast.ListValue):
        return [_plain(item) for item in value.items]
    # The grammar only allows literals and lists in a lead; anything else is a builder bug.
    raise RoutekitValueError(f"an expectation's lead holds literals, not {type(value).__name__}")


def _run_one(router: Router, expect: ast.Expect) -> ExpectationResult:
    now = expect.now if expect.now is not None else DEFAULT_NOW
    lead = lead_from_expect(expect)
    try:
        decision = router.route(lead, now=now, state=MemoryState())
    except LeadError as error:
        return ExpectationResult(expect.name, expect, now, error=str(error))
    return ExpectationResult(expect.name, expect, now, _compare(expect, decision), decision)


def _compare(expect: ast.Expect, decision: Decision) -> Tuple[Mismatch, ...]:
    found: List[Mismatch] = []
    if expect.outcome is not None and decision.outcome != expect.outcome:
        found.append(Mismatch("outcome", expect.outcome, decision.outcome))
    if expect.route is not None and decision.route != expect.route:
        found.append(Mismatch("route", expect.route, decision.route))
    if expect.assignee is not None and decision.assignee != expect.assignee:
        found.append(Mismatch("assignee", expect.assignee, decision.assignee))
    if expect.assignee_in is not None and decision.assignee not in expect.assignee_in:
        found.append(Mismatch("assignee in", list(expect.assignee_in), decision.assignee))
    if expect.team is not None and decision.team != expect.team:
        found.append(Mismatch("team", expect.team, decision.team))
    for name, literal in expect.attributes:
        actual = decision.attributes.get(name)
        if name not in decision.attributes or not _same(literal.value, actual):
            found.append(Mismatch(f"attribute {name}", literal.value, actual))
    return tuple(found)


def _same(expected: Any, actual: Any) -> bool:
    """Equality that keeps ``true`` apart from ``1`` (Python says ``True == 1``)."""
    if isinstance(expected, bool) or isinstance(actual, bool):
        return type(expected) is type(actual) and expected == actual
    return bool(expected == actual)


def _summary(outcome: str, route: str, assignee: str) -> str:
    return f"outcome {outcome}, route {route}, assignee {assignee}"


def _route_text(route: Optional[str], absent: str) -> str:
    if route is None:
        return absent
    return "fallback" if route == "fallback" else _quoted(route)


def _show(value: Any, quote: bool = False) -> str:
    """A value as it would be written in a `.route` file (names bare, other text quoted)."""
    if value is None:
        return _NOTHING
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return _quoted(value) if quote or not value.isidentifier() else value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(_show(v, quote) for v in value) + "]"
    return str(value)


def _quoted(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


__all__ = [
    "DEFAULT_NOW",
    "ExpectationReport",
    "ExpectationResult",
    "Mismatch",
    "default_roster",
    "lead_from_expect",
    "run_expectations",
]
