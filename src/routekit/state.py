"""Routing state as data: snapshots, the changes a decision makes, and `MemoryState`.

Theory of operation
-------------------
A snapshot is a JSON-ready dict::

    {"format": 1, "version": 7, "teams": {
        "sdr": {"strategies": {"round_robin": {"last": "blake"}},
                "counts": {"blake": {"day": ["2026-11-22", 3], "week": ["2026-W47", 9],
                                     "month": ["2026-11", 30]}}}}}

``decide`` reads a snapshot and never changes it; the decision carries ``changes`` (one
`TeamChange` per assignment from a team) and `apply_changes` makes the next snapshot,
copying only what changed and adding 1 to ``version``. A host with many workers keeps the
snapshot in its own database and applies changes with a compare-and-swap on ``version``.
Counts are stored with the period they belong to, so a new day simply starts from zero.
"""

from __future__ import annotations

import copy
import threading
from typing import Any, Callable, Dict, Mapping, Optional, Sequence, Tuple, TypeVar

import attrs

from .errors import RoutekitTypeError, RoutekitValueError

STATE_FORMAT = 1
PERIODS = ("day", "week", "month")

T = TypeVar("T")


def empty_snapshot() -> Dict[str, Any]:
    return {"format": STATE_FORMAT, "version": 0, "teams": {}}


@attrs.frozen(slots=False)  # a dict class: made once per assignment, this halves its cost
class TeamChange:
    """One assignment from a team: the strategy's new state and the member's +1 counts."""

    team: str
    member: str
    strategy: str
    strategy_state: Mapping[str, Any]
    periods: Tuple[Tuple[str, str], ...]
    members: Tuple[str, ...]

    def describe(self) -> str:
        """E.g. ``team sdr: round_robin last = blake; blake +1 today (2026-11-22)``."""
        state = ", ".join(f"{k} = {_short(v)}" for k, v in sorted(self.strategy_state.items()))
        day = dict(self.periods).get("day")
        when = f" today ({day})" if day else ""
        return f"team {self.team}: {self.strategy} {state}; {self.member} +1{when}"

    def to_dict(self) -> Dict[str, Any]:
        import json  # here: routing never needs it

        return {
            "team": self.team,
            "member": self.member,
            "strategy": self.strategy,
            "strategy_state": json.loads(json.dumps(self.strategy_state)),
            "periods": {kind: key for kind, key in self.periods},
        }


def change_template(team: str, strategy: str, members: Tuple[str, ...]) -> Dict[str, Any]:
    """The fixed fields of one team's changes, for the router's fast path."""
    return {
        "team": team,
        "member": None,
        "strategy": strategy,
        "strategy_state": None,
        "periods": None,
        "members": members,
    }


def _short(value: Any) -> str:
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {v}" for k, v in value.items()) + "}"
    return str(value)


_EMPTY: Mapping[str, Any] = {}


def _is_mapping(value: Any) -> bool:
    # dict and None first: the ABC check is slow
    return value.__class__ is dict or (value is not None and isinstance(value, Mapping))


def team_state(snapshot: Mapping[str, Any], team: str) -> Mapping[str, Any]:
    teams = snapshot.get("teams", {})
    found = teams.get(team) if _is_mapping(teams) else None
    return found if _is_mapping(found) else _EMPTY  # type: ignore[return-value]


def strategy_state(snapshot: Mapping[str, Any], team: str, strategy: str) -> Mapping[str, Any]:
    """The (team, strategy) slot; a damaged snapshot reads as an empty slot, never an error."""
    strategies: Any = team_state(snapshot, team).get("strategies")
    found: Any = strategies.get(strategy) if _is_mapping(strategies) else None
    return found if _is_mapping(found) else {}


def member_count(snapshot: Mapping[str, Any], team: str, member: str, period: str, key: str) -> int:
    """How many leads ``member`` got from ``team`` in the period ``key`` (0 if another period)."""
    return period_count(team_counts(snapshot, team).get(member), period, key)


def team_counts(snapshot: Mapping[str, Any], team: str) -> Mapping[str, Any]:
    """The team's counts per member, as stored in the snapshot."""
    counts = team_state(snapshot, team).get("counts")
    return counts if _is_mapping(counts) else _EMPTY  # type: ignore[return-value]


def period_count(member_counts: Any, period: str, key: str) -> int:
    """One member's count in the period ``key`` from its stored counts (0 if another period)."""
    entry = member_counts.get(period) if _is_mapping(member_counts) else None
    if isinstance(entry, (list, tuple)) and len(entry) == 2 and entry[0] == key:
        return _stored_count(entry[1])
    return 0


