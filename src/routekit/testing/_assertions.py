"""Assertions over a `SimulationResult`, with failure messages that show the first bad decision.

Each assertion walks the steps in order and stops at the *first* decision that breaks the
property, so when Hypothesis has shrunk the input the message describes the smallest
counterexample: which rep, at which decision, its count against its exact share, the bound,
and the lead. Eligibility and caps are recomputed from each step's roster, plan and state
snapshot (never from the trace), so a router that explains itself wrongly cannot pass.

Fairness bounds are the ones docs/strategies.md documents, applied where the docs claim
them:

- ``round_robin``: a member eligible throughout a window of the team's picks (with the same
  members listed) is never out-paced by more than 1 inside it; ``priority`` the same inside
  the lowest tier with anybody eligible.
- ``quota``: within an epoch (same eligible members and weights) every count stays within
  1 − 1/(2k−2) of its exact share, on both sides.
- ``weighted``: from a fresh state with a fixed eligible set of k members, never more than
  1 − 1/k ahead of the exact share (proved) nor more than 3/2 behind (measured). Once members
  come and go no online rule can promise less than about one lead (the H_k − 1 witness), so
  after the first change of the eligible set the default allows max(2, H_k) either side —
  a measured allowance, not a theorem: pass ``bound=`` to choose your own.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from fractions import Fraction
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import attrs

from .. import ast
from ..errors import RoutekitTypeError, RoutekitValueError, did_you_mean
from ..roster import period_key
from ..router import Router
from ..state import member_count
from ..trace import failures
from ._simulate import (
    LedgerRow,
    SimulationResult,
    Step,
    StreamItem,
    describe_lead,
    simulate,
)

__all__ = [
    "FairnessBound",
    "FairnessError",
    "assert_deterministic",
    "assert_every_lead_decided",
    "assert_fair",
    "assert_never_ineligible",
    "assert_within_cap",
    "documented_bound",
]

#: The decision time used when a test does not care (LANGUAGE.md §9's default: a Monday).
DEFAULT_START = dt.datetime(2026, 1, 5, 15, 0, tzinfo=dt.timezone.utc)

BoundArg = Union[None, int, float, Decimal, Fraction, Tuple[Any, Any], "FairnessBound"]


class FairnessError(AssertionError):
    """A simulation broke a property; the message shows the first decision that did."""


FairnessError.__module__ = "routekit.testing"  # how tracebacks name it: the public home


def _fraction(value: Any, what: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, Fraction)):
        raise RoutekitTypeError(f"{what} must be a number, not {type(value).__name__}")
    exact = Fraction(str(value)) if isinstance(value, float) else Fraction(value)
    if exact < 0:
        raise RoutekitValueError(f"{what} must not be negative, not {value}")
    return exact


def _ahead(value: Any) -> Fraction:
    return _fraction(value, "ahead")


def _behind(value: Any) -> Fraction:
    return _fraction(value, "behind")


def show(value: Fraction) -> str:
    """``5/3 (≈ 1.667)``, or ``2`` for a whole number: exact, with a reading aid."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator} (≈ {float(value):.3f})"


def _short(value: Fraction) -> str:
    return (
        str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )


@attrs.frozen
class FairnessBound:
    """How far a member may be ahead of / behind its exact share, and where that is claimed.

    ``scope`` is ``"run"`` (every pick of the run), ``"fixed-set"`` (from a fresh state while
    the eligible set stays as it was at the first pick), ``"epoch"`` (within each run of
    picks with the same eligible members and weights, counted from the epoch's start) or
    ``"window"`` (pairwise: inside any window, nobody gets more than ``ahead`` leads more
    than a member eligible throughout it). ``why`` says where the numbers come from.
    """

    ahead: Fraction = attrs.field(converter=_ahead)
    behind: Fraction = attrs.field(converter=_behind)
    scope: str = attrs.field(
        default="run", validator=attrs.validators.in_(("run", "fixed-set", "epoch", "window"))
    )
    why: str = "given by the test"

    def describe(self) -> str:
        if self.scope == "window":
            return (
                f"nobody more than {show(self.ahead)} ahead of a member eligible throughout "
                f"a window ({self.why})"
            )
        where = {
            "run": "",
            "fixed-set": " while the eligible set stays fixed",
            "epoch": " within each epoch",
        }[self.scope]
        if self.ahead == self.behind:
            return f"within {show(self.ahead)} of the exact share{where} ({self.why})"
        return (
            f"at most {show(self.ahead)} ahead and {show(self.behind)} behind{where} ({self.why})"
        )


