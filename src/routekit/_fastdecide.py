"""The fast decision: the common shapes of routing, decided without the general machinery.

Theory of operation
-------------------
Most decisions are simple: a route matches on plain lead fields and rejects, redirects,
or hands the lead to a rep or a team whose members are always eligible, by round robin
or weighted. When a router is built, `FastDecider` prepares one small action per route
whose outcome it can compute completely:

- ``reject`` and ``redirect``;
- ``assign rep X`` where X is rostered, active and never out of office;
- ``assign team T`` where every member is such a rep, the team has no cap, ``require``
  filter or ``max_ahead``, and the strategy is the built-in ``round_robin`` or
  ``weighted`` (their pick depends only on the team's state slot, so each transition
  is computed once by the real strategy and remembered).

A decision that needs anything else (the evaluation context for a test the generated
code does not inline, a lead schema, a lead with nested values, a route without an
action here, a state slot in an unusual shape) gets None, and the router decides it by
the general path. Both give the same decision, and the fast path records the same
snapshot reads as the general path, so the trace rebuilt on demand by replay is the same
as well (tests/test_fastpath.py checks decisions and traces against the reference).
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Mapping, Optional, Tuple

from . import _keys as keys
from . import conditions as c
from .decision import Decision, decision_template
from .plan import (
    LookupTargetPlan,
    RepTargetPlan,
    RoutePlan,
    TablePlan,
    TeamPlan,
    TeamTargetPlan,
)
from .roster import period_keys
from .state import TeamChange, change_template, json_copy

if TYPE_CHECKING:
    from .router import Router
    from .strategies import Strategy

_new = object.__new__
MEMO_LIMIT = 4096  # transitions remembered per team action; more are computed each time

Action = Callable[[Dict[str, Any], dt.datetime, Mapping[str, Any], Any], Optional[Decision]]


Picked = Tuple[str, Optional[Dict[str, Any]], Optional[Dict[str, Any]]]


class NeedsContext(Exception):
    """The generated code asked for the evaluation context: the general path decides."""


def _refuse_context() -> c.EvalContext:
    raise NeedsContext


NO_CONTEXT = c.Env(_refuse_context)


class FastDecider:
    """Decides the common cases of one router; None means "use the general path"."""

    def __init__(self, router: Router) -> None:
        from ._codegen import IndexedMatch  # loaded with the plan already

        plan = router.plan
        self.router = router
        self.match = plan.fast_match
        self.score = plan.fast_score if plan.score is not None else None
        self.functions = router._functions
        self.free_domains = router._free_domains
        # The generated code rarely needs the evaluation context, so it first runs without
        # one; the decision-table index always needs it for its candidates.
        self.needs_context = isinstance(plan.fast_match, IndexedMatch)
        self.plain = not self.needs_context and self.score is None  # match() alone suffices
        # Actions are made on first use: a big file's router is built at once.
        self.builder = _ActionBuilder(router, self.context)
        self.routes = plan.routes
        self.actions: List[Any] = [_UNBUILT] * len(plan.routes)
        self.fallback: Optional[Action] = (
            self.builder.route(plan.fallback)
            if plan.fallback is not None
            else _Fixed(router, "unrouted", None, None, None, ()).decide
        )
        # The route named by a match result; -1 (no route matched) picks the last entry.
        self.names: Tuple[Optional[str], ...] = (
            *(route.name for route in plan.routes),
            "fallback" if plan.fallback is not None else None,
        )

    @classmethod
    def build(cls, router: Router) -> Optional[FastDecider]:
        """The fast decider for ``router``, or None if its plan never takes the fast path
        (a lead schema coerces leads first: the general path does that)."""
        if router.plan.fields is not None:
            return None
        return cls(router)

    def evaluate(self, lead: Dict[str, Any], now: dt.datetime) -> Tuple[Any, int]:
        """The score and the index of the matching route (-1: none), as the general path
        computes them. Raises `NeedsContext` when a test reads the account."""
        if not self.needs_context:
            try:
                score = self.score(lead, NO_CONTEXT) if self.score is not None else None
                return score, self.match(lead, NO_CONTEXT)
            except NeedsContext:
                pass
        return self.in_context(lead, now)

    def in_context(self, lead: Dict[str, Any], now: dt.datetime) -> Tuple[Any, int]:
        """`evaluate` with an evaluation context for the tests the generated code defers."""
        holder: List[Any] = [_NO_SCORE]
        env = c.Env(partial(self.context, lead, now, holder))
        score = self.score(lead, env) if self.score is not None else None
        holder[0] = score if self.score is not None else _NO_SCORE
        return score, self.match(lead, env)

    def context(self, lead: Dict[str, Any], now: dt.datetime, holder: List[Any]) -> Any:
        """An evaluation context without a trace; the account is left to the general path."""
        return c.EvalContext(
            lead,
            now,
            self.functions,
            _refuse_account,
            partial(_score_of, holder),
            None,
            self.free_domains,
        )

    def decide(
        self, lead: Dict[str, Any], now: dt.datetime, snapshot: Mapping[str, Any]
    ) -> Optional[Decision]:
        try:
            # Lists and dicts in the lead need a deep private copy: the general path makes
            # one. hash() refuses exactly those (and sets), at C speed.
            hash(tuple(lead.values()))
        except Exception:
            return None
        lead = lead.copy()  # the decision's private copy (its trace is rebuilt from it)
        try:
            if self.plain:
                try:
                    score, index = None, self.match(lead, NO_CONTEXT)
                except NeedsContext:
                    score, index = self.in_context(lead, now)
            else:
                score, index = self.evaluate(lead, now)
            if index >= 0:
                action = self.actions[index]
                if action is _UNBUILT:
                    action = self.actions[index] = self.builder.route(self.routes[index])
            else:
                action = self.fallback
            if action is None:
                return None
            return action(lead, now, snapshot, score)  # type: ignore[no-any-return]
        except Exception:  # NeedsContext, or a value the generated code trips on
            return None


_UNBUILT = object()
_NO_SCORE = c.Unknown("the file has no score block")


def _score_of(holder: List[Any], ctx: Any) -> Any:
    return holder[0]


def _refuse_account(ctx: Any) -> Any:
    raise NeedsContext


_NO_READS: Dict[Tuple[str, ...], Any] = {}  # never written: decisions without a team read nothing


class _Fixed:
    """An outcome that needs no pick: reject, redirect, a fixed rep, or unrouted."""

    __slots__ = ("attributes", "replay", "template")

    def __init__(
        self,
        router: Router,
        outcome: str,
        route: Optional[RoutePlan],
        assignee: Optional[str],
        text: Optional[str],
        attributes: Tuple[Tuple[str, Any], ...],
    ) -> None:
        self.replay = router._replay
        self.template = decision_template(
            outcome,
            route.name if route is not None else None,
            message=text if outcome == "rejected" else None,
            url=text if outcome == "redirected" else None,
        )
        self.template["assignee"] = assignee
        self.attributes = attributes

    def decide(
        self, lead: Dict[str, Any], now: dt.datetime, snapshot: Mapping[str, Any], score: Any
    ) -> Decision:
        # A Decision made without running __init__: a prepared dict of the route's fixed
        # fields is copied in and the few that vary are set, about half the cost of
        # __init__ (whose checks these values always pass). The trace is rebuilt on first
        # access by calling replay[0](*replay[1:]). Property tests compare every fast
        # decision with the general path's.
        decision = _new(Decision)
        fields = decision.__dict__  # the instance's own (key-sharing) dict
        fields.update(self.template)  # its assignee and no changes are fixed for the route
        fields["attributes"] = dict(self.attributes) if self.attributes else {}
        fields["score"] = score
        fields["now"] = now
        fields["_replay"] = (self.replay, lead, now, _NO_READS)
        return decision


class _TeamPick:
    """``assign team T`` for a team whose members are always eligible."""

    def __init__(
        self,
        router: Router,
        route: RoutePlan,
        team: TeamPlan,
        strategy_name: str,
        strategy: Strategy,
    ) -> None:
        self.router = router
        self.replay = router._replay
        self.template = decision_template("assigned", route.name, team=team.name)
        self.change_template = change_template(
            team.name, strategy_name, tuple(m.rep for m in team.members)
        )
        self.attributes = route.attributes
        self.team = team
        self.name = team.name
        self.strategy_name = strategy_name
        self.strategy = strategy
        self.members = tuple(m.rep for m in team.members)
        self.zones = tuple(router.roster.get(m).timezone for m in self.members)  # type: ignore[union-attr]
        self.zone_of = dict(zip(self.members, self.zones))
        self.zone = self.zones[0] if len(set(self.zones)) == 1 else None
        self.read_keys: Dict[str, Dict[Any, int]] = {}
        # The period keys of the last `now` seen (batches often decide many leads at once).
        self.last: Tuple[Any, Tuple[Tuple[str, str], ...], Dict[Any, int]] = (None, (), {})
        self.period = team.period
        self.weighted = strategy_name == "weighted"
        self.memo: Dict[Any, Picked] = {}
        self.slot_key = ("strategy", team.name, strategy_name)
        self.empty_key: Any = () if self.weighted else None

    def decide(
        self, lead: Dict[str, Any], now: dt.datetime, snapshot: Mapping[str, Any], score: Any
    ) -> Optional[Decision]:
        # Anything but plain dicts (or absent parts) goes to the general path, which reads
        # every shape of snapshot; here the reads below mirror `routekit.state` exactly.
        teams = snapshot.get("teams")
        if not teams:  # no state yet (or a decision without a snapshot)
            team_state: Mapping[str, Any] = _EMPTY
            slot: Mapping[str, Any] = _EMPTY
        else:
            if teams.__class__ is not dict:
                return None
            found = teams.get(self.name)
            if found is not None and found.__class__ is not dict:
                return None
            team_state = found or _EMPTY
            strategies = team_state.get("strategies")
            if strategies is not None and strategies.__class__ is not dict:
                return None
            found_slot = strategies.get(self.strategy_name) if strategies else None
            if found_slot is None:
                slot = _EMPTY
            elif found_slot.__class__ is not dict:
                return None
            else:
                slot = found_slot
        slot_copy: Any
        if slot is _EMPTY:
            key, slot_copy = self.empty_key, {}
        else:
            found_key = self.state_key(slot)
            if found_key is None:
                return None
            key, slot_copy = found_key
        counts = team_state.get("counts")
        if counts is not None and counts.__class__ is not dict:
            return None
        period = self.period
        if self.zone is not None:  # one time zone for the whole team: the usual case
            last_now, periods, read_keys = self.last  # one tuple: safe across threads
            if now != last_now:
                keys = period_keys(now, self.zone)
                periods = tuple(keys.items())  # in PERIODS order (day, week, month)
                known = self.read_keys.get(keys[period])
                if known is None:
                    if len(self.read_keys) >= MEMO_LIMIT:
                        self.read_keys.clear()
                    known = self.read_keys[keys[period]] = self.count_reads({self.zone: keys})
                read_keys = known
                self.last = (now, periods, read_keys)
        else:
            zone_keys = {zone: period_keys(now, zone) for zone in set(self.zones)}
            read_keys = self.count_reads(zone_keys)
            periods = ()
        found_counts: Optional[List[int]] = None
        if counts:
            found_counts = []
            for member, read_key in zip(self.members, read_keys):
                count = 0
                entry = counts.get(member)
                if entry is not None:
                    if entry.__class__ is not dict:
                        return None
                    stored = entry.get(period)
                    if stored is not None:
                        if stored.__class__ is not list or len(stored) != 2:
                            return None
                        if stored[0] == read_key[4]:
                            if stored[1].__class__ is not int:
                                return None
                            count = stored[1]
                found_counts.append(count)
        picked = self.memo.get(key)
        if picked is None:
            picked = self.pick(slot, now)
            if len(self.memo) < MEMO_LIMIT:
                self.memo[key] = picked
        rep, credits, other = picked
        if credits is not None:
            state: Mapping[str, Any] = {"credits": credits.copy()}
        elif other is None:
            state = {"last": rep}
        else:
            state = json_copy(other)
        if not periods:
            periods = tuple(zone_keys[self.zone_of[rep]].items())
        # The change and the decision made as in `_Fixed.decide`, written out here: this is
        # the hottest code of a decision, and two calls would cost a twentieth of its time.
        change = _new(TeamChange)
        fields = change.__dict__
        fields.update(self.change_template)
        fields["member"] = rep
        fields["strategy_state"] = state
        fields["periods"] = periods
        decision = _new(Decision)
        fields = decision.__dict__
        fields.update(self.template)
        fields["assignee"] = rep
        fields["attributes"] = dict(self.attributes) if self.attributes else {}
        fields["score"] = score
        fields["changes"] = (change,)
        fields["now"] = now
        fields["_replay"] = (self.replay_reads, lead, now, slot_copy, read_keys, found_counts)
        return decision

    def replay_reads(
        self,
        lead: Dict[str, Any],
        now: dt.datetime,
        slot_copy: Any,
        read_keys: Dict[Any, int],
        counts: Optional[List[int]],
    ) -> Tuple[Any, ...]:
        """Replays a decision with the snapshot reads the general path records."""
        reads: Dict[Tuple[str, ...], Any] = {self.slot_key: slot_copy}
        reads.update(read_keys if counts is None else zip(read_keys, counts))
        return self.replay(lead, now, reads)

    def count_reads(self, zone_keys: Mapping[str, Mapping[str, str]]) -> Dict[Any, int]:
        """The general path's read keys for the members' counts, each with a zero count.

        Ordered like the members; remembered per period key for single-zone teams.
        """
        period = self.period
        return {
            ("count", self.name, member, period, zone_keys[zone][period]): 0
            for member, zone in zip(self.members, self.zones)
        }

    def state_key(self, slot: Mapping[str, Any]) -> Optional[Tuple[Any, Any]]:
        """What the pick depends on, as a hashable key, and the slot's private copy (the
        one `router._plain_copy` makes); None for a slot the general path should read."""
        if slot is _EMPTY:
            return self.empty_key, {}
        if not self.weighted:
            last = slot.get("last")
            if last is not None and last.__class__ is not str:
                return None
            return last, ({"last": last} if len(slot) == 1 and last is not None else _copy(slot))
        credits = slot.get("credits")
        if credits is None:
            return (), _copy(slot)
        if credits.__class__ is not dict:
            return None
        values = []
        seen = 0
        for member in self.members:
            value = credits.get(member)
            if value is not None:
                if value.__class__ is not str:
                    return None
                seen += 1
            values.append(value)
        if seen != len(credits):
            return None  # members who left: their credit is spread by the general path
        return tuple(values), ({"credits": credits.copy()} if len(slot) == 1 else _copy(slot))

    def pick(self, slot: Mapping[str, Any], now: dt.datetime) -> Picked:
        """The real strategy's pick for this slot (every member eligible), as the rep and
        the new state in a form cheap to copy: credits alone, nothing (round robin's
        ``{"last": rep}``), or the whole state."""
        from .strategies import Candidate, PickRequest

        roster = self.router.roster
        eligible = tuple(
            Candidate(member, roster.get(member.rep), 0)  # type: ignore[arg-type]
            for member in self.team.members
        )
        request = PickRequest(
            team=self.team,
            strategy=self.strategy_name,
            eligible=eligible,
            state=slot,
            now=now,
            counts={m: 0 for m in self.members},
        )
        pick = self.strategy.pick(request)
        assert pick.rep is not None
        state = pick.state
        if dict(state) == {"last": pick.rep}:
            return pick.rep, None, None
        credits = state.get("credits")
        if len(state) == 1 and credits.__class__ is dict:
            return pick.rep, dict(credits), None
        return pick.rep, None, json_copy(state)


_EMPTY: Mapping[str, Any] = {}


def _copy(value: Any) -> Any:
    from .router import _plain_copy  # a cycle at import time; this runs only on odd slots

    return _plain_copy(value)


class _Lookup:
    """``assign lookup T``: the table's row (or else row) for the lead's key, then the fast
    action for that row's target; like `router._Run.lookup` followed by `resolve`."""

    def __init__(self, builder: _ActionBuilder, route: RoutePlan, table: TablePlan) -> None:
        self.builder = builder
        self.route = route
        self.table = table
        self.cells: Dict[int, Tuple[Any, Optional[Action]]] = {}  # per row target, on first use

    def decide(
        self, lead: Dict[str, Any], now: dt.datetime, snapshot: Mapping[str, Any], score: Any
    ) -> Optional[Decision]:
        table = self.table
        ctx = self.builder.context(lead, now, [score])
        values = [getter(ctx) for getter in table.key_getters]
        cell = None
        if not any(isinstance(value, c.Unknown) for value in values):
            cell = keys.find(table.index, values)
        if cell is None:
            cell = table.else_target
            if cell is None:
                return None  # no row: the route's `else` targets are the general path's
        known = self.cells.get(id(cell))
        if known is None or known[0] is not cell:
            known = (cell, self.builder.target(self.route, cell))
            if len(self.cells) < MEMO_LIMIT:
                self.cells[id(cell)] = known
        action = known[1]
        return action(lead, now, snapshot, score) if action is not None else None


