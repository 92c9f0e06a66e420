"""`simulate`: route a stream of leads through a router and keep everything that happened.

Theory of operation
-------------------
The stream is folded in order. An arrival is routed with ``Router.route`` on one state
store at the stream's clock (``start + i * step``, moved further by `ClockStep` /
`ClockSet`). Roster events (`Vacation`, `SetActive`, a `Join` of an unrostered rep) rebuild
the router with ``with_roster``; team events (`Join`, `Leave`, `SetWeight`) edit the
team's ``members`` line in the plan's syntax tree, print it with the formatter and load
the result, exactly as if someone had edited the `.route` file between two leads.

Each routed lead becomes a `Step` holding the decision together with the roster, plan and
state snapshot it was decided from, so the assertions can recompute eligibility on their
own instead of trusting the trace. The one thing read from the trace is *who was eligible*
when a team picked (its ``candidate`` event), which is what the exact fair share needs:
at each pick every eligible member is entitled to its part of that lead under the team's
declared strategy (``w_i / W_E`` for ``weighted``, ``1 / |E|`` for ``round_robin``, the
lowest eligible tier for ``priority``), summed in exact fractions.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from typing import (
    Any,
    Callable,
    Dict,
    Iterable,
    List,
    Mapping,
    Optional,
    Sequence,
    Set,
    Tuple,
    Union,
)

import attrs

from .. import ast
from .._format import format_rules
from ..api import loads
from ..decision import Decision
from ..errors import LeadError, RoutekitTypeError, RoutekitValueError, RoutekitWarning
from ..plan import MemberPlan, Plan, TeamPlan
from ..roster import Rep, Roster
from ..router import Router
from ..state import MemoryState
from ..strategies import BUILTIN_STRATEGIES
from ._events import (
    Arrival,
    ClockSet,
    ClockStep,
    Event,
    Join,
    Leave,
    SetActive,
    SetWeight,
    Vacation,
)

__all__ = [
    "Deviation",
    "LedgerRow",
    "SimulationResult",
    "Step",
    "TeamPick",
    "describe_lead",
    "entitlement",
    "simulate",
]

StreamItem = Union[Mapping[str, Any], Event]


@attrs.frozen
class Step:
    """One routed lead: when, what, the decision (or the error), and what it was decided from.

    ``roster``, ``plan`` and ``snapshot`` (the state *before* this lead) are the inputs of the
    decision, kept so a check can recompute eligibility independently of the trace.
    """

    index: int
    now: dt.datetime
    lead: Mapping[str, Any]
    decision: Optional[Decision]
    error: Optional[str] = None
    roster: Roster = attrs.field(factory=Roster, eq=False, repr=False)
    plan: Optional[Plan] = attrs.field(default=None, eq=False, repr=False)
    snapshot: Mapping[str, Any] = attrs.field(factory=dict, eq=False, repr=False)

    @property
    def outcome(self) -> str:
        """The decision's outcome, or ``"error"`` when the lead raised `LeadError`."""
        return self.decision.outcome if self.decision is not None else "error"


@attrs.frozen
class TeamPick:
    """A lead a team gave to one of its members, with who was eligible and their entitlement."""

    step: int
    member: str
    strategy: str
    declared: str
    eligible: Tuple[str, ...]
    members: Tuple[MemberPlan, ...] = attrs.field(repr=False)
    entitled: Mapping[str, Fraction] = attrs.field(repr=False)


@attrs.frozen
class LedgerRow:
    """A team's standings right after one of its picks: raw counts and exact fair shares."""

    step: int
    pick: TeamPick
    counts: Mapping[str, int]
    shares: Mapping[str, Fraction]

    def deviation(self, member: str) -> Fraction:
        """``count − share``: positive is ahead of the exact share, negative is owed."""
        return self.counts.get(member, 0) - self.shares.get(member, Fraction(0))


@attrs.frozen
class Deviation:
    """The largest gap between a member's count and its exact share, and where it happened."""

    team: str
    member: str
    step: int
    count: int
    share: Fraction

    @property
    def value(self) -> Fraction:
        return self.count - self.share


def entitlement(
    strategy: str, members: Sequence[MemberPlan], eligible: Sequence[str]
) -> Dict[str, Fraction]:
    """What each eligible member is owed of one lead under ``strategy`` (LANGUAGE.md §6).

    ``round_robin`` shares equally; ``priority`` shares equally inside the lowest tier with
    anybody eligible; every other strategy shares by weight among the eligible (``w / W_E``).
    """
    by_id = {m.rep: m for m in members}
    present = [by_id[r] for r in eligible if r in by_id]
    if not present:
        return {}
    if strategy == "round_robin":
        return {m.rep: Fraction(1, len(present)) for m in present}
    if strategy == "priority":
        tier = min(m.tier for m in present)
        group = [m for m in present if m.tier == tier]
        return {m.rep: Fraction(1, len(group)) for m in group}
    total = sum((m.weight for m in present), Fraction(0))
    return {m.rep: m.weight / total for m in present}