def _harmonic(k: int) -> Fraction:
    return sum((Fraction(1, j) for j in range(1, k + 1)), Fraction(0))


def documented_bound(strategy: str, k: int) -> Optional[FairnessBound]:
    """The bound docs/strategies.md states for ``strategy`` with ``k`` eligible members.

    None for strategies that document no count bound (``balanced``, ``least_loaded``,
    ``first_available``).
    """
    if k < 1:
        raise RoutekitValueError("k counts eligible members: at least 1")
    if strategy in ("round_robin", "priority"):
        return FairnessBound(1, 1, "window", f"{strategy}: proved")
    if strategy == "weighted":
        return FairnessBound(
            1 - Fraction(1, k),
            Fraction(3, 2),
            "fixed-set",
            f"weighted, k = {k}: 1 − 1/k ahead is proved, 3/2 behind is measured",
        )
    if strategy == "quota":
        two_sided = Fraction(0) if k == 1 else 1 - Fraction(1, 2 * k - 2)
        return FairnessBound(two_sided, two_sided, "epoch", f"quota, k = {k}: 1 − 1/(2k−2)")
    return None


def _churn_allowance(k: int) -> FairnessBound:
    allowance = max(Fraction(2), _harmonic(k))
    return FairnessBound(
        allowance,
        allowance,
        "run",
        f"weighted while members come and go, k = {k}: max(2, H_k), measured, not proved; "
        "no online rule can promise less than H_k − 1",
    )


def _bound_arg(bound: BoundArg, scope: str) -> Optional[FairnessBound]:
    if bound is None or isinstance(bound, FairnessBound):
        return bound
    if isinstance(bound, tuple):
        if len(bound) != 2:
            raise RoutekitValueError("bound=(ahead, behind) takes two numbers")
        return FairnessBound(bound[0], bound[1], scope)
    return FairnessBound(bound, bound, scope)


# ---- assert_fair ----------------------------------------------------------------------------


def assert_fair(result: SimulationResult, team: str, *, bound: BoundArg = None) -> None:
    """Check that ``team`` kept every member near its exact fair share, on both sides.

    ``bound`` is None for the documented bound of the team's strategy (see the module
    docstring), a number for the same allowance either side, ``(ahead, behind)``, or a
    `FairnessBound`. For ``round_robin`` and ``priority`` a number is the pairwise window
    bound; for ``quota`` it applies within each epoch; otherwise to every pick of the run.

    Raises:
        FairnessError: the first pick after which a member was too far ahead or behind.
        RoutekitValueError: an unknown team; a strategy with no documented bound and no
            ``bound=``; a default bound that assumes a fresh state when the simulation
            started with history for this team.
    """
    __tracebackhide__ = True  # pytest shows the test's line, not ours
    _check_team(result, team)
    rows = result.ledger(team)
    if not rows:
        return
    declared = rows[-1].pick.declared
    if declared in ("round_robin", "priority"):
        chosen = _bound_arg(bound, "window") or documented_bound(declared, 1)
        assert chosen is not None
        _check_windows(result, team, rows, chosen)
        return
    if declared == "quota":
        if bound is None:
            _require_fresh(result, team, declared)
        _check_epochs(result, team, rows, _bound_arg(bound, "epoch"))
        return
    if bound is not None:
        chosen = _bound_arg(bound, "run")
        assert chosen is not None
        _check_rows(result, team, rows, chosen)
        return
    if declared != "weighted":
        raise RoutekitValueError(
            f"team {team} uses {declared}, which documents no bound on counts against the "
            "exact share; pass bound= (a number of leads, or (ahead, behind))"
        )
    _require_fresh(result, team, declared)
    first = rows[0].pick
    fixed = _signature(first)
    prefix: List[LedgerRow] = []
    for row in rows:
        if _signature(row.pick) != fixed:
            break
        prefix.append(row)
    documented = documented_bound("weighted", len(first.eligible))
    assert documented is not None
    _check_rows(result, team, prefix, documented)
    if len(prefix) < len(rows):
        ever = {r for row in rows for r in row.pick.eligible}
        _check_rows(result, team, rows, _churn_allowance(len(ever)))


