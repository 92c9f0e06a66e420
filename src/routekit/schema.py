"""Coercing lead values to the types a ``fields { ... }`` schema declares.

Form data arrives as text ("5,000", "yes", "2026-12-24"); a schema lets rules be type-checked
once at load and lets each lead be read once on the way in. A value that cannot be read never
fails the decision unless its field is ``required``: it becomes ``Uncoercible``, which the
evaluator treats as unknown, with the reason in the trace.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
from decimal import Decimal
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import attrs

from ._text import parse_date, parse_datetime, parse_number
from .accounts import host_of
from .errors import LeadError, RoutekitValueError

__all__ = [
    "FIELD_TYPES",
    "Coerced",
    "Uncoercible",
    "coerce",
    "coerce_lead",
    "describe_value",
]

FIELD_TYPES: Tuple[str, ...] = ("text", "number", "bool", "date", "datetime", "email", "list")

_TRUE = frozenset({"yes", "y", "true", "on", "1"})
_FALSE = frozenset({"no", "n", "false", "off", "0"})
# No valid date, date-time or bool text is longer; longer text is refused without parsing.
_MAX_SHORT_TEXT = 64
_MAX_SHOWN = 40
# RFC 5321 limits: 64 characters before the "@", 255 after.
_MAX_EMAIL = 64 + 1 + 255


@attrs.frozen
class Coerced:
    """One value read as a schema type: the value, or why it could not be read, or missing."""

    value: Any
    problem: Optional[str]
    missing: bool


@attrs.frozen(repr=False)
class Uncoercible:
    """A lead value that could not be read as its declared type: unknown to every test.

    Kept in the coerced lead (rather than dropped) so the trace can say why the field is
    unknown instead of calling it missing.
    """

    raw: Any = attrs.field(eq=False)
    problem: str

    def __repr__(self) -> str:
        return f"Uncoercible({describe_value(self.raw)}, {self.problem!r})"


_MISSING = Coerced(None, None, True)


def _ok(value: Any) -> Coerced:
    return Coerced(value, None, False)


def _bad(problem: str) -> Coerced:
    return Coerced(None, problem, False)


def describe_value(value: Any) -> str:
    """A short rendering of any lead value for messages: bounded in size and never raising,
    whatever the value (10 MB text, a 5,000-digit number, deeply nested lists)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value if len(value) <= _MAX_SHOWN else value[: _MAX_SHOWN - 3] + "...")
    if isinstance(value, int):
        if value.bit_length() > 128:  # str() of a huge int is slow, and refused past 4,300 digits
            return f"a number of about {int(value.bit_length() * 0.30103) + 1} digits"
        return str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        text = str(value)
        return text if len(text) <= _MAX_SHOWN else f"a {len(text)}-character number"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        if len(value) <= 5 and all(_is_scalar(item) for item in value):
            return "[" + ", ".join(describe_value(item) for item in value) + "]"
        return f"a list of {len(value)} item{'' if len(value) == 1 else 's'}"
    if isinstance(value, Mapping):
        return "a mapping"
    return f"a {type(value).__name__}"


def _is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, Decimal, dt.date))


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, (list, tuple)) and not value


def coerce(value: Any, type_name: str) -> Coerced:
    """Read ``value`` as ``type_name`` (one of ``FIELD_TYPES``); never raises for any value.

    An unknown ``type_name`` is a programming error and raises ``RoutekitValueError``.
    """
    reader = _READERS.get(type_name)
    if reader is None:
        raise RoutekitValueError(
            f"unknown field type {type_name!r}; expected one of {', '.join(FIELD_TYPES)}"
        )
    if _is_missing(value):
        return _MISSING
    try:
        return reader(value)
    except (ValueError, OverflowError, RecursionError, MemoryError):  # pragma: no cover
        # Belt and braces: the readers guard every case known to raise.
        return _bad(f"{describe_value(value)} could not be read as {_a(type_name)}")


def _a(type_name: str) -> str:
    return {"text": "text", "email": "an e-mail address", "list": "a list"}.get(
        type_name, f"a {type_name}"
    )


def _number(value: Any) -> Coerced:
    if isinstance(value, bool):
        return _bad(f"{describe_value(value)} is not a number")
    if isinstance(value, int):
        return _ok(value)
    if isinstance(value, float):
        return _bad("nan is not a number") if math.isnan(value) else _ok(value)
    if isinstance(value, Decimal):
        return _bad(f"{value} is not a number") if value.is_nan() else _ok(value)
    if isinstance(value, str):
        number = parse_number(value)
        if number is None:
            return _bad(f"{describe_value(value)} is not a number")
        return _ok(number)
    # Other numeric types (numpy's, Fraction) are read as the nearest plain Python number.
    if isinstance(value, numbers.Integral):
        return _ok(int(value))
    if isinstance(value, numbers.Real):
        as_float = float(value)
        return _bad("nan is not a number") if math.isnan(as_float) else _ok(as_float)
    return _bad(f"{describe_value(value)} is not a number")


