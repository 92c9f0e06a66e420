"""``least_loaded``: the lowest open load relative to capacity, from the roster.

Each eligible member's load ratio is ``load / capacity`` (the roster's ``load`` and
``capacity``, exact); the lowest ratio gets the lead and ties go round robin among the
tied. A member without a ``capacity`` (or with capacity 0) cannot be compared and is not
eligible for this strategy ("no capacity set"); if no eligible member has one, the team
yields nobody and the assignment goes on to its ``else`` target.

State: ``{"last": "alex"}`` (the last pick, for ties).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Dict, List

import attrs

from ._base import Candidate, Pick, PickRequest
from ._common import declared, read_str, round_robin_among, show


@attrs.frozen
class LeastLoaded:
    """Lowest load/capacity wins; members without a capacity are skipped."""

    name: str = "least_loaded"

    def pick(self, request: PickRequest) -> Pick:
        usable: List[Candidate] = []
        skipped: List[str] = []
        ratio: Dict[str, Fraction] = {}
        for c in declared(request.eligible):
            capacity = c.rep.capacity
            if capacity is None or capacity <= 0:
                skipped.append(c.id)
                continue
            usable.append(c)
            ratio[c.id] = Fraction(c.rep.load) / Fraction(capacity)
        skipped_note = f"; no capacity set: {', '.join(skipped)}" if skipped else ""
        if not usable:
            return Pick(
                None,
                dict(request.state),
                f"no eligible member has a capacity set ({', '.join(skipped)})",
                {"no_capacity": skipped},
            )
        lowest = min(ratio.values())
        tied = [c for c in usable if ratio[c.id] == lowest]
        last = read_str(request.state.get("last"))
        chosen = round_robin_among(tied, last, request.team) if len(tied) > 1 else tied[0]
        shown = ", ".join(
            f"{c.id} {c.rep.load}/{c.rep.capacity}"
            for c in sorted(usable, key=lambda c: (ratio[c.id], c.member.index))
        )
        reason = f"lowest load relative to capacity: {shown}{skipped_note}"
        if len(tied) > 1:
            after = f"after {last}" if last is not None else "from the top"
            reason += f"; tied: {', '.join(c.id for c in tied)}, round robin {after}"
        data: Dict[str, Any] = {
            "load_ratio": {rep: show(value) for rep, value in ratio.items()},
            "last": last,
        }
        if skipped:
            data["no_capacity"] = skipped
        return Pick(chosen.id, {"last": chosen.id}, reason, data)


def least_loaded() -> LeastLoaded:
    """The least-loaded strategy (lowest load/capacity from the roster)."""
    return LeastLoaded()