def _signature(pick: Any) -> Tuple[Any, ...]:
    eligible = frozenset(pick.eligible)
    weights = tuple(sorted((m.rep, m.weight) for m in pick.members if m.rep in eligible))
    return (eligible, weights, tuple(m.rep for m in pick.members))


def _check_team(result: SimulationResult, team: str) -> None:
    if not isinstance(result, SimulationResult):
        raise RoutekitTypeError(
            f"pass the SimulationResult from simulate(), not {type(result).__name__}"
        )
    teams = result.teams
    if teams and team not in teams:
        hint = did_you_mean(team, teams)
        raise RoutekitValueError(f"there is no team {team!r}" + (f"; {hint}" if hint else ""))


def _require_fresh(result: SimulationResult, team: str, strategy: str) -> None:
    teams = result.initial_snapshot.get("teams", {})
    history = teams.get(team, {}) if isinstance(teams, Mapping) else {}
    if history:
        raise RoutekitValueError(
            f"the documented {strategy} bound is measured from a fresh state, but the "
            f"simulation started with history for team {team}; pass bound= explicitly"
        )


def _check_rows(
    result: SimulationResult, team: str, rows: Sequence[LedgerRow], bound: FairnessBound
) -> None:
    __tracebackhide__ = True
    for row in rows:
        for member in row.counts:
            gap = row.deviation(member)
            if gap > bound.ahead or -gap > bound.behind:
                raise FairnessError(_deviation_message(result, team, row, member, gap, bound))


def _check_epochs(
    result: SimulationResult, team: str, rows: Sequence[LedgerRow], given: Optional[FairnessBound]
) -> None:
    __tracebackhide__ = True
    key: Any = None
    t = 0
    counts: Dict[str, int] = {}
    for row in rows:
        pick = row.pick
        signature = _signature(pick)[:2]
        if signature != key:
            key, t, counts = signature, 0, {}
        t += 1
        counts[pick.member] = counts.get(pick.member, 0) + 1
        bound = given or documented_bound("quota", len(pick.eligible))
        assert bound is not None
        weights = {m.rep: m.weight for m in pick.members if m.rep in pick.eligible}
        total = sum(weights.values(), Fraction(0))
        for member, weight in weights.items():
            share = t * weight / total
            gap = counts.get(member, 0) - share
            if gap > bound.ahead or -gap > bound.behind:
                epoch = (
                    f"pick {t} of an epoch with {', '.join(pick.eligible)} eligible "
                    f"(counts and shares restart when the eligible set or a weight changes)"
                )
                raise FairnessError(
                    _deviation_message(
                        result,
                        team,
                        row,
                        member,
                        gap,
                        bound,
                        count=counts.get(member, 0),
                        share=share,
                        note=epoch,
                    )
                )


def _check_windows(
    result: SimulationResult, team: str, rows: Sequence[LedgerRow], bound: FairnessBound
) -> None:
    """Pairwise: inside each stretch of picks with the same members (and, for ``priority``,
    the same lowest eligible tier), no member out-paces one eligible throughout a window by
    more than ``bound.ahead``. Kadane's maximum-sum window per pair keeps this linear."""
    __tracebackhide__ = True
    segments: List[List[LedgerRow]] = []
    last: Any = None
    for row in rows:
        pick = row.pick
        tier = 0
        if pick.declared == "priority" and pick.entitled:
            tier = min(m.tier for m in pick.members if m.rep in pick.entitled)
        key = (tuple(m.rep for m in pick.members), tier)
        if not segments or key != last:
            segments.append([])
            last = key
        segments[-1].append(row)
    for segment in segments:
        members = [m.rep for m in segment[0].pick.members]
        for member in members:
            runs: List[List[LedgerRow]] = [[]]
            for row in segment:
                if member in row.pick.entitled:
                    runs[-1].append(row)
                elif runs[-1]:
                    runs.append([])
            for run in runs:
                for other in members:
                    if other != member and run:
                        _window_check(result, team, run, member, other, bound)


