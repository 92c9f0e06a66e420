"""Reading messy form text: numbers written as text, ISO dates, normalized comparison keys.

Shared by the evaluator (text compared with numbers and dates) and the lead schema
(coercion on the way in), so both read ``" 5,000 "`` the same way.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Optional, Union

Number = Union[int, Decimal]

_PLAIN = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?\Z")
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]+)?\Z")
_MAX_DIGITS = 30
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_ISO_DATETIME = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})[T ]([0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?)"
    r"(Z|z|[+-][0-9]{2}:[0-9]{2})\Z"
)


def normalize_text(text: str) -> str:
    """The comparison key of text: surrounding whitespace removed, case folded."""
    return text.strip().casefold()


def parse_number(text: str) -> Optional[Number]:
    """Read ``text`` as a number the way a person would, or None.

    Accepts surrounding space, a sign, thousands commas and a decimal point (``" 5,000 "``,
    ``"-3"``, ``"2.5"``); refuses anything else (``"5k"``, ``"1e3"``, more than 30 digits).
    Whole numbers come back as ``int``, others as exact ``Decimal``.
    """
    stripped = text.strip()
    if not stripped or len(stripped) > 2 * _MAX_DIGITS:
        return None
    if not (_PLAIN.match(stripped) or _GROUPED.match(stripped)):
        return None
    digits = stripped.replace(",", "")
    if sum(ch.isdigit() for ch in digits) > _MAX_DIGITS:
        return None
    if "." in digits:
        try:
            value = Decimal(digits)
        except InvalidOperation:  # pragma: no cover - the regexes admit only valid decimals
            return None
        return int(value) if value == value.to_integral_value() else value
    return int(digits)


def parse_date(text: str) -> Optional[dt.date]:
    """An ISO calendar date (``2026-12-24``), or None."""
    stripped = text.strip()
    if not _ISO_DATE.match(stripped):  # the same strict form on every Python version
        return None
    try:
        return dt.date.fromisoformat(stripped)
    except ValueError:
        return None


def parse_datetime(text: str) -> Optional[dt.datetime]:
    """An ISO date-time with a zone (``Z`` or an offset), or None.

    A date-time without a zone is refused: a bare local time means nothing to a router
    serving reps in many time zones.
    """
    match = _ISO_DATETIME.match(text.strip())
    if match is None:  # the same strict form on every Python version
        return None
    day, clock, zone = match.groups()
    if len(clock) == 5:
        clock += ":00"
    if "." in clock:  # Python 3.8 reads only 3 or 6 fraction digits
        whole, fraction = clock.split(".")
        clock = f"{whole}.{fraction.ljust(6, '0')}"
    zone = "+00:00" if zone in ("Z", "z") else zone
    try:
        value = dt.datetime.fromisoformat(f"{day}T{clock}{zone}")
    except ValueError:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        return None
    return value
