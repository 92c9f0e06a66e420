"""``round_robin``: the first eligible member after the last one picked, in declared order."""

from __future__ import annotations

import attrs

from ._base import Pick, PickRequest, next_after


@attrs.frozen
class RoundRobin:
    """Skipped (ineligible) members get no make-up turn; a leaver's turn passes to the top."""

    name: str = "round_robin"

    def pick(self, request: PickRequest) -> Pick:
        last = request.state.get("last")
        last = last if isinstance(last, str) else None
        chosen = next_after(request.eligible, last, request.team)
        if last is None:
            reason = f"{chosen.id} is the first eligible member in order"
        else:
            reason = f"{chosen.id} is the next eligible member after {last}"
        return Pick(chosen.id, {"last": chosen.id}, reason, {"last": last})


def round_robin() -> RoundRobin:
    """The round-robin strategy."""
    return RoundRobin()