def _window_check(
    result: SimulationResult,
    team: str,
    run: Sequence[LedgerRow],
    member: str,
    other: str,
    bound: FairnessBound,
) -> None:
    __tracebackhide__ = True
    best = 0
    start = 0
    for i, row in enumerate(run):
        d = (row.pick.member == other) - (row.pick.member == member)
        if best <= 0:  # start afresh here: the shortest window that reaches the maximum
            best, start = d, i
        else:
            best += d
        if best > bound.ahead:
            window = run[start : i + 1]
            mine = sum(1 for r in window if r.pick.member == member)
            theirs = sum(1 for r in window if r.pick.member == other)
            first, end = window[0].step, window[-1].step
            step = result.steps[end]
            picks = " ".join(r.pick.member for r in window)
            lines = [
                f"team {team} ({row.pick.declared}): {other} out-paced {member} by "
                f"{theirs - mine} inside decisions {first}..{end}, though {member} was "
                "eligible at every one of them",
                f"  in that window {other} got {theirs} lead{'s' * (theirs != 1)} and "
                f"{member} got {mine}",
                f"  allowed: {bound.describe()}",
                f"  the team's picks in the window: {picks}",
                _lead_line(step),
            ]
            raise FairnessError("\n".join(lines))


def _deviation_message(
    result: SimulationResult,
    team: str,
    row: LedgerRow,
    member: str,
    gap: Fraction,
    bound: FairnessBound,
    *,
    count: Optional[int] = None,
    share: Optional[Fraction] = None,
    note: Optional[str] = None,
) -> str:
    count = row.counts.get(member, 0) if count is None else count
    share = row.shares.get(member, Fraction(0)) if share is None else share
    side = "ahead of" if gap > 0 else "behind"
    step = result.steps[row.step]
    lines = [
        f"team {team} ({row.pick.declared}) drifted past its bound at decision {row.step}: "
        f"{member} is {show(abs(gap))} {side} its exact share",
        f"  {member}: {count} lead{'s' * (count != 1)}, exact share {show(share)}",
        f"  allowed: {bound.describe()}",
    ]
    if note:
        lines.append(f"  {note}")
    lines.append(_lead_line(step))
    lines.append(f"  eligible for that lead: {', '.join(row.pick.eligible)}")
    standings = ", ".join(
        f"{m} {row.counts[m]} (share {_short(row.shares[m])})" for m in row.counts
    )
    lines.append(f"  team standings after it: {standings}")
    picks = [r.pick.member for r in result.ledger(team) if r.step <= row.step]
    shown = " ".join(picks[-40:])
    lines.append(f"  the team's picks so far: {'… ' if len(picks) > 40 else ''}{shown}")
    return "\n".join(lines)


def _lead_line(step: Step) -> str:
    decision = step.decision
    who = (
        f"went to {decision.assignee}"
        if decision is not None and decision.assignee
        else f"was {step.outcome}"
    )
    return (
        f"  decision {step.index} at {step.now.isoformat()}: the lead "
        f"{describe_lead(step.lead)} {who}"
    )


# ---- eligibility and caps -------------------------------------------------------------------


def assert_never_ineligible(result: SimulationResult) -> None:
    """Check that no lead went to a rep who could not take it when it was decided.

    Recomputed from each step's roster, plan and state snapshot: not in the roster,
    inactive, out of office, not a member of the team, at the team's cap, failing a
    ``require`` filter (``available``: outside working hours or busy; ``under_capacity``;
    ``skill``), or past ``max_ahead``.

    Raises:
        FairnessError: the first such decision, with the reason and the lead.
    """
    __tracebackhide__ = True
    if not isinstance(result, SimulationResult):
        raise RoutekitTypeError("pass the SimulationResult from simulate()")
    for step in result.steps:
        reason = ineligibility(step)
        if reason is None:
            continue
        decision = step.decision
        assert decision is not None and decision.assignee is not None
        rep = step.roster.get(decision.assignee)
        clock = ""
        if rep is not None:
            local = rep.local_time(step.now)
            clock = f" ({rep.id}'s clock: {local:%a %Y-%m-%d %H:%M} {rep.timezone})"
        via = f' by route "{decision.route}"' if decision.route else ""
        team = f", team {decision.team}" if decision.team else ""
        raise FairnessError(
            "\n".join(
                [
                    f"decision {step.index} gave the lead to {decision.assignee}, who was not "
                    f"eligible: {reason}",
                    f"  at {step.now.isoformat()}{clock}{via}{team}",
                    f"  the lead: {describe_lead(step.lead)}",
                    f"  {decision.assignee} in the roster: "
                    f"{describe_lead(rep.to_mapping() if rep is not None else None)}",
                ]
            )
        )