def _stored_count(value: Any) -> int:
    """A count from a snapshot as a whole number; a damaged one (``"x"``, None, NaN) is 0."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return 0


def apply_changes(snapshot: Mapping[str, Any], changes: Sequence[TeamChange]) -> Dict[str, Any]:
    """The snapshot after ``changes``, with ``version`` + 1; ``snapshot`` is not modified."""
    teams: Dict[str, Any] = dict(snapshot.get("teams", {}))
    for change in changes:
        old: Any = teams.get(change.team, {})
        old = old if _is_mapping(old) else {}
        found: Any = old.get("strategies")
        strategies: Dict[str, Any] = dict(found) if _is_mapping(found) else {}
        # A copy all the way down: the decision's change stays the host's to keep or edit.
        strategies[change.strategy] = json_copy(change.strategy_state)
        members = change.members
        found = old.get("counts")
        counts: Dict[str, Any] = dict(found) if _is_mapping(found) else {}
        for member in counts:
            if member not in members:  # someone left the team: keep only current members
                counts = {m: c for m, c in counts.items() if m in members}
                break
        found = counts.get(change.member)
        mine: Dict[str, Any] = dict(found) if _is_mapping(found) else {}
        for period, key in change.periods:
            entry = mine.get(period)
            if entry.__class__ is list and len(entry) == 2 and entry[0] == key:
                stored = entry[1]
                current = stored if stored.__class__ is int else _stored_count(stored)
            elif isinstance(entry, (list, tuple)) and len(entry) == 2 and entry[0] == key:
                current = _stored_count(entry[1])
            else:
                current = 0
            mine[period] = [key, current + 1]
        counts[change.member] = mine
        teams[change.team] = {"strategies": strategies, "counts": counts}
    return {
        "format": STATE_FORMAT,
        "version": int(snapshot.get("version", 0)) + 1,
        "teams": teams,
    }


def json_copy(value: Any) -> Any:
    """A copy of JSON-like data (mappings and lists copied, everything else shared)."""
    if _is_mapping(value):
        copied = dict(value)
        for key, item in copied.items():
            if item.__class__ not in _ATOMS:
                copied[key] = json_copy(item)
        return copied
    if isinstance(value, list):
        return [json_copy(v) for v in value]
    if isinstance(value, tuple):
        return tuple(json_copy(v) for v in value)
    return value


_ATOMS = frozenset({str, int, float, bool, type(None)})


def check_snapshot(snapshot: Any) -> Mapping[str, Any]:
    """Validate a snapshot's outline (a host may hand in anything), returning it."""
    if snapshot is None:
        return empty_snapshot()
    if not _is_mapping(snapshot):
        raise RoutekitTypeError(f"a state snapshot is a mapping, not {type(snapshot).__name__}")
    if snapshot.get("format", STATE_FORMAT) != STATE_FORMAT:
        raise RoutekitValueError(
            f"this snapshot has format {snapshot.get('format')!r}; "
            f"routekit reads format {STATE_FORMAT}"
        )
    version = snapshot.get("version", 0)
    if not isinstance(version, int) or isinstance(version, bool) or version < 0:
        raise RoutekitValueError("a snapshot's version is a whole number >= 0")
    if not _is_mapping(snapshot.get("teams", {})):
        raise RoutekitValueError("a snapshot's teams are a mapping")
    checked: Mapping[str, Any] = snapshot
    return checked


class StateConflict(RoutekitValueError):
    """A compare-and-swap lost: the state moved on since the snapshot was read."""


class MemoryState:
    """The embedded, thread-safe state store: one snapshot guarded by a lock.

    ``Router.route`` decides and applies under the lock, so two threads never pick from
    the same snapshot.
    """

    def __init__(self, snapshot: Optional[Mapping[str, Any]] = None) -> None:
        checked = check_snapshot(snapshot)
        self._snapshot: Mapping[str, Any] = copy.deepcopy(dict(checked))
        self._lock = threading.RLock()

    @property
    def version(self) -> int:
        return int(self._snapshot.get("version", 0))

    def snapshot(self) -> Dict[str, Any]:
        """A JSON-ready copy of the current state, with its ``version``."""
        with self._lock:
            return copy.deepcopy(dict(self._snapshot))

    @classmethod
    def restore(cls, snapshot: Mapping[str, Any]) -> MemoryState:
        """A state equal to the one ``snapshot`` was taken from."""
        return cls(snapshot)

    def apply(self, changes: Sequence[TeamChange], expected_version: Optional[int] = None) -> int:
        """Apply ``changes``; with ``expected_version``, only if nobody moved the state since."""
        with self._lock:
            if expected_version is not None and expected_version != self.version:
                raise StateConflict(
                    f"the state is at version {self.version}, not {expected_version}"
                )
            if changes:
                self._snapshot = apply_changes(self._snapshot, changes)
            return self.version

    def transact(self, decide: Callable[[Mapping[str, Any]], T]) -> T:
        """Run ``decide`` on the current snapshot and apply its ``changes``, atomically."""
        with self._lock:
            decision = decide(self._snapshot)
            changes = getattr(decision, "changes", ())
            if changes:
                self._snapshot = apply_changes(self._snapshot, changes)
            return decision

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MemoryState):
            return NotImplemented
        return self.snapshot() == other.snapshot()

    def __repr__(self) -> str:
        return f"MemoryState(version={self.version})"
