"""Small helpers the built-in strategies share: exact numbers in JSON state, ties, words.

State slots are JSON-ready, so exact fractions are stored as text (``"2/3"``, ``"-1/3"``,
``"0"``) and read back with `read_fraction`. A snapshot comes from the host and may be
damaged or from an older version, so every reader here ignores what it cannot use
instead of raising: a strategy must always be able to pick.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

from ..plan import TeamPlan
from ._base import Candidate, next_after


def read_fraction(value: Any) -> Optional[Fraction]:
    """A fraction stored as text (or a whole number), or None if ``value`` is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, str):
        try:
            return Fraction(value)
        except (ValueError, ZeroDivisionError):
            return None
    return None


def write_fraction(value: Fraction) -> str:
    """The JSON-ready text of a fraction: ``"2/3"``, ``"-1"``, ``"0"``."""
    return str(value)


def read_int(value: Any) -> Optional[int]:
    """A whole number >= 0 from state, or None."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def read_str(value: Any) -> Optional[str]:
    return value if isinstance(value, str) else None


def read_mapping(state: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``state[key]`` if it is a mapping, else an empty one."""
    found = state.get(key)
    return found if isinstance(found, Mapping) else {}


def declared(candidates: Sequence[Candidate]) -> Tuple[Candidate, ...]:
    """The candidates in declared order (the order of the ``members`` line)."""
    return tuple(sorted(candidates, key=lambda c: c.member.index))


def round_robin_among(tied: Sequence[Candidate], last: Optional[str], team: TeamPlan) -> Candidate:
    """Break a tie: the first tied candidate after ``last`` in declared order, wrapping."""
    return next_after(declared(tied), last, team)


def show(value: Fraction) -> str:
    """A fraction for people: ``2/3``, ``3``, ``-1/3``."""
    return str(value)


def period_word(period: str) -> str:
    """``today``, ``this week`` or ``this month``."""
    return {"day": "today", "week": "this week", "month": "this month"}.get(period, period)


def weight_note(weight: Fraction) -> str:
    """`` (weight 2)`` for a weighted member, nothing for weight 1."""
    return "" if weight == 1 else f" (weight {show(weight)})"


def fractions_out(values: Mapping[str, Fraction]) -> Dict[str, str]:
    return {key: write_fraction(value) for key, value in values.items()}
