"""``priority``: the lowest tier with an eligible member, round robin inside it (overflow).

Members are in tier 1 unless the ``members`` line says ``tier N``. The lowest tier that
has any eligible member takes the lead, round robin in declared order inside the tier;
higher tiers only see leads while every member of the lower tiers is ineligible (away,
at cap, outside hours, ...).

State: ``{"last": {"1": "alex", "2": "casey"}}``: the last pick per tier.
"""

from __future__ import annotations

from typing import Any, Dict

import attrs

from ._base import Pick, PickRequest, next_after
from ._common import declared, read_mapping, read_str


@attrs.frozen
class Priority:
    """Lowest tier first; round robin inside a tier, one pointer per tier."""

    name: str = "priority"

    def pick(self, request: PickRequest) -> Pick:
        eligible = declared(request.eligible)
        tier = min(c.member.tier for c in eligible)
        in_tier = tuple(c for c in eligible if c.member.tier == tier)
        stored = read_mapping(request.state, "last")
        last = read_str(stored.get(str(tier)))
        chosen = next_after(in_tier, last, request.team)

        lower = sorted({m.tier for m in request.team.members if m.tier < tier})
        if lower:
            tiers = ", ".join(str(t) for t in lower)
            word = "tier" if len(lower) == 1 else "tiers"
            where = f"nobody eligible in {word} {tiers}: overflow to tier {tier}"
        else:
            where = f"tier {tier}"
        if len(in_tier) == 1:
            turn = f"{chosen.id} is the only eligible member of tier {tier}"
        elif last is None:
            turn = f"{chosen.id} is the first eligible member in order"
        else:
            turn = f"{chosen.id} is the next eligible member after {last}"
        tiers_now = {str(m.tier) for m in request.team.members}
        pointers: Dict[str, Any] = {
            k: v for k, v in stored.items() if k in tiers_now and isinstance(v, str)
        }
        pointers[str(tier)] = chosen.id
        return Pick(chosen.id, {"last": pointers}, f"{where}; {turn}", {"tier": tier, "last": last})


def priority() -> Priority:
    """The priority (tiered overflow) strategy."""
    return Priority()