def describe_lead(lead: Any, limit: int = 300) -> str:
    """A lead as compact JSON for a failure message (cut at ``limit`` characters)."""
    try:
        text = json.dumps(lead, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(lead)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@attrs.frozen
class SimulationResult:
    """Every decision of a simulation, with counts and exact fair shares over time.

    ``steps`` holds one `Step` per lead; ``events`` the non-lead events with the index of
    the step they preceded. Views (`picks`, `ledger`, `count_by`, ...) are computed on
    demand from the steps and cached.
    """

    steps: Tuple[Step, ...]
    events: Tuple[Tuple[int, Event], ...] = ()
    initial_snapshot: Mapping[str, Any] = attrs.field(factory=dict, repr=False)
    final_snapshot: Mapping[str, Any] = attrs.field(factory=dict, repr=False)
    _cache: Dict[Any, Any] = attrs.field(factory=dict, eq=False, repr=False)

    # ---- plain views --------------------------------------------------------------------

    @property
    def decisions(self) -> Tuple[Optional[Decision], ...]:
        """The decision for each lead (None where the lead raised `LeadError`)."""
        return tuple(step.decision for step in self.steps)

    @property
    def leads(self) -> Tuple[Mapping[str, Any], ...]:
        return tuple(step.lead for step in self.steps)

    @property
    def teams(self) -> Tuple[str, ...]:
        """Every team of the rules (as loaded at the last step), sorted."""
        names: Set[str] = set()
        for step in self.steps:
            if step.plan is not None:
                names.update(step.plan.teams)
        return tuple(sorted(names))

    def unrouted(self) -> Tuple[Step, ...]:
        """The steps whose lead nobody took (``unrouted``) or that raised `LeadError`."""
        return tuple(s for s in self.steps if s.outcome in ("unrouted", "error"))

    def count_by(self, kind: str = "rep") -> Dict[str, int]:
        """Leads per assignee (``"rep"``), per ``"team"``, per ``"route"`` or per ``"outcome"``."""
        return dict(self.timeline(kind)[-1]) if self.steps else {}

    def timeline(self, kind: str = "rep") -> Tuple[Dict[str, int], ...]:
        """Cumulative counts after each step (see `count_by` for ``kind``)."""
        key = ("timeline", kind)
        if key not in self._cache:
            pick = _KEYS.get(kind)
            if pick is None:
                raise RoutekitValueError(
                    f"kind must be one of {', '.join(sorted(_KEYS))}, not {kind!r}"
                )
            running: Counter[str] = Counter()
            out: List[Dict[str, int]] = []
            for step in self.steps:
                name = pick(step)
                if name is not None:
                    running[name] += 1
                out.append(dict(running))
            self._cache[key] = tuple(out)
        cached: Tuple[Dict[str, int], ...] = self._cache[key]
        return cached

    # ---- fairness -----------------------------------------------------------------------

    def picks(self, team: str) -> Tuple[TeamPick, ...]:
        """Every lead ``team`` gave out, in order, with who was eligible at the time."""
        key = ("picks", team)
        if key not in self._cache:
            found: List[TeamPick] = []
            for step in self.steps:
                decision = step.decision
                if decision is None or decision.team != team or step.plan is None:
                    continue
                found.append(_team_pick(step, decision, step.plan.teams[team]))
            self._cache[key] = tuple(found)
        cached: Tuple[TeamPick, ...] = self._cache[key]
        return cached

    def ledger(self, team: str) -> Tuple[LedgerRow, ...]:
        """The team's counts and exact fair shares after each of its picks."""
        key = ("ledger", team)
        if key not in self._cache:
            counts: Dict[str, int] = {}
            shares: Dict[str, Fraction] = {}
            rows: List[LedgerRow] = []
            for pick in self.picks(team):
                for member in pick.members:
                    counts.setdefault(member.rep, 0)
                    shares.setdefault(member.rep, Fraction(0))
                for rep, part in pick.entitled.items():
                    shares[rep] = shares.get(rep, Fraction(0)) + part
                counts[pick.member] = counts.get(pick.member, 0) + 1
                rows.append(LedgerRow(pick.step, pick, dict(counts), dict(shares)))
            self._cache[key] = tuple(rows)
        cached: Tuple[LedgerRow, ...] = self._cache[key]
        return cached

    def team_counts(self, team: str) -> Dict[str, int]:
        """Leads per member of ``team`` over the whole run."""
        rows = self.ledger(team)
        return dict(rows[-1].counts) if rows else {}

    def shares(self, team: str) -> Dict[str, Fraction]:
        """Each member's exact fair share of ``team``'s leads over the whole run."""
        rows = self.ledger(team)
        return dict(rows[-1].shares) if rows else {}

    def deviations(self, team: str) -> Dict[str, Fraction]:
        """``count − share`` per member at the end (positive: ahead; negative: owed)."""
        rows = self.ledger(team)
        if not rows:
            return {}
        return {m: rows[-1].deviation(m) for m in rows[-1].counts}

    def max_deviation(self, team: str) -> Optional[Deviation]:
        """The largest ``|count − share|`` any member of ``team`` reached, and when."""
        best: Optional[Deviation] = None
        for row in self.ledger(team):
            for member in row.counts:
                gap = abs(row.deviation(member))
                if best is None or gap > abs(best.value):
                    best = Deviation(team, member, row.step, row.counts[member], row.shares[member])
        return best


_KEYS: Dict[str, Callable[[Step], Optional[str]]] = {
    "rep": lambda s: s.decision.assignee if s.decision is not None else None,
    "team": lambda s: s.decision.team if s.decision is not None else None,
    "route": lambda s: (
        (s.decision.route or "(no route matched)") if s.decision is not None else None
    ),
    "outcome": lambda s: s.outcome,
}


def _team_pick(step: Step, decision: Decision, team: TeamPlan) -> TeamPick:
    """Who was eligible when ``team`` picked, read from the decision's ``candidate`` event."""
    candidates: Dict[str, Tuple[str, ...]] = {}
    eligible: Optional[Tuple[str, ...]] = None
    strategy = team.strategy
    for event in decision.trace:
        data = event.data
        if event.kind == "candidate" and "eligible" in data and "team" in data:
            candidates[str(data["team"])] = tuple(str(r) for r in data["eligible"])
        elif (
            event.kind == "pick"
            and data.get("team") == team.name
            and data.get("rep") == decision.assignee
        ):
            eligible = candidates.get(team.name)
            strategy = str(data.get("strategy", strategy))
    assignee = decision.assignee or ""
    if eligible is None:  # no trace of the candidates: only the assignee is known eligible
        eligible = (assignee,)
    return TeamPick(
        step.index,
        assignee,
        strategy,
        team.strategy,
        eligible,
        team.members,
        entitlement(team.strategy, team.members, eligible),
    )


# ---- running a stream ----------------------------------------------------------------------


def simulate(
    router: Router,
    leads_or_stream: Iterable[StreamItem],
    *,
    start: Optional[dt.datetime] = None,
    step: Optional[dt.timedelta] = None,
    state: Union[MemoryState, Mapping[str, Any], None] = None,
    progress: Optional[Callable[[int], None]] = None,
) -> SimulationResult:
    """Route every lead of ``leads_or_stream`` in order and return what happened.

    Args:
        router: the router to start from.
        leads_or_stream: lead mappings, or events (`Arrival`, `Join`, `Leave`, `SetWeight`,
            `Vacation`, `SetActive`, `ClockStep`, `ClockSet`), or both mixed.
        start: the time of the first lead (an aware datetime); may be left out when the
            stream begins with a `ClockSet`.
        step: time between consecutive leads; 0 when left out, in which case the clock
            moves only with the stream's clock events (a plain list of leads then all
            arrive at ``start``).
        state: a `MemoryState` to route on (it is updated), or a snapshot to start from;
            a fresh state when left out.
        progress: called with the number of leads routed so far, after each lead.

    Raises:
        RoutekitValueError / RoutekitTypeError: bad arguments, or an event that cannot
            apply (a `Leave` of someone not in the team, a `Vacation` of an unknown rep).
        RouteError: an edited team no longer compiles.
    """
    if not isinstance(router, Router):
        raise RoutekitTypeError(f"simulate() takes a routekit.Router, not {type(router).__name__}")
    if start is not None:
        _check_aware(start, "start")
    if step is not None and (not isinstance(step, dt.timedelta) or step < dt.timedelta(0)):
        raise RoutekitValueError("step must be a timedelta of zero or more")
    store = _store(state)
    initial = store.snapshot()
    clock = start
    current = router
    steps: List[Step] = []
    applied: List[Tuple[int, Event]] = []
    for position, item in enumerate(leads_or_stream):
        event = Arrival(item) if isinstance(item, Mapping) else item
        if isinstance(event, Arrival):
            if clock is None:
                raise RoutekitValueError(
                    "simulate() needs start= (or a stream that begins with ClockSet)"
                )
            steps.append(_route(current, event.lead, clock, store, len(steps)))
            if step is not None:
                clock = clock + step
            if progress is not None:
                progress(len(steps))
            continue
        applied.append((len(steps), event))
        if isinstance(event, ClockStep):
            if clock is None:
                raise RoutekitValueError("a ClockStep needs start= or an earlier ClockSet")
            clock = clock + event.by
        elif isinstance(event, ClockSet):
            clock = event.at
        else:
            current = _apply(current, event, position)
    return SimulationResult(tuple(steps), tuple(applied), initial, store.snapshot())


def _check_aware(value: Any, what: str) -> None:
    if not isinstance(value, dt.datetime):
        raise RoutekitTypeError(f"{what} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise RoutekitValueError(f"{what} must be timezone-aware, not {value.isoformat()}")


def _store(state: Union[MemoryState, Mapping[str, Any], None]) -> MemoryState:
    if state is None:
        return MemoryState()
    if isinstance(state, MemoryState):
        return state
    if isinstance(state, Mapping):
        return MemoryState(state)
    raise RoutekitTypeError(
        f"state must be a MemoryState or a snapshot mapping, not {type(state).__name__}"
    )


def _route(
    router: Router, lead: Mapping[str, Any], now: dt.datetime, store: MemoryState, index: int
) -> Step:
    before = store.snapshot()
    try:
        decision: Optional[Decision] = router.route(lead, now=now, state=store)
        error = None
    except LeadError as exc:
        decision, error = None, str(exc)
    return Step(index, now, lead, decision, error, router.roster, router.plan, before)


def _apply(router: Router, event: Event, position: int) -> Router:
    """The router after a roster or team event."""
    where = f"event {position} ({event!r})"
    if isinstance(event, (Vacation, SetActive)):
        rep = router.roster.get(event.rep)
        if rep is None:
            raise RoutekitValueError(f"{where}: {event.rep} is not in the roster")
        raw = rep.to_mapping()
        if isinstance(event, Vacation):
            raw["out_of_office"] = [*raw["out_of_office"], event.to_raw()]
        else:
            raw["active"] = event.active
        reps = [Rep.from_mapping(raw) if r.id == rep.id else r for r in router.roster]
        return _quiet(lambda: router.with_roster(reps))
    if isinstance(event, (Join, Leave, SetWeight)):
        roster: Iterable[Rep] = router.roster
        if isinstance(event, Join) and event.rep not in router.roster:
            roster = [*router.roster, Rep(id=event.rep)]
        plan = edit_members(router.plan, event, where)
        return with_plan(router, plan, roster)
    raise RoutekitTypeError(f"{where}: not a lead mapping or a routekit.testing event")


def edit_members(plan: Plan, event: Union[Join, Leave, SetWeight], where: str = "") -> Plan:
    """``plan`` with one team's ``members`` line changed by ``event``, printed and reloaded."""
    prefix = f"{where}: " if where else ""
    statements: List[ast.Statement] = []
    found = False
    for statement in plan.rules.statements:
        if isinstance(statement, ast.Team) and statement.name == event.team:
            found = True
            statement = attrs.evolve(
                statement, members=_members_after(statement.members, event, prefix)
            )
        statements.append(statement)
    if not found:
        raise RoutekitValueError(f"{prefix}there is no team {event.team}")
    text = format_rules(attrs.evolve(plan.rules, statements=tuple(statements)))
    return loads(text, name=plan.name)


def _members_after(
    members: Tuple[ast.Member, ...], event: Union[Join, Leave, SetWeight], prefix: str
) -> Tuple[ast.Member, ...]:
    listed = [m.rep for m in members]
    if isinstance(event, Join):
        if event.rep in listed:
            raise RoutekitValueError(f"{prefix}{event.rep} is already in team {event.team}")
        return (*members, ast.Member(event.rep, event.weight, event.tier))
    if event.rep not in listed:
        raise RoutekitValueError(f"{prefix}{event.rep} is not in team {event.team}")
    if isinstance(event, Leave):
        return tuple(m for m in members if m.rep != event.rep)
    weight: Union[int, Decimal] = event.weight
    return tuple(attrs.evolve(m, weight=weight) if m.rep == event.rep else m for m in members)


def with_plan(router: Router, plan: Plan, roster: Optional[Iterable[Rep]] = None) -> Router:
    """A router like ``router`` (same host data) for other rules (and optionally roster).

    routekit has no public ``Router.with_rules``; this rebuilds one from the router's host
    data, so functions and host tables are checked against the new rules as usual.
    """
    strategies = {
        name: strategy
        for name, strategy in router._strategies.items()
        if BUILTIN_STRATEGIES.get(name) is not strategy
    }
    reps = list(router.roster if roster is None else roster)
    return _quiet(
        lambda: Router(
            plan,
            roster=reps,
            accounts=router._accounts_arg,
            tables=router._host_rows,
            functions=router._functions,
            free_email_domains=sorted(router._free_domains),
            strategies=strategies,
        )
    )


def _quiet(build: Callable[[], Router]) -> Router:
    """Build a router without repeating the "not in the roster" warning on every event."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RoutekitWarning)
        return build()
