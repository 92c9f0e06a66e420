"""``weighted``: smooth weighted round robin in credit form, with exact fractions.

At each decision every eligible member gains ``w / W_E`` credit (``W_E`` is the total
weight of the eligible members), the member with the most credit gets the lead (ties go
to the one declared first) and loses 1. With every member eligible this is nginx's
smooth weighted round robin: weights 5, 1, 1 give ``a a b a c a a``.

Invariants: credits always sum to zero; a member that is not eligible neither gains nor
loses credit (its credit is frozen while it is away); a new member starts at 0; a member
no longer listed is forgotten and its credit is spread over the remaining members by
weight. A weight change only changes future accrual.

State: ``{"credits": {"taylor": "-1/3", "jordan": "1/3", "sam": "0"}}``.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Dict, List, Mapping

import attrs

from ._base import Pick, PickRequest
from ._common import declared, read_fraction, read_mapping, show, write_fraction


@attrs.frozen
class Weighted:
    """Greatest credit wins; credit accrues by weight only while eligible."""

    name: str = "weighted"

    def pick(self, request: PickRequest) -> Pick:
        team = request.team
        weights = {m.rep: m.weight for m in team.members}
        stored = read_mapping(request.state, "credits")
        credits: Dict[str, Fraction] = {}
        for member in team.members:
            value = read_fraction(stored.get(member.rep))
            credits[member.rep] = value if value is not None else Fraction(0)
        notes: List[str] = []
        spread = credit_of_leavers(stored, weights)
        if spread:
            credits = spread_credit(credits, stored, weights, spread)
            notes.append(f"credit {show(spread)} of members who left was spread by weight")

        eligible = declared(request.eligible)
        total = sum((c.weight for c in eligible), Fraction(0))
        for candidate in eligible:
            credits[candidate.id] += candidate.weight / total
        # max() keeps the first of equal values, so ties go to the one declared first
        chosen = max(eligible, key=lambda c: credits[c.id])
        compared = sorted(eligible, key=lambda c: (-credits[c.id], c.member.index))
        shown = ", ".join(f"{c.id} {show(credits[c.id])}" for c in compared)
        before = {c.id: write_fraction(credits[c.id]) for c in eligible}
        credits[chosen.id] -= 1

        reason = f"most credit: {shown}"
        if notes:
            reason += f" ({'; '.join(notes)})"
        state = {"credits": {rep: write_fraction(value) for rep, value in credits.items()}}
        return Pick(chosen.id, state, reason, {"credits": before})


def credit_of_leavers(stored: Mapping[str, Any], weights: Dict[str, Fraction]) -> Fraction:
    """The total credit held in the state by members who are no longer listed."""
    total = Fraction(0)
    for rep, raw in stored.items():
        if rep not in weights:
            value = read_fraction(raw)
            if value is not None:
                total += value
    return total


def spread_credit(
    credits: Dict[str, Fraction],
    stored: Mapping[str, Any],
    weights: Dict[str, Fraction],
    amount: Fraction,
) -> Dict[str, Fraction]:
    """``credits`` with ``amount`` shared among the remaining members in proportion to weight.

    The remaining members are those the state already knew; if there are none (everyone
    is new), all current members share it, so the credits still sum to zero.
    """
    known = [rep for rep in credits if rep in stored]
    sharing = known or list(credits)
    total = sum((weights[rep] for rep in sharing), Fraction(0))
    out = dict(credits)
    for rep in sharing:
        out[rep] += amount * weights[rep] / total
    return out


def weighted() -> Weighted:
    """The smooth weighted round-robin strategy (credit form, exact arithmetic)."""
    return Weighted()