def ineligibility(step: Step) -> Optional[str]:
    """Why the assignee of ``step`` was not eligible, recomputed; None if it was (or no one
    was assigned)."""
    decision = step.decision
    if decision is None or decision.outcome != "assigned" or decision.assignee is None:
        return None
    reason = _person_reason(step, decision.assignee)
    if reason is not None or decision.team is None:
        return reason
    if step.plan is None or decision.team not in step.plan.teams:
        return f"there is no team {decision.team}"
    team = step.plan.teams[decision.team]
    if decision.assignee not in {m.rep for m in team.members}:
        return f"not a member of team {team.name}"
    reasons = {m.rep: _member_reason(step, team.name, m.rep) for m in team.members}
    if reasons[decision.assignee] is not None:
        return reasons[decision.assignee]
    if team.max_ahead is not None:
        return _max_ahead_reason(step, team, decision.assignee, reasons)
    return None


def _person_reason(step: Step, rep_id: str) -> Optional[str]:
    rep = step.roster.get(rep_id)
    if rep is None:
        return "not in the roster"
    if not rep.active:
        return "inactive"
    return rep.absence_at(step.now)


def _count(step: Step, team: str, rep_id: str, period: str) -> int:
    rep = step.roster.get(rep_id)
    key = period_key(step.now, rep.timezone if rep is not None else "UTC", period)
    return member_count(step.snapshot, team, rep_id, period, key)


def _member_reason(step: Step, team_name: str, rep_id: str) -> Optional[str]:
    reason = _person_reason(step, rep_id)
    if reason is not None:
        return reason
    assert step.plan is not None
    rep = step.roster.get(rep_id)
    assert rep is not None
    team = step.plan.teams[team_name]
    if team.cap is not None:
        limit, period = team.cap
        used = _count(step, team_name, rep_id, period)
        if used >= limit:
            return f"at the team's cap ({used} of {limit} per {period})"
    skills = _skill_paths(step, team_name)
    for position, flt in enumerate(team.filters):
        if flt.kind == "available":
            away = rep.hours_at(step.now) or rep.busy_at(step.now)
            if away is not None:
                return f"not available ({away})"
        elif flt.kind == "under_capacity":
            if rep.capacity is None:
                return "under_capacity is required, but the rep has no capacity"
            if rep.load >= rep.capacity:
                return f"at or over capacity ({rep.load}/{rep.capacity})"
        elif flt.kind == "skill":
            skill: Any = flt.skill
            path = skills.get(position)
            if path is not None:
                skill = _lookup(step.lead, path)
            if not isinstance(skill, str) or not skill.strip():
                return f"no skill to match for {flt.text}"
            if not rep.has_skill(skill):
                return f'lacks skill "{skill.strip()}"'
    return None


def _skill_paths(step: Step, team_name: str) -> Dict[int, Tuple[str, ...]]:
    assert step.plan is not None
    for statement in step.plan.rules.statements:
        if isinstance(statement, ast.Team) and statement.name == team_name:
            return {
                i: f.argument.steps
                for i, f in enumerate(statement.require)
                if isinstance(f.argument, ast.LeadPath)
            }
    return {}


def _lookup(lead: Any, path: Sequence[str]) -> Any:
    value = lead
    for key in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def _max_ahead_reason(
    step: Step, team: Any, rep_id: str, reasons: Mapping[str, Optional[str]]
) -> Optional[str]:
    others = [m for m in team.members if reasons[m.rep] is None]
    counts = {m.rep: _count(step, team.name, m.rep, team.period) for m in others}
    least = min(Fraction(counts[m.rep]) / m.weight for m in others)
    mine = next(m for m in others if m.rep == rep_id)
    ahead = counts[rep_id] - mine.weight * least
    if ahead > team.max_ahead:
        return f"{show(ahead)} ahead of the least-assigned (max_ahead {team.max_ahead})"
    return None


