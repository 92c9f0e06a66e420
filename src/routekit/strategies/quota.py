"""``quota``: Tijdeman's "chairman assignment" rule, with exact fractions.

An *epoch* is a run of decisions with the same eligible members and the same weights.
With k eligible members, W their total weight, t the number of this pick within the
epoch (1, 2, ...) and c_i the picks member i already had in the epoch:

* δ = 1/(2k−2);
* the candidates are the members with t·w_i/W − c_i ≥ δ (at least δ behind their share);
* the candidate with the earliest deadline (c_i + 1 − δ)·W/w_i gets the lead (ties: the
  one declared first); with k = 1 the one member does.

Within an epoch every count stays within 1 − 1/(2k−2) of its exact share t·w_i/W, on both
sides: the best bound any rule can promise. A change of the eligible set or of a weight
starts a new epoch (the bound then restarts), so use ``quota`` where eligibility is
steady; ``weighted`` copes better with members coming and going.

State: ``{"members": {"alex": "2", "blake": "1"}, "t": 3, "counts": {"alex": 2, "blake": 1}}``
(the epoch's eligible members with their weights, the picks made in it, and the counts).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Dict, List, Optional, Tuple

import attrs

from ._base import Candidate, Pick, PickRequest
from ._common import declared, read_int, read_mapping, show, write_fraction


@attrs.frozen
class Quota:
    """Earliest deadline among the members due their share; exact two-sided bound."""

    name: str = "quota"

    def pick(self, request: PickRequest) -> Pick:
        eligible = declared(request.eligible)
        signature = {c.id: write_fraction(c.weight) for c in eligible}
        stored_members = read_mapping(request.state, "members")
        stored_counts = read_mapping(request.state, "counts")
        t_done = read_int(request.state.get("t"))
        counts: Dict[str, int] = {}
        same_epoch = dict(stored_members) == signature and t_done is not None
        if same_epoch:
            for c in eligible:
                count = read_int(stored_counts.get(c.id))
                if count is None:
                    same_epoch = False
                    break
                counts[c.id] = count
            if same_epoch and sum(counts.values()) != t_done:
                same_epoch = False
        if not same_epoch:
            counts = {c.id: 0 for c in eligible}
            t_done = 0
        assert t_done is not None
        t = t_done + 1
        epoch_note = "" if same_epoch else "new epoch (the eligible members or weights changed); "
        if t_done == 0 and not request.state:
            epoch_note = "first epoch; "

        chosen, reason = self.choose(eligible, counts, t)
        counts[chosen.id] += 1
        state = {"members": signature, "t": t, "counts": counts}
        return Pick(chosen.id, state, f"{epoch_note}{reason}", {"epoch_pick": t})

    @staticmethod
    def choose(
        eligible: Tuple[Candidate, ...], counts: Dict[str, int], t: int
    ) -> Tuple[Candidate, str]:
        k = len(eligible)
        if k == 1:
            only = eligible[0]
            return only, f"pick {t} of this epoch; {only.id} is the only eligible member"
        total = sum((c.weight for c in eligible), Fraction(0))
        delta = Fraction(1, 2 * k - 2)
        lag = {c.id: t * c.weight / total - counts[c.id] for c in eligible}
        due = [c for c in eligible if lag[c.id] >= delta]
        if not due:  # cannot happen (the lags sum to 1, so one is >= 1/k >= δ); stay safe
            due = [max(eligible, key=lambda c: lag[c.id])]
        deadline = {c.id: (counts[c.id] + 1 - delta) * total / c.weight for c in due}
        best: Optional[Candidate] = None
        for c in due:  # declared order: strict < keeps the first of equal deadlines
            if best is None or deadline[c.id] < deadline[best.id]:
                best = c
        assert best is not None
        behind: List[str] = [f"{c.id} {show(lag[c.id])}" for c in due]
        reason = (
            f"pick {t} of this epoch; due (at least {show(delta)} behind their share): "
            f"{', '.join(behind)}; earliest deadline: {best.id}"
        )
        return best, reason


def quota() -> Quota:
    """The Tijdeman chairman-rule strategy (exact two-sided quota bound)."""
    return Quota()