class _ActionBuilder:
    """Chooses, per route, the fast action that decides it exactly like the general path."""

    def __init__(self, router: Router, context: Callable[..., Any]) -> None:
        from .strategies import BUILTIN_STRATEGIES

        self.context = context  # FastDecider.context: an evaluation context without a trace
        self.router = router
        self.builtin = BUILTIN_STRATEGIES
        self.teams: Dict[Tuple[str, str], Optional[_TeamPick]] = {}

    def route(self, route: RoutePlan) -> Optional[Action]:
        router = self.router
        if route.kind == "reject":
            return _Fixed(router, "rejected", route, None, route.message, route.attributes).decide
        if route.kind == "redirect":
            return _Fixed(router, "redirected", route, None, route.url, route.attributes).decide
        if route.kind != "assign" or not route.targets:
            return None
        target = route.targets[0]  # the fast targets always yield someone: no `else` needed
        if isinstance(target, LookupTargetPlan):
            table = router._tables.get(target.table)
            return _Lookup(self, route, table).decide if table is not None else None
        return self.target(route, target)

    def target(self, route: RoutePlan, target: Any) -> Optional[Action]:
        """The action for a rep or team target that always yields someone, or None."""
        if isinstance(target, RepTargetPlan):
            if not self.always_eligible(target.rep):
                return None
            return _Fixed(self.router, "assigned", route, target.rep, None, route.attributes).decide
        if isinstance(target, TeamTargetPlan):
            return self.team(route, target)
        return None

    def always_eligible(self, rep_id: str) -> bool:
        rep = self.router.roster.get(rep_id)
        return rep is not None and rep.active and not rep.out_of_office

    def team(self, route: RoutePlan, target: TeamTargetPlan) -> Optional[Action]:
        team = self.router.plan.teams.get(target.team)
        if team is None:
            return None
        strategy_name = target.strategy or team.strategy
        strategy = self.router._strategies.get(strategy_name)
        if (
            strategy_name not in ("round_robin", "weighted")
            or strategy is None
            or strategy is not self.builtin.get(strategy_name)
            or not team.members
            or team.cap is not None
            or team.filters
            or team.max_ahead is not None
            or len({m.rep for m in team.members}) != len(team.members)
            or not all(self.always_eligible(m.rep) for m in team.members)
        ):
            return None
        # One action per route: it carries the route's name and attributes.
        return _TeamPick(self.router, route, team, strategy_name, strategy).decide
