"""``first_available``: the member with the earliest next free time.

Each eligible member's next free time comes from the roster (`Rep.next_free`): the
first instant at or after ``now`` inside its working hours, not busy and not out of
office, looking at most 14 days ahead. The earliest gets the lead, ties (typically
everyone free right now) go round robin among the tied; a member not free within 14 days
is skipped, and if that is everyone the team yields nobody.

State: ``{"last": "alex"}`` (the last pick, for ties).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List

import attrs

from ._base import Candidate, Pick, PickRequest
from ._common import declared, read_str, round_robin_among

HORIZON = dt.timedelta(days=14)


@attrs.frozen
class FirstAvailable:
    """Earliest next free time wins; ties round robin."""

    name: str = "first_available"

    def pick(self, request: PickRequest) -> Pick:
        usable: List[Candidate] = []
        skipped: List[str] = []
        free: Dict[str, dt.datetime] = {}
        for c in declared(request.eligible):
            when = c.rep.next_free(request.now, HORIZON)
            if when is None:
                skipped.append(c.id)
                continue
            usable.append(c)
            free[c.id] = when
        if not usable:
            return Pick(
                None,
                dict(request.state),
                f"nobody is free within 14 days ({', '.join(skipped)})",
                {"not_free": skipped},
            )
        earliest = min(free.values())
        tied = [c for c in usable if free[c.id] == earliest]
        last = read_str(request.state.get("last"))
        chosen = round_robin_among(tied, last, request.team) if len(tied) > 1 else tied[0]

        def when_text(c: Candidate) -> str:
            at = free[c.id]
            return "now" if at <= request.now else at.astimezone(dt.timezone.utc).isoformat()

        shown = ", ".join(
            f"{c.id} {when_text(c)}"
            for c in sorted(usable, key=lambda c: (free[c.id], c.member.index))
        )
        reason = f"earliest free: {shown}"
        if skipped:
            reason += f"; not free within 14 days: {', '.join(skipped)}"
        if len(tied) > 1:
            after = f"after {last}" if last is not None else "from the top"
            reason += f"; tied: {', '.join(c.id for c in tied)}, round robin {after}"
        data: Dict[str, Any] = {
            "free_at": {rep: at.isoformat() for rep, at in free.items()},
            "last": last,
        }
        if skipped:
            data["not_free"] = skipped
        return Pick(chosen.id, {"last": chosen.id}, reason, data)


def first_available() -> FirstAvailable:
    """The first-available strategy (earliest next free time from the roster)."""
    return FirstAvailable()
