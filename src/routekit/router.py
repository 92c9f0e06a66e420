"""`Router`: the one place where a lead is evaluated against a plan.

Theory of operation
-------------------
``decide(lead, now=..., snapshot=...)`` is a pure function of the plan, the host data
given to the router (roster, accounts, tables, functions), the lead, ``now`` and a state
snapshot. It computes the score (if the file has a score block), tries the routes in file
order until one's condition is *true*, runs that route's action (or the fallback's), and
returns a `Decision` whose ``changes`` say how the state moves and whose ``trace`` says why.

For an ``assign``, each target is tried in turn. A team target filters its members
(roster, active, out of office, cap, ``require`` filters, ``max_ahead``) and hands the
eligible ones to the team's strategy, which picks one and returns its new state. A target
that yields nobody records why and passes to the next ``else`` target. Nothing here
raises for bad lead data: unusable values become unknown, and a lead nobody can take is
``unrouted`` with the reasons in the trace.

``route(lead, now=..., state=...)`` is decide-then-apply, atomically, on a state store.
"""

from __future__ import annotations

import copy
import datetime as dt
import inspect
import warnings
from decimal import Decimal
from fractions import Fraction
from typing import (
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    List,
    Mapping,
    Optional,
    Tuple,
    Union,
)

import attrs

from . import _keys as keys
from . import conditions as c
from ._fastdecide import NO_CONTEXT, FastDecider, NeedsContext
from .accounts import AccountMatch, AccountMatcher, normalize_domains
from .conditions import Env
from .decision import Decision
from .errors import (
    Diagnostic,
    LeadError,
    RouteError,
    RoutekitError,
    RoutekitTypeError,
    RoutekitValueError,
    RoutekitWarning,
    did_you_mean,
)
from .plan import (
    CellTarget,
    LookupTargetPlan,
    MemberPlan,
    OwnerTargetPlan,
    Plan,
    RepTargetPlan,
    RoutePlan,
    TablePlan,
    TargetPlan,
    TeamPlan,
    TeamTargetPlan,
)
from .roster import Rep, Roster, period_keys
from .state import (
    PERIODS,
    TeamChange,
    check_snapshot,
    empty_snapshot,
    period_count,
    strategy_state,
    team_counts,
)
from .strategies import BUILTIN_STRATEGIES, Candidate, PickRequest, Strategy
from .trace import TraceEvent

AccountsArg = Union[
    Mapping[str, Mapping[str, Any]], Callable[[str], Optional[Mapping[str, Any]]], None
]


class _Outcome:
    """What an action produced, before it becomes a `Decision`."""

    __slots__ = ("assignee", "changes", "message", "outcome", "team", "url")

    def __init__(self, outcome: str) -> None:
        self.outcome = outcome
        self.assignee: Optional[str] = None
        self.team: Optional[str] = None
        self.message: Optional[str] = None
        self.url: Optional[str] = None
        self.changes: Tuple[TeamChange, ...] = ()