def assert_within_cap(result: SimulationResult) -> None:
    """Check that no member ever got more leads from a team in one period than its ``cap``.

    Counts are replayed from the decisions (starting from the simulation's initial state),
    per member, per period in the member's own time zone; a member that left the team is
    forgotten when the team next assigns, as the state does.

    Raises:
        FairnessError: the first decision that took a member past the cap.
    """
    __tracebackhide__ = True
    if not isinstance(result, SimulationResult):
        raise RoutekitTypeError("pass the SimulationResult from simulate()")
    counts: Dict[Tuple[str, str, str, str], int] = {}
    for step in result.steps:
        decision = step.decision
        if decision is None or decision.team is None or step.plan is None:
            continue
        team = step.plan.teams[decision.team]
        listed = {m.rep for m in team.members}
        for known in [k for k in counts if k[0] == team.name and k[1] not in listed]:
            del counts[known]
        if team.cap is None or decision.assignee is None:
            continue
        limit, period = team.cap
        rep = step.roster.get(decision.assignee)
        zone = rep.timezone if rep is not None else "UTC"
        key = (team.name, decision.assignee, period, period_key(step.now, zone, period))
        if key not in counts:
            counts[key] = member_count(result.initial_snapshot, *key)
        counts[key] += 1
        if counts[key] > limit:
            raise FairnessError(
                "\n".join(
                    [
                        f"decision {step.index} gave {decision.assignee} lead number "
                        f"{counts[key]} from team {team.name} in the {period} {key[3]} "
                        f"({zone}), past its cap of {limit} per {period}",
                        _lead_line(step),
                    ]
                )
            )


# ---- determinism and completeness -----------------------------------------------------------


def assert_deterministic(
    router: Router,
    leads: Iterable[StreamItem],
    *,
    start: dt.datetime = DEFAULT_START,
    step: Optional[dt.timedelta] = dt.timedelta(minutes=5),
    state: Optional[Mapping[str, Any]] = None,
) -> None:
    """Route ``leads`` twice, each time from a fresh copy of ``state``, and compare every
    decision's ``to_dict()`` (trace included) and the final state.

    Raises:
        FairnessError: the first decision that differed, with the first differing key.
    """
    __tracebackhide__ = True
    items = list(leads)
    snapshot = json.loads(json.dumps(state)) if state is not None else None
    first = simulate(router, items, start=start, step=step, state=_copy(snapshot))
    second = simulate(router, items, start=start, step=step, state=_copy(snapshot))
    for a, b in zip(first.steps, second.steps):
        left, right = _plain(a), _plain(b)
        if left != right:
            path, x, y = _first_difference(left, right)
            raise FairnessError(
                "\n".join(
                    [
                        f"decision {a.index} differed between two runs from the same state: "
                        f"{path or 'the decision'} was {x!r}, then {y!r}",
                        _lead_line(a),
                    ]
                )
            )
    if first.final_snapshot != second.final_snapshot:
        path, x, y = _first_difference(first.final_snapshot, second.final_snapshot)
        raise FairnessError(
            f"the final state differed between two runs: {path} was {x!r}, then {y!r}"
        )


def _copy(snapshot: Optional[Mapping[str, Any]]) -> Optional[Mapping[str, Any]]:
    return json.loads(json.dumps(snapshot)) if snapshot is not None else None


def _plain(step: Step) -> Any:
    if step.decision is None:
        return {"error": step.error}
    return step.decision.to_dict()


def _first_difference(a: Any, b: Any, path: str = "") -> Tuple[str, Any, Any]:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        for key in list(a) + [k for k in b if k not in a]:
            if a.get(key) != b.get(key):
                return _first_difference(a.get(key), b.get(key), f"{path}[{key!r}]")
    if isinstance(a, list) and isinstance(b, list):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return _first_difference(x, y, f"{path}[{i}]")
        if len(a) != len(b):
            return (f"{path} (length)", len(a), len(b))
    return (path, a, b)


def assert_every_lead_decided(result: SimulationResult) -> None:
    """Check that every lead was assigned, rejected or redirected: none ``unrouted`` and
    none raising `LeadError`.

    Raises:
        FairnessError: the first lead nobody took, with the reasons from its trace.
    """
    __tracebackhide__ = True
    if not isinstance(result, SimulationResult):
        raise RoutekitTypeError("pass the SimulationResult from simulate()")
    for step in result.steps:
        if step.outcome not in ("unrouted", "error"):
            continue
        lines = [f"decision {step.index}: the lead was {step.outcome}", _lead_line(step)]
        if step.decision is None:
            lines.append(f"  error: {step.error}")
        else:
            via = step.decision.route
            lines.append(
                f'  route: "{via}"' if via else "  no route matched and there is no fallback"
            )
            lines.extend(f"  ✗ {event.message}" for event in failures(step.decision.trace))
        raise FairnessError("\n".join(lines))
