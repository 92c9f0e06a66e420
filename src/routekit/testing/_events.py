"""Events of a simulated day: leads arriving, and the roster and teams changing under them.

A stream is a list of these frozen values (a plain lead mapping counts as an `Arrival`).
`simulate` folds it in order: an arrival is routed at the stream's clock; the other events
change the clock, the roster or the loaded rules before the next arrival. They are data,
so a failing stream prints as something a person can read and Hypothesis can shrink.
"""

from __future__ import annotations

import datetime as dt
from collections import abc
from decimal import Decimal
from typing import Any, Mapping, Optional, Union

import attrs

__all__ = [
    "Arrival",
    "ClockSet",
    "ClockStep",
    "Event",
    "Join",
    "Leave",
    "SetActive",
    "SetWeight",
    "Vacation",
]


def _aware(instance: object, attribute: attrs.Attribute[Any], value: dt.datetime) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{attribute.name} must be timezone-aware, not {value.isoformat()}")


def _not_negative(instance: object, attribute: attrs.Attribute[Any], value: dt.timedelta) -> None:
    if value < dt.timedelta(0):
        raise ValueError("a clock step goes forward: `by` must not be negative")


def _positive_weight(
    instance: object, attribute: attrs.Attribute[Any], value: Optional[Union[int, Decimal]]
) -> None:
    if value is None:
        return
    if (
        isinstance(value, bool)
        or not value > 0
        or (isinstance(value, Decimal) and not value.is_finite())
    ):
        raise ValueError(f"a weight is a number > 0, not {value!r}")


def _tier(instance: object, attribute: attrs.Attribute[Any], value: Optional[int]) -> None:
    if value is not None and (isinstance(value, bool) or value < 1):
        raise ValueError(f"a tier is a whole number >= 1, not {value!r}")


def _mapping(instance: object, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, abc.Mapping):
        raise TypeError(f"{attribute.name} must be a mapping, not {type(value).__name__}")


_text = attrs.validators.instance_of(str)
_weight_type = attrs.validators.optional(attrs.validators.instance_of((int, Decimal)))


@attrs.frozen
class Arrival:
    """A lead arrives and is routed at the stream's current clock."""

    lead: Mapping[str, Any] = attrs.field(validator=_mapping)


@attrs.frozen
class Join:
    """``rep`` joins ``team`` (added last to its ``members`` line; rostered if it was not)."""

    team: str = attrs.field(validator=_text)
    rep: str = attrs.field(validator=_text)
    weight: Optional[Union[int, Decimal]] = attrs.field(
        default=None, validator=[_weight_type, _positive_weight]
    )
    tier: Optional[int] = attrs.field(
        default=None,
        validator=[attrs.validators.optional(attrs.validators.instance_of(int)), _tier],
    )


@attrs.frozen
class Leave:
    """``rep`` leaves ``team`` (removed from its ``members`` line; still in the roster)."""

    team: str = attrs.field(validator=_text)
    rep: str = attrs.field(validator=_text)


@attrs.frozen
class SetWeight:
    """``rep``'s weight in ``team`` becomes ``weight`` (only future accrual changes)."""

    team: str = attrs.field(validator=_text)
    rep: str = attrs.field(validator=_text)
    weight: Union[int, Decimal] = attrs.field(
        validator=[attrs.validators.instance_of((int, Decimal)), _positive_weight]
    )


def _vacation_range(instance: Vacation, attribute: attrs.Attribute[Any], value: Any) -> None:
    start, end = instance.start, instance.end
    if isinstance(start, dt.datetime) != isinstance(end, dt.datetime):
        raise ValueError("a vacation runs from a date to a date, or a date-time to a date-time")
    if isinstance(start, dt.datetime) and isinstance(end, dt.datetime):
        _aware(instance, attribute, start)
        _aware(instance, attribute, end)
        if end <= start:
            raise ValueError("a vacation ends after it starts")
    elif end < start:
        raise ValueError("a vacation ends on or after the day it starts")


@attrs.frozen
class Vacation:
    """``rep`` is out of office: whole local days ``start``..``end`` (both included), or the
    half-open instant range [``start``, ``end``) when both are date-times."""

    rep: str = attrs.field(validator=_text)
    start: Union[dt.date, dt.datetime] = attrs.field(
        validator=attrs.validators.instance_of(dt.date)
    )
    end: Union[dt.date, dt.datetime] = attrs.field(
        validator=[attrs.validators.instance_of(dt.date), _vacation_range]
    )

    def to_raw(self) -> Any:
        """The roster's ``out_of_office`` entry for this vacation."""
        return [self.start.isoformat(), self.end.isoformat()]


@attrs.frozen
class SetActive:
    """``rep`` is switched on or off in the roster (``active``)."""

    rep: str = attrs.field(validator=_text)
    active: bool = attrs.field(validator=attrs.validators.instance_of(bool))


@attrs.frozen
class ClockStep:
    """The clock moves forward by ``by`` before the next event."""

    by: dt.timedelta = attrs.field(
        validator=[attrs.validators.instance_of(dt.timedelta), _not_negative]
    )


@attrs.frozen
class ClockSet:
    """The clock is set to ``at`` (an aware date-time), e.g. the morning of a DST change."""

    at: dt.datetime = attrs.field(validator=[attrs.validators.instance_of(dt.datetime), _aware])


Event = Union[Arrival, Join, Leave, SetWeight, Vacation, SetActive, ClockStep, ClockSet]