def _bool(value: Any) -> Coerced:
    if isinstance(value, bool):
        return _ok(value)
    if isinstance(value, int) and value in (0, 1):
        return _ok(value == 1)
    if isinstance(value, str) and len(value) <= _MAX_SHORT_TEXT:
        word = value.strip().lower()
        if word in _TRUE:
            return _ok(True)
        if word in _FALSE:
            return _ok(False)
    return _bad(f"{describe_value(value)} is not a bool")


def _date(value: Any) -> Coerced:
    if isinstance(value, dt.datetime):
        # A date stored as a date-time at midnight (many databases do) is that date; any other
        # time of day means the value is a moment, and which date it falls on depends on a
        # time zone the schema does not know.
        if value.time() == dt.time(0, 0):
            return _ok(value.date())
        return _bad(f"{describe_value(value)} is a date-time, not a date")
    if isinstance(value, dt.date):
        return _ok(value)
    if isinstance(value, str) and len(value) <= _MAX_SHORT_TEXT:
        date = parse_date(value)
        if date is not None:
            return _ok(date)
    return _bad(f"{describe_value(value)} is not a date")


def _datetime(value: Any) -> Coerced:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            return _bad(f"{describe_value(value)} has no time zone")
        return _ok(value)
    if isinstance(value, str) and len(value) <= _MAX_SHORT_TEXT:
        moment = parse_datetime(value)
        if moment is not None:
            return _ok(moment)
    return _bad(f"{describe_value(value)} is not a date-time with a time zone")


def _email(value: Any) -> Coerced:
    if isinstance(value, str) and len(value.strip()) <= _MAX_EMAIL + 7:
        text = value.strip()
        if text[:7].lower() == "mailto:":
            text = text[7:].strip()
        local, at, domain = text.partition("@")
        if (
            at
            and len(text) <= _MAX_EMAIL
            and local
            and "@" not in domain
            and not any(ch.isspace() for ch in local)
            and not any(ch in domain for ch in "/?#:[]\\")
            and host_of(domain) is not None
        ):
            return _ok(f"{local}@{domain.lower().rstrip('.')}")
    return _bad(f"{describe_value(value)} is not an e-mail address")


def _text(value: Any) -> Coerced:
    if isinstance(value, str):
        return _ok(value)
    if isinstance(value, bool):
        return _ok("true" if value else "false")
    if isinstance(value, int):
        if value.bit_length() > 10_000:  # str() would refuse (or crawl) past ~4,300 digits
            return _bad(f"{describe_value(value)} is too long to read as text")
        return _ok(str(value))
    if isinstance(value, (float, Decimal, numbers.Real)):
        return _ok(str(value))
    return _bad(f"{describe_value(value)} is not text")


def _list(value: Any) -> Coerced:
    if isinstance(value, (list, tuple)):
        return _ok(tuple(value))
    if isinstance(value, (set, frozenset)):
        try:
            return _ok(tuple(sorted(value)))  # sets have no order; sorted keeps decisions stable
        except TypeError:
            return _bad(f"{describe_value(value)} mixes values that cannot be put in order")
    if isinstance(value, str):
        items = tuple(filter(None, map(str.strip, value.split(","))))
        return _ok(items) if items else _MISSING
    return _bad(f"{describe_value(value)} is not a list")


_READERS = {
    "text": _text,
    "number": _number,
    "bool": _bool,
    "date": _date,
    "datetime": _datetime,
    "email": _email,
    "list": _list,
}


def coerce_lead(
    lead: Mapping[str, Any], fields: Sequence[Tuple[str, str, bool]]
) -> Tuple[Dict[str, Any], Tuple[str, ...]]:
    """The lead with each declared field read as its type, and notes for the trace.

    ``fields`` holds ``(name, type_name, required)``. Undeclared keys are kept unchanged; a
    missing optional field is left as it was. An optional field that cannot be read becomes
    ``Uncoercible``. A required field that is missing or cannot be read raises ``LeadError``:
    routing on it would be guesswork, and the host needs to know.
    """
    if not isinstance(lead, Mapping):
        raise LeadError(f"the lead must be a mapping, not {type(lead).__name__}")
    result: Dict[str, Any] = dict(lead)
    notes: List[str] = []
    for name, type_name, required in fields:
        raw = lead.get(name)
        coerced = coerce(raw, type_name)
        if coerced.missing:
            if required:
                raise LeadError("is required but missing", field=name)
            continue
        if coerced.problem is not None:
            if required:
                raise LeadError(f"is required, but {coerced.problem}", field=name)
            result[name] = Uncoercible(raw, coerced.problem)
            notes.append(f"{name}: {coerced.problem}, so it is unknown")
            continue
        result[name] = coerced.value
        if _changed(raw, coerced.value, type_name):
            notes.append(f"{name}: {describe_value(raw)} read as {describe_value(coerced.value)}")
    return result, tuple(notes)


def _changed(raw: Any, value: Any, type_name: str) -> bool:
    """Whether reading changed the value enough to be worth a line in the trace."""
    if type_name == "list" and isinstance(raw, (list, tuple)):
        return False  # list -> tuple is a change of container, not of meaning
    return type(raw) is not type(value) or bool(raw != value)
