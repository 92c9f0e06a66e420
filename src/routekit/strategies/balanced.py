"""``balanced``: the fewest leads in the period relative to weight, with calibration on return.

Each eligible member's *standing* is its count of leads from this team in the current
period (the cap's period, else the day, in the member's own time zone) divided by its
weight; the lowest standing gets the lead, and ties go round robin among the tied.

Calibration on return. A member that was not eligible at this slot's previous decision
(new to the team, out of office, inactive, outside hours, at cap) and is eligible now is
credited, on return, up to the average standing of the members that stayed eligible
(Σ counts / Σ weights), never down. Without it a member back from a holiday would be far
behind and take every lead until it caught up (a burst of about T/(k−1) leads after an
absence of T). The credit is kept per member per period, so it resets with the counts.
``catch_up`` on the team turns calibration off: the returning member then catches up.

State: ``{"last": "blake", "present": ["alex", "blake"],
"offsets": {"joe": ["2026-11-22", "9"]}}``: the last pick (for ties), who was eligible at
the previous decision, and the calibration credit per member with its period key.
"""

from __future__ import annotations

from fractions import Fraction
from typing import AbstractSet, Any, Dict, FrozenSet, List, Mapping, Optional, Tuple

import attrs

from ._base import Candidate, Pick, PickRequest
from ._common import (
    declared,
    period_word,
    read_fraction,
    read_mapping,
    read_str,
    round_robin_among,
    show,
    write_fraction,
)


@attrs.frozen
class Balanced:
    """Lowest count/weight in the period; ties round robin; no burst after an absence."""

    name: str = "balanced"

    def pick(self, request: PickRequest) -> Pick:
        from ..roster import period_key  # here: loading a .route file needs no roster

        team = request.team
        period = team.period
        calibrate = not team.catch_up
        eligible = declared(request.eligible)
        keys = {c.id: period_key(request.now, c.rep.timezone, period) for c in eligible}
        members = {m.rep for m in team.members}
        stored = _stored_offsets(read_mapping(request.state, "offsets"), members)

        offset: Dict[str, Fraction] = {}
        count: Dict[str, int] = {}
        for c in eligible:
            count[c.id] = request.counts.get(c.id, c.count)
            entry = stored.get(c.id)
            offset[c.id] = (
                entry[1] if calibrate and entry and entry[0] == keys[c.id] else Fraction(0)
            )

        present_before = _present(request.state)
        credited: Dict[str, Fraction] = {}
        average: Optional[Fraction] = None
        if calibrate and present_before is not None:
            staying = [c for c in eligible if c.id in present_before]
            back = [c for c in eligible if c.id not in present_before]
            if staying and back:
                total = sum((count[c.id] + offset[c.id] for c in staying), Fraction(0))
                average = total / sum((c.weight for c in staying), Fraction(0))
                for c in back:
                    lift = average * c.weight - (count[c.id] + offset[c.id])
                    if lift > 0:
                        credited[c.id] = lift
                        offset[c.id] += lift

        standing = {c.id: (count[c.id] + offset[c.id]) / c.weight for c in eligible}
        lowest = min(standing.values())
        tied = [c for c in eligible if standing[c.id] == lowest]
        last = read_str(request.state.get("last"))
        chosen = round_robin_among(tied, last, team) if len(tied) > 1 else tied[0]

        reason = self.explain(eligible, standing, count, offset, credited, average, period)
        if len(tied) > 1:
            after = f"after {last}" if last is not None else "from the top"
            reason += f"; tied: {', '.join(c.id for c in tied)}, round robin {after}"

        offsets_out: Dict[str, List[str]] = {}
        if calibrate:
            for rep, (key, value) in stored.items():
                if rep not in keys:  # away now: keep its credit for when it is back
                    offsets_out[rep] = [key, write_fraction(value)]
            for c in eligible:
                if offset[c.id]:
                    offsets_out[c.id] = [keys[c.id], write_fraction(offset[c.id])]
        state: Dict[str, Any] = {
            "last": chosen.id,
            "present": [c.id for c in eligible],
            "offsets": offsets_out,
        }
        data: Dict[str, Any] = {
            "standing": {rep: write_fraction(value) for rep, value in standing.items()},
            "last": last,
        }
        if credited:
            data["calibrated"] = {rep: write_fraction(value) for rep, value in credited.items()}
        return Pick(chosen.id, state, reason, data)

    @staticmethod
    def explain(
        eligible: Tuple[Candidate, ...],
        standing: Dict[str, Fraction],
        count: Dict[str, int],
        offset: Dict[str, Fraction],
        credited: Dict[str, Fraction],
        average: Optional[Fraction],
        period: str,
    ) -> str:
        parts = []
        for c in sorted(eligible, key=lambda c: (standing[c.id], c.member.index)):
            details = []
            if offset[c.id]:
                details.append(f"{count[c.id]} + {show(offset[c.id])} credited on return")
            if c.weight != 1:
                details.append(f"weight {show(c.weight)}")
            shown = f" ({', '.join(details)})" if details else ""
            parts.append(f"{c.id} {show(standing[c.id])}{shown}")
        reason = f"fewest leads {period_word(period)} relative to weight: {', '.join(parts)}"
        if credited and average is not None:
            back = ", ".join(f"{rep} +{show(value)}" for rep, value in credited.items())
            reason += (
                f"; back after being away, credited up to the others' average of "
                f"{show(average)} per unit of weight so there is no burst: {back}"
            )
        return reason


def _stored_offsets(
    raw: Mapping[str, Any], members: AbstractSet[str]
) -> Dict[str, Tuple[str, Fraction]]:
    """The calibration credits in the state that are still usable: {rep: (period key, credit)}."""
    out: Dict[str, Tuple[str, Fraction]] = {}
    for rep, entry in raw.items():
        if rep not in members or not isinstance(entry, (list, tuple)) or len(entry) != 2:
            continue
        key, value = entry[0], read_fraction(entry[1])
        if isinstance(key, str) and value is not None and value > 0:
            out[rep] = (key, value)
    return out


def _present(state: Mapping[str, Any]) -> Optional[FrozenSet[str]]:
    """Who was eligible at the previous decision, or None before the first one."""
    raw = state.get("present")
    if not isinstance(raw, (list, tuple)):
        return None
    return frozenset(r for r in raw if isinstance(r, str))


def balanced() -> Balanced:
    """The balanced strategy (fewest relative to weight, calibrated on return)."""
    return Balanced()