class Router:
    """Routes leads with a compiled plan and the host's data.

    Args:
        rules: the `Plan` from `routekit.load` / `routekit.loads`.
        roster: reps as `Rep` objects or dicts (see the roster docs).
        accounts: a mapping from domain to account record, or a callable taking the
            registrable domain and returning a record or None.
        tables: rows for the tables declared ``from host``: ``{name: {key: rep_id or
            {"team": NAME}}}``.
        functions: extra pure functions callable from conditions, by name.
        free_email_domains: consumer mail domains to add to the shipped list.
        strategies: extra distribution strategies by name (the `Strategy` protocol).

    Raises:
        RosterError: bad roster data (naming the rep and field).
        RouteError: a function used in the rules is not given, or takes other arguments.
        RoutekitValueError, RoutekitTypeError: other bad arguments.
    """

    def __init__(
        self,
        rules: Plan,
        *,
        roster: Iterable[Union[Rep, Mapping[str, Any]]] = (),
        accounts: AccountsArg = None,
        tables: Optional[Mapping[str, Mapping[Any, Any]]] = None,
        functions: Optional[Mapping[str, Callable[..., Any]]] = None,
        free_email_domains: Iterable[str] = (),
        strategies: Optional[Mapping[str, Strategy]] = None,
    ) -> None:
        if not isinstance(rules, Plan):
            raise RoutekitTypeError(
                f"Router() takes the rules from routekit.load()/loads(), not {type(rules).__name__}"
            )
        self.plan = rules
        self._free_domains: FrozenSet[str] = normalize_domains(free_email_domains)
        self._accounts_arg = accounts
        self._accounts = (
            AccountMatcher(accounts, free_email_domains=self._free_domains)
            if accounts is not None
            else None
        )
        self._functions = self._check_functions(dict(functions or {}))
        self._strategies: Dict[str, Strategy] = {**BUILTIN_STRATEGIES, **dict(strategies or {})}
        self._tables = self._build_tables(tables or {})
        self.roster = roster if isinstance(roster, Roster) else Roster.from_items(roster)
        self._warn_unrostered()
        self._fast = FastDecider.build(self)

    # ---- construction ----------------------------------------------------------------

    def with_roster(self, roster: Iterable[Union[Rep, Mapping[str, Any]]]) -> Router:
        """A router for a changed roster, sharing the compiled rules and other host data."""
        new = object.__new__(Router)
        new.__dict__.update(self.__dict__)
        new.roster = roster if isinstance(roster, Roster) else Roster.from_items(roster)
        new._warn_unrostered()
        new._fast = FastDecider.build(new)
        return new

    def _warn_unrostered(self) -> None:
        missing = sorted(r for r in self.plan.requirements.reps if r not in self.roster)
        if missing:
            warnings.warn(
                f"{self.plan.name}: reps named in the rules but not in the roster: "
                f"{', '.join(missing)}"
                " (they will never be assigned)",
                RoutekitWarning,
                stacklevel=3,
            )

    def _check_functions(
        self, functions: Dict[str, Callable[..., Any]]
    ) -> Dict[str, Callable[..., Any]]:
        for name, function in functions.items():
            if not isinstance(name, str) or not name.isidentifier():
                raise RoutekitValueError(f"function names are identifiers, not {name!r}")
            if name in c.BUILTIN_FUNCTIONS:
                raise RoutekitValueError(f"{name} is a built-in function and cannot be replaced")
            if not callable(function):
                raise RoutekitTypeError(f"functions[{name!r}] is not callable")
        problems: List[Diagnostic] = []
        for use in self.plan.requirements.host_functions:
            found = functions.get(use.name)
            if found is None:
                hint = did_you_mean(use.name, [*functions, *c.BUILTIN_FUNCTIONS])
                problems.append(
                    Diagnostic(
                        "unknown-function",
                        f"there is no function named {use.name}",
                        use.span,
                        hint or "register it with Router(functions={...})",
                    )
                )
                continue
            try:
                inspect.signature(found).bind(*([None] * use.arity))
            except TypeError:
                problems.append(
                    Diagnostic(
                        "arity",
                        f"{use.name}() cannot be called with {use.arity} argument"
                        f"{'s' if use.arity != 1 else ''}",
                        use.span,
                    )
                )
            except ValueError:  # no signature available (some builtins): trust the host
                pass
        if problems:
            raise RouteError(problems, self.plan.source)
        return functions

    def _build_tables(self, supplied: Mapping[str, Mapping[Any, Any]]) -> Dict[str, TablePlan]:
        tables = dict(self.plan.tables)
        host = self.plan.requirements.host_tables
        self._host_rows = {name: dict(rows) for name, rows in supplied.items()}
        for name in supplied:
            if name not in host:
                hint = did_you_mean(str(name), host)
                raise RoutekitValueError(
                    f"tables[{name!r}]: the rules declare no `table {name} ... from host`"
                    + (f"; {hint}" if hint else "")
                )
        for name in host:
            if name not in supplied:
                raise RoutekitValueError(
                    f"table {name} is declared `from host`, but Router(tables=...) has no {name!r}"
                )
            tables[name] = self._host_table(self.plan.tables[name], supplied[name])
        return tables

    def _host_table(self, table: TablePlan, rows: Mapping[Any, Any]) -> TablePlan:
        if not isinstance(rows, Mapping):
            raise RoutekitTypeError(f"tables[{table.name!r}] must be a mapping from key to target")
        index: Dict[keys.Key, CellTarget] = {}
        width = len(table.key_getters)
        for key, value in rows.items():
            parts = key if isinstance(key, tuple) else (key,)
            if len(parts) != width or not all(
                isinstance(p, (str, int, float, Decimal)) for p in parts
            ):
                raise RoutekitValueError(
                    f"tables[{table.name!r}]: key {key!r} must be {width} text or number value"
                    f"{'s' if width != 1 else ''}"
                )
            target: CellTarget
            if isinstance(value, str):
                target = RepTargetPlan(value, f"rep {value}")
            elif isinstance(value, Mapping) and isinstance(value.get("team"), str):
                team = value["team"]
                if team not in self.plan.teams:
                    raise RoutekitValueError(
                        f"tables[{table.name!r}][{key!r}]: there is no team {team}"
                    )
                target = TeamTargetPlan(team, None, f"team {team}")
            else:
                raise RoutekitValueError(
                    f"tables[{table.name!r}][{key!r}] must be a rep id or {{'team': NAME}}, "
                    f"not {value!r}"
                )
            if not keys.add(index, list(parts), target):
                raise RoutekitValueError(
                    f"tables[{table.name!r}]: the key {key!r} equals another key "
                    "(keys compare like ==: case, surrounding space and numbers written as text)"
                )
        return TablePlan(
            table.name, table.key_texts, table.key_getters, index, table.else_target, True
        )

    def __reduce__(self) -> Tuple[Any, ...]:
        for name, function in self._functions.items():
            if getattr(function, "__name__", "") == "<lambda>" or "<locals>" in getattr(
                function, "__qualname__", ""
            ):
                raise RoutekitTypeError(
                    f"this Router cannot be pickled: function {name!r} is a lambda "
                    "or a local function"
                )
        if (
            callable(self._accounts_arg)
            and not isinstance(self._accounts_arg, Mapping)
            and (
                "<lambda>" in getattr(self._accounts_arg, "__qualname__", "<lambda>")
                or "<locals>" in getattr(self._accounts_arg, "__qualname__", "")
            )
        ):
            raise RoutekitTypeError(
                "this Router cannot be pickled: its accounts callable is a lambda"
            )
        host_tables = self._host_rows
        kwargs = {
            "roster": [rep.to_mapping() for rep in self.roster],
            "accounts": self._accounts_arg,
            "tables": host_tables,
            "functions": self._functions,
            "free_email_domains": sorted(self._free_domains),
            # host strategies, including ones registered under a built-in name
            "strategies": {
                k: v for k, v in self._strategies.items() if BUILTIN_STRATEGIES.get(k) is not v
            },
        }
        return (_rebuild_router, (self.plan, kwargs))

    # ---- deciding ---------------------------------------------------------------------

    def route(self, lead: Mapping[str, Any], *, now: dt.datetime, state: Any) -> Decision:
        """Decide and apply the decision's changes to ``state``, atomically.

        ``state`` is a `MemoryState` or any store with a ``transact(decide)`` method that
        calls ``decide(snapshot)`` and applies the returned decision's ``changes``.
        """
        transact = getattr(state, "transact", None)
        if transact is None:
            raise RoutekitTypeError("state must be a MemoryState (or a store with transact())")
        _check_now(now)
        decision: Decision = transact(
            lambda snapshot: self.decide(lead, now=now, snapshot=snapshot)
        )
        return decision

    def decide(
        self,
        lead: Mapping[str, Any],
        *,
        now: dt.datetime,
        snapshot: Optional[Mapping[str, Any]] = None,
    ) -> Decision:
        """The decision for ``lead`` at ``now`` given a state ``snapshot`` (pure: nothing changes).

        Raises:
            LeadError: the lead is not a mapping, or a required schema field is bad.
            RoutekitValueError: ``now`` is naive; RoutekitTypeError: ``now`` is not a datetime.
        """
        if now.__class__ is not _DATETIME or now.tzinfo is not _UTC:
            _check_now(now)
        snapshot = _EMPTY_SNAPSHOT if snapshot is None else check_snapshot(snapshot)
        fast = self._fast
        if fast is not None and lead.__class__ is dict:
            decision = fast.decide(lead, now, snapshot)
            if decision is not None:
                return decision
        cleaned, notes = self._clean_lead(lead)
        run = _Run(self, cleaned, now, snapshot, None, lead_notes=notes)
        try:
            return run.decide()
        except RoutekitError:
            raise
        except Exception:  # the fast path met something it does not handle: use the reference
            return self._decide_eager(cleaned, now, snapshot, notes)

    def match(self, lead: Mapping[str, Any], *, now: dt.datetime) -> Optional[str]:
        """The name of the route that would decide ``lead`` (``"fallback"`` or None), without
        picking anyone: for previews, diffs and benchmarks of the matching step alone."""
        if now.__class__ is not _DATETIME or now.tzinfo is not _UTC:
            _check_now(now)
        fast = self._fast
        if fast is not None and lead.__class__ is dict:
            # Matching keeps nothing of the lead, so it needs no private copy. The usual
            # plan (no score) is matched here without a call in between.
            try:
                if fast.plain:
                    return fast.names[fast.match(lead, NO_CONTEXT)]
                return fast.names[fast.evaluate(lead, now)[1]]
            except NeedsContext:
                pass
            if fast.plain:  # a test asked for the evaluation context: try once with one
                try:
                    return fast.names[fast.in_context(lead, now)[1]]
                except NeedsContext:  # it reads the account: the general path below
                    pass
        cleaned, notes = self._clean_lead(lead)
        run = _Run(self, cleaned, now, {}, None, lead_notes=notes)
        run.compute_score()
        return self._route_name(self.plan.fast_match(cleaned, run.env))

    def _route_name(self, index: int) -> Optional[str]:
        if index >= 0:
            return self.plan.routes[index].name
        return "fallback" if self.plan.fallback is not None else None

    def _replay(
        self, lead: Mapping[str, Any], now: dt.datetime, reads: Dict[Tuple[str, ...], Any]
    ) -> Tuple[TraceEvent, ...]:
        """The full trace of a fast decision, rebuilt with tracing on from its private copies
        (the lead as given and the snapshot values it read)."""
        cleaned, notes = self._clean_lead(lead)
        run = _Run(self, cleaned, now, {}, list(notes), None, notes, dict(reads))
        trace = run.decide().trace
        assert trace is not None
        return trace

    def _decide_eager(
        self,
        lead: Mapping[str, Any],
        now: dt.datetime,
        snapshot: Mapping[str, Any],
        notes: Tuple[TraceEvent, ...] = (),
    ) -> Decision:
        """Decide with the trace built as evaluation goes (the reference path; for tests)."""
        return _Run(self, lead, now, snapshot, list(notes), lead_notes=notes).decide()

    def _clean_lead(self, lead: Any) -> Tuple[Mapping[str, Any], Tuple[TraceEvent, ...]]:
        """A private copy of the lead (a replayed trace must see the same values) and notes."""
        events: List[TraceEvent] = []
        if lead.__class__ is not dict and not isinstance(lead, Mapping):
            raise LeadError(
                f"a lead is a mapping of field names to values, not {type(lead).__name__}"
            )
        try:
            lead = {k: _plain_copy(v) for k, v in lead.items()}
            bad_keys = [k for k in lead if k.__class__ is not str and not isinstance(k, str)]
        except Exception as error:
            raise LeadError(f"the lead cannot be read: {error}") from None
        if bad_keys:
            shown = ", ".join(repr(k) for k in bad_keys[:5])
            events.append(
                TraceEvent(
                    "lead",
                    f"ignored keys that are not text: {shown}",
                    0,
                    {"ignored_keys": [repr(k) for k in bad_keys[:20]]},
                )
            )
            lead = {k: v for k, v in lead.items() if isinstance(k, str)}
        if self.plan.fields is not None:
            from .schema import Uncoercible, coerce_lead

            coerced, notes = coerce_lead(
                lead, [(f.name, f.type_name, f.required) for f in self.plan.fields]
            )
            for note in notes:
                events.append(TraceEvent("lead", note, 0, {}))
            lead = {
                k: (c.Unknown(v.problem) if isinstance(v, Uncoercible) else v)
                for k, v in coerced.items()
            }
        cleaned: Mapping[str, Any] = lead
        return cleaned, tuple(events)


