"""The strategy protocol: eligible members and this team's state in, a pick out.

The router filters members first (roster, active, out of office, caps, ``require``
filters, ``max_ahead``), so a strategy only ever sees eligible members and cannot hand a
lead to anyone else. A strategy is pure: it returns the new state for its (team,
strategy) slot instead of changing anything, and explains its choice in words.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Mapping, Optional, Tuple

import attrs

from ..plan import MemberPlan, TeamPlan

if TYPE_CHECKING:  # annotation only: loading a .route file needs no roster
    from ..roster import Rep

try:  # Python 3.8 has typing.Protocol
    from typing import Protocol
except ImportError:  # pragma: no cover
    from typing_extensions import Protocol  # type: ignore[assignment]


@attrs.frozen
class Candidate:
    """An eligible member: its plan entry, its rep, and its raw count in the team's period."""

    member: MemberPlan
    rep: Rep
    count: int

    @property
    def id(self) -> str:
        return self.member.rep

    @property
    def weight(self) -> Fraction:
        return self.member.weight


@attrs.frozen
class PickRequest:
    """What a strategy may look at for one pick."""

    team: TeamPlan
    strategy: str
    eligible: Tuple[Candidate, ...]  # in declared order, never empty
    state: Mapping[str, Any]  # this (team, strategy) slot of the snapshot; read-only
    now: dt.datetime
    counts: Mapping[str, int]  # raw counts in the team's period, for every current member
    away: Tuple[MemberPlan, ...] = ()  # current members that are not eligible now


@attrs.frozen
class Pick:
    """The chosen member, the new state of the (team, strategy) slot, and why.

    ``rep`` is None when the strategy finds nobody among the eligible members it can use
    (``least_loaded`` when no member has a capacity, ``first_available`` when nobody is
    free within 14 days): the team then yields nobody, ``reason`` says why, and the
    assignment goes on to its ``else`` target. ``state`` is not stored in that case.
    """

    rep: Optional[str]
    state: Mapping[str, Any]
    reason: str
    data: Mapping[str, Any] = attrs.field(factory=dict)


class Strategy(Protocol):
    """Anything with a ``name`` and a pure ``pick``; register it by name."""

    @property
    def name(self) -> str: ...

    def pick(self, request: PickRequest) -> Pick: ...


def by_declared_order(candidates: Tuple[Candidate, ...]) -> Tuple[Candidate, ...]:
    return tuple(sorted(candidates, key=lambda c: c.member.index))


def next_after(candidates: Tuple[Candidate, ...], last: Optional[str], team: TeamPlan) -> Candidate:
    """The first candidate after ``last`` in declared order, wrapping round (round robin).

    If ``last`` is no longer a member, start from the top.
    """
    order = {m.rep: m.index for m in team.members}
    last_index = order.get(last, -1) if last is not None else -1
    for candidate in candidates:
        if candidate.member.index > last_index:
            return candidate
    return candidates[0]