def _rebuild_router(plan: Plan, kwargs: Dict[str, Any]) -> Router:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RoutekitWarning)
        return Router(plan, **kwargs)


def _plain_copy(value: Any) -> Any:
    """A fast copy of small JSON-like data (dicts, lists, scalars). Anything else, or data
    with more than a few thousand parts (which may share nested lists, so a naive copy could
    explode), goes through `copy.deepcopy`, which keeps sharing and cycles as they are."""
    cls = value.__class__
    if cls in _SCALARS:
        return value
    budget = [_PLAIN_COPY_BUDGET]
    try:
        return _copy_within(value, budget)
    except (_TooBig, RecursionError):
        return _private_copy(value)


class _TooBig(Exception):
    """Raised inside `_copy_within` when the data is too large for the fast copy."""


_PLAIN_COPY_BUDGET = 500  # also bounds the recursion depth


def _copy_within(value: Any, budget: List[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise _TooBig
    cls = value.__class__
    if cls in _SCALARS:
        return value
    if cls is dict:
        return {k: _copy_within(v, budget) for k, v in value.items()}
    if cls is list:
        return [_copy_within(v, budget) for v in value]
    raise _TooBig  # tuples, other mappings, objects: let deepcopy decide


def _private_copy(value: Any) -> Any:
    """A copy of nested lists and mappings (scalars are shared): what a decision keeps of
    the host's data, so that its trace, rebuilt later, sees the values it decided on."""
    if value.__class__ in _SCALARS:
        return value
    if isinstance(value, (list, tuple, Mapping)):
        try:
            return copy.deepcopy(value)
        except RecursionError:  # absurdly deep data: keep it; such a value is never usable
            return value
        except Exception:  # an object that cannot be copied: keep it as it is
            return value
    return value


_SCALARS = frozenset({str, int, float, bool, type(None), Decimal})


def _check_now(now: Any) -> None:
    if not isinstance(now, dt.datetime):
        raise RoutekitTypeError(f"now must be a timezone-aware datetime, not {type(now).__name__}")
    if now.tzinfo is None or now.utcoffset() is None:
        raise RoutekitValueError(
            "now must be timezone-aware (a naive datetime is ambiguous): "
            "use datetime.now(timezone.utc)"
        )


_UTC = dt.timezone.utc
_DATETIME = dt.datetime
_EMPTY_SNAPSHOT: Mapping[str, Any] = empty_snapshot()  # read-only: no decision writes to it


class _Run:
    """One decision in progress: the lead, the clock, the snapshot and the trace so far."""

    def __init__(
        self,
        router: Router,
        lead: Mapping[str, Any],
        now: dt.datetime,
        snapshot: Mapping[str, Any],
        events: Optional[List[TraceEvent]],
        recorded_account: Optional[AccountMatch] = None,
        lead_notes: Tuple[TraceEvent, ...] = (),
        recorded_reads: Optional[Dict[Tuple[str, ...], Any]] = None,
    ) -> None:
        self.lead_notes = lead_notes
        # What this decision read from the snapshot, kept as private copies: a replayed
        # trace must see exactly these values even if the host changes its snapshot later.
        self.reads: Dict[Tuple[str, ...], Any] = (
            recorded_reads if recorded_reads is not None else {}
        )
        self.periods: Dict[str, Dict[str, str]] = {}
        self.team_counts: Dict[str, Any] = {}
        self.router = router
        self.plan = router.plan
        self.lead = lead
        self.now = now
        self.snapshot = snapshot
        self.events = events
        self.account_done = False
        self.account: Optional[Mapping[str, Any]] = None
        self.account_match: Optional[AccountMatch] = recorded_account
        self.score: Optional[Union[int, Decimal]] = None
        self._ctx: Optional[c.EvalContext] = None
        self.env = Env(self._context)

    @property
    def ctx(self) -> c.EvalContext:
        """The evaluation context, made on first use (the fast path often needs none)."""
        if self._ctx is None:
            self._ctx = c.EvalContext(
                self.lead,
                self.now,
                self.router._functions,
                self._account_lookup,
                self._score_lookup,
                self.events,
                self.router._free_domains,
            )
        return self._ctx

    def _context(self) -> c.EvalContext:
        return self.ctx

    def period(self, timezone: str, period: str) -> str:
        """The calendar period containing ``now`` in ``timezone`` (cached per decision)."""
        keys = self.periods.get(timezone)
        if keys is None:
            keys = self.periods[timezone] = period_keys(self.now, timezone)
        return keys[period]

    @property
    def log(self) -> List[TraceEvent]:
        """The trace so far; only the traced (reference or replay) path has one."""
        assert self.events is not None
        return self.events

    def emit(self, kind: str, message: str, depth: int = 0, **data: Any) -> None:
        if self.events is not None:
            self.events.append(TraceEvent(kind, message, depth, data))

    # ---- lazily computed facts ----------------------------------------------------------

    def _account_lookup(self, ctx: c.EvalContext) -> Optional[Mapping[str, Any]]:
        if not self.account_done:
            self.account_done = True
            matcher = self.router._accounts
            if matcher is None:
                self.emit("account", "account: no accounts were given to the router", ctx.depth)
                return None
            match = self.account_match
            if match is None:  # a replay reuses the match recorded by the fast path
                match = matcher.match(self.lead)
                if match.account is not None:  # a private copy: the host may edit its record
                    match = attrs.evolve(match, account=_plain_copy(match.account))
                self.account_match = match
            self.account = match.account
            if match.account is not None:
                tried = [n for n in match.notes if not n.startswith(f"{match.field}:")]
                also = f" ({'; '.join(tried)})" if tried else ""
                self.emit(
                    "account",
                    f"account: matched {match.key} by the lead's {match.field}{also}",
                    ctx.depth,
                    key=match.key,
                    field=match.field,
                    notes=list(match.notes),
                )
            else:
                self.emit(
                    "account",
                    "account: none matched (" + "; ".join(match.notes) + ")",
                    ctx.depth,
                    notes=list(match.notes),
                )
        return self.account

    def _score_lookup(self, ctx: c.EvalContext) -> Any:
        if self.score is None:
            return c.Unknown("the file has no score block")
        return self.score

    def compute_score(self) -> None:
        items = self.plan.score
        if items is None:
            return
        if self.events is None:
            self.score = self.plan.fast_score(self.lead, self.env)  # type: ignore[misc]
            return
        events = self.log
        index = len(events)
        self.ctx.depth = 1
        total: Union[int, Decimal] = 0
        for item in items:
            start = len(events)
            self.ctx.depth = 2
            result = item.condition.evaluate(self.ctx)
            self.ctx.depth = 1
            counted = result is True
            if counted:
                total += item.points
            word = "unknown" if result is None else ("true" if result else "false")
            points = f"{'+' if item.points >= 0 else ''}{item.points}"
            detail = self.fold(item.condition, start, f"{item.text} → {word}")
            events.insert(
                start,
                TraceEvent(
                    "score-item",
                    f"{points} when {detail}{'' if counted else ' (not counted)'}",
                    1,
                    {"points": str(item.points), "result": word, "counted": counted},
                ),
            )
        self.ctx.depth = 0
        self.score = total
        events.insert(index, TraceEvent("score", f"score = {total}", 0, {"score": str(total)}))

    # ---- routes -----------------------------------------------------------------------

    def decide(self) -> Decision:
        self.compute_score()
        if self.events is None:
            index = self.plan.fast_match(self.lead, self.env)
            if index >= 0:
                route = self.plan.routes[index]
                return self.finish(route, self.act(route))
            if self.plan.fallback is not None:
                return self.finish(self.plan.fallback, self.act(self.plan.fallback))
            return self.finish(None, _Outcome("unrouted"))
        for route in self.plan.routes:
            if self.try_route(route):
                return self.finish(route, self.act(route))
        if self.plan.fallback is not None:
            self.emit("fallback", "no route matched: the fallback decides")
            return self.finish(self.plan.fallback, self.act(self.plan.fallback))
        self.emit("no-route", "no route matched and there is no fallback: unrouted")
        return self.finish(None, _Outcome("unrouted"))

    def try_route(self, route: RoutePlan) -> bool:
        if route.condition is None:
            self.emit(
                "route",
                f'route "{route.name}" → matches (no condition)',
                0,
                route=route.name,
                result="true",
            )
            return True
        events = self.log
        index = len(events)
        self.ctx.depth = 1
        result = route.condition.evaluate(self.ctx)
        self.ctx.depth = 0
        word = "unknown" if result is None else ("true" if result else "false")
        verdict = (
            "matches"
            if result is True
            else ("no match (unknown)" if result is None else "no match")
        )
        detail = self.fold(route.condition, index, route.condition_text)
        events.insert(
            index,
            TraceEvent(
                "route",
                f'route "{route.name}" → {verdict}: {detail}',
                0,
                {"route": route.name, "result": word},
            ),
        )
        return result is True

    def fold(self, condition: c.Node, index: int, text: str) -> str:
        """A lone test's event is folded into its parent's line, so simple routes read as one."""
        events = self.log
        added = events[index:]
        if isinstance(condition, c.Test) and len(added) == 1 and added[0].kind == "test":
            del events[index:]
            return added[0].message
        return text

    def finish(self, route: Optional[RoutePlan], outcome: _Outcome) -> Decision:
        attributes: Dict[str, Any] = dict(route.attributes) if route is not None else {}
        if self.events is not None:
            for name, value in attributes.items():
                self.emit("set", f"set {name} = {c.describe(value)}", 1, name=name)
        decision = Decision(
            outcome=outcome.outcome,
            assignee=outcome.assignee,
            route=route.name if route is not None else None,
            team=outcome.team,
            message=outcome.message,
            url=outcome.url,
            attributes=attributes,
            score=self.score,
            changes=outcome.changes,
            trace=tuple(self.events) if self.events is not None else None,
            now=self.now,
            replay=self.replay if self.events is None else None,
        )
        # The context and the env point back at this run (a reference cycle only the cycle
        # collector frees); the decision needs neither, so let them go now.
        self._ctx = None
        self.env = NO_CONTEXT
        return decision

    def replay(self) -> Tuple[TraceEvent, ...]:
        """The full trace, rebuilt by deciding again with tracing on (decisions are pure)."""
        run = _Run(
            self.router,
            self.lead,
            self.now,
            {},
            list(self.lead_notes),
            self.account_match,
            self.lead_notes,
            self.reads,
        )
        return run.decide().trace

    def strategy_state(self, team: str, strategy: str) -> Mapping[str, Any]:
        key = ("strategy", team, strategy)
        if key not in self.reads:
            self.reads[key] = _plain_copy(strategy_state(self.snapshot, team, strategy))
        found: Mapping[str, Any] = self.reads[key]
        return found

    def count(self, team: str, member: str, period: str, period_key: str) -> int:
        key = ("count", team, member, period, period_key)
        found = self.reads.get(key)
        if found is None:
            counts = self.team_counts.get(team)
            if counts is None:
                counts = self.team_counts[team] = team_counts(self.snapshot, team)
            found = self.reads[key] = period_count(counts.get(member), period, period_key)
        return int(found)

    def act(self, route: RoutePlan) -> _Outcome:
        if route.kind == "reject":
            outcome = _Outcome("rejected")
            outcome.message = route.message
            self.emit("reject", f"reject: {route.message}", 1)
            return outcome
        if route.kind == "redirect":
            outcome = _Outcome("redirected")
            outcome.url = route.url
            self.emit("redirect", f"redirect to {route.url}", 1)
            return outcome
        for position, target in enumerate(route.targets):
            if self.events is not None:
                word = "else" if position > 0 else "assign"
                self.emit(word, f"{word} {target.text}", 1, target=target.text)
            found = self.resolve(target, depth=2)
            if found is not None:
                return found
        self.emit("no-assignee", "nobody could take the lead: unrouted", 1)
        return _Outcome("unrouted")

    # ---- targets -----------------------------------------------------------------------

    def resolve(self, target: TargetPlan, depth: int) -> Optional[_Outcome]:
        if isinstance(target, TeamTargetPlan):
            return self.pick_from_team(target, depth)
        if isinstance(target, RepTargetPlan):
            return self.single_rep(target.rep, depth)
        if isinstance(target, OwnerTargetPlan):
            self.ctx.depth = depth
            account = self._account_lookup(self.ctx)
            if account is None:
                self.emit("excluded", "no account matched, so there is no owner", depth)
                return None
            owner = account.get("owner") if isinstance(account, Mapping) else None
            owner = owner.strip() if isinstance(owner, str) else owner
            if not isinstance(owner, str) or not owner:
                self.emit("excluded", "the matched account has no owner", depth)
                return None
            self.emit("candidate", f"the account owner is {owner}", depth, rep=owner)
            return self.single_rep(owner, depth)
        return self.lookup(target, depth)

    def single_rep(self, rep_id: str, depth: int) -> Optional[_Outcome]:
        rep = self.router.roster.get(rep_id)
        reason = self.person_reason(rep_id, rep)
        if reason is not None:
            self.emit("excluded", f"{rep_id}: {reason}", depth, rep=rep_id, reason=reason)
            return None
        self.emit("pick", f"{rep_id} is eligible", depth, rep=rep_id)
        outcome = _Outcome("assigned")
        outcome.assignee = rep_id
        return outcome

    def person_reason(self, rep_id: str, rep: Optional[Rep]) -> Optional[str]:
        """Why a rep can never take a lead right now (not rostered, inactive, away), or None."""
        if rep is None:
            return "not in roster"
        if not rep.active:
            return "inactive"
        return rep.absence_at(self.now)

    def lookup(self, target: LookupTargetPlan, depth: int) -> Optional[_Outcome]:
        table = self.router._tables[target.table]
        values = [getter(self.ctx) for getter in table.key_getters]
        shown_key = ", ".join(table.key_texts)
        missing = [v for v in values if isinstance(v, c.Unknown)]
        cell: Optional[CellTarget] = None
        if missing:
            self.emit(
                "lookup",
                f"table {table.name}: key missing ({missing[0].reason})",
                depth,
                table=table.name,
                key=None,
            )
            cell = table.else_target
            if cell is not None:
                self.emit("lookup", f"table {table.name}: the else row → {cell.text}", depth)
        else:
            cell = keys.find(table.index, values)
            shown = ", ".join(c.describe(v) for v in values)
            if cell is not None:
                self.emit(
                    "lookup",
                    f"table {table.name}: {shown_key} = {shown} → {cell.text}",
                    depth,
                    table=table.name,
                )
            else:
                cell = table.else_target
                where = (
                    f"the else row → {cell.text}" if cell is not None else "no row and no else row"
                )
                self.emit(
                    "lookup",
                    f"table {table.name}: no row for {shown}: {where}",
                    depth,
                    table=table.name,
                )
        if cell is None:
            return None
        return self.resolve(cell, depth + 1)

    # ---- teams ---------------------------------------------------------------------------

    def pick_from_team(self, target: TeamTargetPlan, depth: int) -> Optional[_Outcome]:
        team = self.plan.teams[target.team]
        strategy_name = target.strategy or team.strategy
        strategy = self.router._strategies.get(strategy_name)
        if strategy is None:
            self.emit(
                "excluded",
                f"team {team.name}: the strategy {strategy_name} is not available "
                "in this version of routekit",
                depth,
                team=team.name,
                strategy=strategy_name,
            )
            return None
        if not team.members:
            self.emit("excluded", f"team {team.name} has no members", depth, team=team.name)
            return None
        eligible, counts, away = self.eligible_members(team, depth)
        if not eligible:
            self.emit("excluded", f"team {team.name}: no eligible member", depth, team=team.name)
            return None
        request = PickRequest(
            team=team,
            strategy=strategy_name,
            eligible=tuple(eligible),
            state=self.strategy_state(team.name, strategy_name),
            now=self.now,
            counts=counts,
            away=tuple(away),
        )
        pick = strategy.pick(request)
        if pick.rep is None:  # the strategy found nobody it may pick (e.g. no capacity set)
            self.emit("excluded", f"team {team.name}: {pick.reason}", depth, team=team.name)
            return None
        chosen = next((cand for cand in eligible if cand.id == pick.rep), None)
        if chosen is None:  # a host strategy broke the protocol: never assign an ineligible rep
            self.emit(
                "excluded",
                f"team {team.name}: strategy {strategy_name} picked {pick.rep!r}, "
                "who is not eligible",
                depth,
            )
            return None
        if self.events is not None:
            self.emit(
                "pick",
                f"{pick.rep} ({strategy_name}: {pick.reason})",
                depth,
                rep=pick.rep,
                team=team.name,
                strategy=strategy_name,
                **dict(pick.data),
            )
        periods = tuple((p, self.period(chosen.rep.timezone, p)) for p in PERIODS)
        change = TeamChange(
            team.name,
            chosen.id,
            strategy_name,
            pick.state,
            periods,
            tuple(m.rep for m in team.members),
        )
        outcome = _Outcome("assigned")
        outcome.assignee = pick.rep
        outcome.team = team.name
        outcome.changes = (change,)
        return outcome

    def eligible_members(
        self, team: TeamPlan, depth: int
    ) -> Tuple[List[Candidate], Dict[str, int], List[MemberPlan]]:
        eligible: List[Candidate] = []
        away: List[MemberPlan] = []
        counts: Dict[str, int] = {}
        period = team.period
        skill_cache: Dict[int, Any] = {}
        for member in team.members:
            rep = self.router.roster.get(member.rep)
            count = 0
            if rep is not None:
                key = self.period(rep.timezone, period)
                count = self.count(team.name, member.rep, period, key)
            counts[member.rep] = count
            reason = self.person_reason(member.rep, rep)
            if reason is None and rep is not None:
                reason = self.team_reason(team, member, rep, skill_cache)
            if reason is not None:
                away.append(member)
                if self.events is not None:
                    self.emit(
                        "excluded", f"{member.rep}: {reason}", depth, rep=member.rep, reason=reason
                    )
                continue
            assert rep is not None
            eligible.append(Candidate(member, rep, count))
        if team.max_ahead is not None and eligible:
            eligible = self.apply_max_ahead(team, eligible, away, depth)
        if eligible and self.events is not None:
            names = ", ".join(
                f"{cand.id} ({cand.count} {_period_word(period)})" for cand in eligible
            )
            self.emit(
                "candidate",
                f"eligible: {names}",
                depth,
                team=team.name,
                eligible=[cand.id for cand in eligible],
            )
        return eligible, counts, away

    def team_reason(
        self, team: TeamPlan, member: MemberPlan, rep: Rep, skill_cache: Dict[int, Any]
    ) -> Optional[str]:
        if team.cap is not None:
            limit, cap_period = team.cap
            key = self.period(rep.timezone, cap_period)
            used = self.count(team.name, member.rep, cap_period, key)
            if used >= limit:
                return f"at cap {used}/{limit} {_period_word(cap_period)}"
        for flt in team.filters:
            if flt.kind == "available":
                reason = rep.hours_at(self.now) or rep.busy_at(self.now)
                if reason is not None:
                    return reason
            elif flt.kind == "under_capacity":
                if rep.capacity is None:
                    return "no capacity set"
                if rep.load >= rep.capacity:
                    word = "at" if rep.load == rep.capacity else "over"
                    return f"{word} capacity {_num(rep.load)}/{_num(rep.capacity)}"
            elif flt.kind == "skill":
                skill = flt.skill
                if flt.skill_getter is not None:
                    key_id = id(flt)
                    if key_id not in skill_cache:
                        skill_cache[key_id] = flt.skill_getter(self.ctx)
                    value = skill_cache[key_id]
                    if isinstance(value, c.Unknown):
                        return f"no skill to match ({value.reason})"
                    if not isinstance(value, str):
                        return f"no skill to match ({c.describe(value)} is not text)"
                    skill = value
                assert skill is not None
                if not rep.has_skill(skill):
                    return f'lacks skill "{skill.strip()}"'
        return None

    def apply_max_ahead(
        self, team: TeamPlan, eligible: List[Candidate], away: List[MemberPlan], depth: int
    ) -> List[Candidate]:
        assert team.max_ahead is not None
        least = min(Fraction(cand.count) / cand.weight for cand in eligible)
        kept: List[Candidate] = []
        for cand in eligible:
            ahead = cand.count - cand.weight * least
            if ahead > team.max_ahead:
                away.append(cand.member)
                reason = f"{_num(ahead)} ahead of the least-assigned (max_ahead {team.max_ahead})"
                self.emit("excluded", f"{cand.id}: {reason}", depth, rep=cand.id, reason=reason)
            else:
                kept.append(cand)
        return kept


def _period_word(period: str) -> str:
    return {"day": "today", "week": "this week", "month": "this month"}.get(period, period)


def _num(value: Any) -> str:
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        return f"{float(value):.2f}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


__all__ = ["Router"]
