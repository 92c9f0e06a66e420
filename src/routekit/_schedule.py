"""Weekly working hours and out-of-office entries: parsing once, answering fast.

Everything here works in a rep's *local wall-clock time*: the caller (``roster.Rep``) turns an
instant into the rep's local time once per question and hands over the local datetime. This
module never looks at time zones itself, so the DST rules live in one place (``roster``).

Theory of operation
-------------------
``WeeklyHours`` keeps its windows as written (``(weekday, start_minute, end_minute)``) for
equality and round-tripping, and builds an index of merged half-open intervals in *minutes of
the week* (0 = Monday 00:00, 10080 = the next Monday 00:00). A window that ends at or before its
start runs past midnight and simply extends into the next day of that index, wrapping from
Sunday into Monday. Asking "inside?" is one ``bisect``. Window edges are whole minutes, so the
minute of the week decides half-open membership exactly (``t < 17:00`` iff ``minute < 1020``).

An ``Absence`` is one of three frozen records: whole local days (``DaysOff``), a half-open
instant range (``TimeOff``), or an RFC 5545 recurrence of whole days or of a daily window
(``RecurringOff``). A recurrence keeps a small cache of its occurrence days around the dates
asked about, because dateutil answers ``before``/``after`` by iterating from DTSTART.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import re
from collections import abc
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple, Union

import attrs

from ._text import parse_date, parse_datetime
from .errors import RoutekitValueError, did_you_mean

__all__ = [
    "DAY_ABBR",
    "Absence",
    "DaysOff",
    "RecurringOff",
    "ScheduleError",
    "TimeOff",
    "WeeklyHours",
    "format_clock",
    "parse_absence",
    "parse_instant",
]

MINUTES_PER_DAY = 1440
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY

DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAY_FULL = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

_DAY_NAMES: Dict[str, Tuple[int, ...]] = {}
for _i, (_abbr, _full) in enumerate(zip(DAY_ABBR, _DAY_FULL)):
    _DAY_NAMES[_abbr.casefold()] = (_i,)
    _DAY_NAMES[_full.casefold()] = (_i,)
_DAY_NAMES.update(
    {
        "tues": (1,),
        "thur": (3,),
        "thurs": (3,),
        "daily": tuple(range(7)),
        "every day": tuple(range(7)),
        "weekdays": tuple(range(5)),
        "weekends": (5, 6),
    }
)

_WINDOW = re.compile(r"([0-9]{1,2}):([0-9]{2})\s*[-\u2013\u2014]\s*([0-9]{1,2}):([0-9]{2})\Z")
_DASHES = re.compile(r"\s*[-\u2013\u2014]\s*")


class ScheduleError(RoutekitValueError):
    """A schedule value that does not parse or make sense.

    ``Rep`` re-raises it as a ``RosterError`` naming the rep and the field; raised directly (say
    from ``WeeklyHours.parse``) it is a ``RoutekitValueError`` like any other misuse.
    """


# ---------------------------------------------------------------------------------------------
# clock times and day names


def format_clock(minute: int) -> str:
    """``540`` -> ``"09:00"``; ``1440`` -> ``"24:00"``."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _parse_clock(hour: str, minute: str, text: str, *, end: bool) -> int:
    h, m = int(hour), int(minute)
    if m > 59 or h > 24 or (h == 24 and (m != 0 or not end)):
        if h == 24 and not end:
            raise ScheduleError(f"a window cannot start at 24:00 (in {text!r})")
        raise ScheduleError(f"{hour}:{minute} is not a time of day (in {text!r})")
    return h * 60 + m


def _parse_window(text: str) -> Tuple[int, int]:
    """``"09:00-17:00"`` -> ``(540, 1020)``; an end at or before the start runs past midnight."""
    match = _WINDOW.match(text.strip())
    if match is None:
        raise ScheduleError(f"{text.strip()!r} is not a time window like '09:00-17:00'")
    start = _parse_clock(match.group(1), match.group(2), text, end=False)
    end = _parse_clock(match.group(3), match.group(4), text, end=True)
    if end == MINUTES_PER_DAY and start == 0:
        return (0, MINUTES_PER_DAY)
    return (start, end)


def _parse_day(token: str) -> Tuple[int, ...]:
    key = " ".join(token.split()).casefold()
    days = _DAY_NAMES.get(key)
    if days is None:
        hint = did_you_mean(key, _DAY_NAMES)
        raise ScheduleError(
            f"{token.strip()!r} is not a day (use Mon..Sun, full names, 'daily', 'weekdays' "
            f"or 'weekends')" + (f"; {hint}" if hint else "")
        )
    return days


def _parse_days(text: str) -> Tuple[int, ...]:
    """``"Mon-Fri"``, ``"Mon,Wed"``, ``"Fri-Mon"`` (wraps round), ``"weekdays"`` -> weekdays."""
    days: List[int] = []
    for item in text.split(","):
        if not item.strip():
            raise ScheduleError(f"empty day in {text.strip()!r}")
        parts = _DASHES.split(item.strip())
        if len(parts) == 1:
            days.extend(_parse_day(parts[0]))
        elif len(parts) == 2:
            first, last = _parse_day(parts[0]), _parse_day(parts[1])
            if len(first) != 1 or len(last) != 1:
                raise ScheduleError(f"{item.strip()!r} is not a range of days")
            span = (last[0] - first[0]) % 7
            days.extend((first[0] + k) % 7 for k in range(span + 1))
        else:
            raise ScheduleError(f"{item.strip()!r} is not a day or a range of days")
    return tuple(sorted(set(days)))


# ---------------------------------------------------------------------------------------------
# weekly hours


def _check_windows(
    instance: object, attribute: object, value: Tuple[Tuple[int, int, int], ...]
) -> None:
    if not value:
        raise ScheduleError(
            "no working-hours windows (leave hours out for always working, or set active false)"
        )
    for window in value:
        day, start, end = window
        if not (0 <= day <= 6 and 0 <= start < MINUTES_PER_DAY and 0 <= end <= MINUTES_PER_DAY):
            raise ScheduleError(f"bad working-hours window {window!r}")


def _canonical_windows(value: Iterable[Tuple[int, int, int]]) -> Tuple[Tuple[int, int, int], ...]:
    return tuple(sorted({(int(d), int(s), int(e)) for d, s, e in value}))


@attrs.frozen
class WeeklyHours:
    """A rep's weekly working hours: half-open local wall-clock windows per weekday.

    ``windows`` holds ``(weekday, start, end)`` with Monday = 0 and minutes since local midnight.
    An ``end`` at or before ``start`` runs past midnight into the next day, and the window
    belongs to the day it starts. Build one with :meth:`parse` from text or a mapping.
    """

    windows: Tuple[Tuple[int, int, int], ...] = attrs.field(
        converter=_canonical_windows, validator=_check_windows
    )
    _starts: Tuple[int, ...] = attrs.field(init=False, eq=False, repr=False)
    _ends: Tuple[int, ...] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        # Merge every window into half-open intervals of "minute of the week"; a window that
        # runs past Sunday midnight wraps round to Monday.
        pieces: List[Tuple[int, int]] = []
        for day, start, end in self.windows:
            length = end - start if end > start else end + MINUTES_PER_DAY - start
            first = day * MINUTES_PER_DAY + start
            last = first + length
            if last > MINUTES_PER_WEEK:
                pieces.append((first, MINUTES_PER_WEEK))
                pieces.append((0, last - MINUTES_PER_WEEK))
            else:
                pieces.append((first, last))
        pieces.sort()
        merged: List[List[int]] = []
        for first, last in pieces:
            if merged and first <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], last)
            else:
                merged.append([first, last])
        object.__setattr__(self, "_starts", tuple(p[0] for p in merged))
        object.__setattr__(self, "_ends", tuple(p[1] for p in merged))

    @classmethod
    def parse(cls, value: Union[str, Mapping[str, Any], WeeklyHours]) -> WeeklyHours:
        """Read ``"Mon-Fri 09:00-17:00; Sat 10:00-13:00"`` or ``{"mon": ["09:00-17:00"]}``.

        Raises ScheduleError with a sentence saying what is wrong.
        """
        if isinstance(value, WeeklyHours):
            return value
        if isinstance(value, str):
            return _parse_hours_text(value)
        windows: List[Tuple[int, int, int]] = []
        if isinstance(value, abc.Mapping):
            for key, spec in value.items():
                if not isinstance(key, str):
                    raise ScheduleError(f"day {key!r} must be text like 'mon' or 'mon-fri'")
                days = _parse_days(key)
                for start, end in _parse_window_list(spec, key):
                    windows.extend((d, start, end) for d in days)
        else:
            raise ScheduleError(
                f"hours must be text like 'Mon-Fri 09:00-17:00' or a mapping of days to "
                f"windows, not {type(value).__name__}"
            )
        return cls(tuple(windows))

    @property
    def always(self) -> bool:
        """True when the windows cover the whole week (the rep never leaves working hours)."""
        return self._starts == (0,) and self._ends[0] >= MINUTES_PER_WEEK

    def contains(self, minute_of_week: int) -> bool:
        """Whether local minute-of-week (Monday 00:00 = 0) lies inside a window."""
        i = bisect.bisect_right(self._starts, minute_of_week) - 1
        return i >= 0 and minute_of_week < self._ends[i]

    def minutes_to_next_start(self, minute_of_week: int) -> int:
        """Minutes from ``minute_of_week`` (outside every window) to the next window start."""
        i = bisect.bisect_right(self._starts, minute_of_week)
        if i < len(self._starts):
            return self._starts[i] - minute_of_week
        return self._starts[0] + MINUTES_PER_WEEK - minute_of_week

    def to_text(self) -> str:
        """The canonical text form; ``WeeklyHours.parse(h.to_text()) == h``."""
        per_day: Dict[int, List[Tuple[int, int]]] = {}
        for day, start, end in self.windows:
            per_day.setdefault(day, []).append((start, end))
        groups: Dict[Tuple[Tuple[int, int], ...], List[int]] = {}
        for day in sorted(per_day):
            groups.setdefault(tuple(per_day[day]), []).append(day)
        clauses = []
        for spans, days in groups.items():
            spec = ", ".join(f"{format_clock(s)}-{format_clock(e)}" for s, e in spans)
            clauses.append(f"{_format_days(days)} {spec}")
        return "; ".join(clauses)

    def __str__(self) -> str:
        return self.to_text()


@functools.lru_cache(maxsize=256)
def _parse_hours_text(text: str) -> WeeklyHours:
    """Parse hours text once per distinct text: many reps share the same hours."""
    windows: List[Tuple[int, int, int]] = []
    for clause in re.split(r"[;\n]", text):
        if clause.strip():
            windows.extend(_parse_clause(clause))
    return WeeklyHours(tuple(windows))


def _parse_clause(clause: str) -> List[Tuple[int, int, int]]:
    match = re.search(r"[0-9]", clause)
    if match is None:
        raise ScheduleError(f"{clause.strip()!r} has no time window like '09:00-17:00'")
    day_text = clause[: match.start()].strip()
    if not day_text:
        raise ScheduleError(
            f"{clause.strip()!r} names no days; write e.g. 'Mon-Fri {clause.strip()}' or "
            f"'daily {clause.strip()}'"
        )
    days = _parse_days(day_text)
    return [
        (d, start, end)
        for start, end in _parse_window_list(clause[match.start() :], clause)
        for d in days
    ]


def _parse_window_list(spec: Any, where: str) -> List[Tuple[int, int]]:
    if isinstance(spec, str):
        items: Sequence[Any] = spec.split(",")
    elif isinstance(spec, (list, tuple)):
        items = spec
    else:
        raise ScheduleError(
            f"the windows for {where.strip()!r} must be text or a list of text, "
            f"not {type(spec).__name__}"
        )
    windows = []
    for item in items:
        if not isinstance(item, str):
            raise ScheduleError(
                f"window {item!r} for {where.strip()!r} must be text like '09:00-17:00'"
            )
        windows.append(_parse_window(item))
    return windows


def _format_days(days: Sequence[int]) -> str:
    runs: List[List[int]] = []
    for day in days:
        if runs and day == runs[-1][-1] + 1:
            runs[-1].append(day)
        else:
            runs.append([day])
    return ",".join(
        DAY_ABBR[r[0]] if len(r) == 1 else f"{DAY_ABBR[r[0]]}-{DAY_ABBR[r[-1]]}" for r in runs
    )


# ---------------------------------------------------------------------------------------------
# instants


def parse_instant(value: Any, what: str) -> dt.datetime:
    """An aware ``datetime`` from a datetime or ISO text with a zone; naive is refused."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ScheduleError(f"{what} {value.isoformat()!r} has no time zone")
        return value
    if isinstance(value, str):
        parsed = parse_datetime(value)
        if parsed is None:
            raise ScheduleError(
                f"{what} {value!r} is not an ISO date-time with a zone "
                f"(like '2026-12-24T13:00:00-05:00' or '2026-12-24T18:00:00Z')"
            )
        return parsed
    raise ScheduleError(f"{what} must be an ISO date-time text, not {type(value).__name__}")


def _format_local(instant: dt.datetime, zone_name: str, zone: Optional[dt.tzinfo]) -> str:
    """``"2026-12-24 13:00 America/New_York"``: an instant on the rep's own clock."""
    end = instant.astimezone(zone)
    clock = f"{end.hour:02d}:{end.minute:02d}" + (f":{end.second:02d}" if end.second else "")
    return f"{end.date().isoformat()} {clock} {zone_name}"


# ---------------------------------------------------------------------------------------------
# absences


@attrs.frozen
class Absence:
    """One out-of-office entry. The concrete kinds are ``DaysOff``, ``TimeOff``, ``RecurringOff``.

    Every method takes ``local``: the instant in question as an aware datetime in the rep's own
    zone, so date and wall-clock questions are answered in the rep's time zone.
    """

    def covers(self, local: dt.datetime) -> bool:
        """Whether the rep is out of office at ``local``."""
        raise NotImplementedError

    def ends(self, local: dt.datetime) -> Optional[dt.datetime]:
        """Where the absence covering ``local`` ends: an aware instant, or a naive local
        wall-clock time the caller converts; None when it never ends."""
        raise NotImplementedError

    def describe(self, local: dt.datetime, zone_name: str) -> str:
        """Why the rep is away at ``local``, in words."""
        raise NotImplementedError

    def to_raw(self) -> Any:
        """The JSON-ready form that :func:`parse_absence` reads back to an equal entry."""
        raise NotImplementedError


@attrs.frozen
class DaysOff(Absence):
    """Whole local days ``first`` to ``last``, both included, in the rep's time zone."""

    first: dt.date
    last: dt.date

    def covers(self, local: dt.datetime) -> bool:
        return self.first <= local.date() <= self.last

    def ends(self, local: dt.datetime) -> Optional[dt.datetime]:
        if self.last == dt.date.max:
            return None
        return dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time())

    def describe(self, local: dt.datetime, zone_name: str) -> str:
        if self.first == self.last:
            return f"out of office all day {self.last.isoformat()}"
        return f"out of office until {self.last.isoformat()}"

    def to_raw(self) -> Any:
        if self.first == self.last:
            return self.first.isoformat()
        return [self.first.isoformat(), self.last.isoformat()]


@attrs.frozen
class TimeOff(Absence):
    """The half-open instant range ``[start, end)``; both ends are timezone-aware."""

    start: dt.datetime
    end: dt.datetime

    def covers(self, local: dt.datetime) -> bool:
        return self.start <= local < self.end

    def ends(self, local: dt.datetime) -> Optional[dt.datetime]:
        return self.end

    def describe(self, local: dt.datetime, zone_name: str) -> str:
        return f"out of office until {_format_local(self.end, zone_name, local.tzinfo)}"

    def to_raw(self) -> Any:
        return [self.start.isoformat(), self.end.isoformat()]


class _Occurrences:
    """The occurrence days of a recurrence, cached for a window of dates around recent questions.

    dateutil iterates from DTSTART for every ``before``/``after``/``between``, so we ask it once
    for roughly a year and answer day questions from a sorted tuple with ``bisect``. The window
    is replaced (one atomic attribute store) when a question falls outside it, which keeps
    memory bounded whatever dates are asked about.
    """

    __slots__ = ("_rule", "_window")

    _BEFORE = dt.timedelta(days=62)
    _AFTER = dt.timedelta(days=400)

    def __init__(self, rule: Any) -> None:
        self._rule = rule
        self._window: Tuple[dt.date, dt.date, Tuple[dt.date, ...]] = (
            dt.date.max,
            dt.date.min,
            (),
        )

    def __contains__(self, day: dt.date) -> bool:
        low, high, days = self._window
        if not low <= day <= high:
            low, high, days = self._load(day)
        i = bisect.bisect_left(days, day)
        return i < len(days) and days[i] == day

    def _load(self, day: dt.date) -> Tuple[dt.date, dt.date, Tuple[dt.date, ...]]:
        low = _add_days(day, -self._BEFORE)
        high = _add_days(day, self._AFTER)
        found = self._rule.between(
            dt.datetime.combine(low, dt.time()), dt.datetime.combine(high, dt.time.max), inc=True
        )
        window = (low, high, tuple(sorted({when.date() for when in found})))
        self._window = window
        return window

    def __getstate__(self) -> Any:
        return self._rule

    def __setstate__(self, state: Any) -> None:
        self.__init__(state)  # type: ignore[misc]


def _add_days(day: dt.date, delta: dt.timedelta) -> dt.date:
    try:
        return day + delta
    except OverflowError:
        return dt.date.max if delta > dt.timedelta(0) else dt.date.min


_RULE_LINE = re.compile(r"(RRULE|EXRULE|RDATE|EXDATE)[;:]", re.IGNORECASE)
_DTSTART = re.compile(r"DTSTART(;[^:]*)?:(.*)\Z", re.IGNORECASE)
_SUBDAILY = re.compile(r"FREQ=(HOURLY|MINUTELY|SECONDLY)\b", re.IGNORECASE)
_INTERVAL = re.compile(r"INTERVAL=([^;]*)", re.IGNORECASE)
_RRULE_DAYS = {"MO": 0, "TU": 1, "WE": 2, "TH": 3, "FR": 4, "SA": 5, "SU": 6}


def _rule_lines(text: str) -> Tuple[List[str], Optional[dt.date]]:
    """Split recurrence text into rule lines and the DTSTART date (checked to be a bare date)."""
    lines: List[str] = []
    start: Optional[dt.date] = None
    for raw_line in text.replace("\r\n", "\n").split("\n"):
        line = raw_line.strip()
        if not line:
            continue
        upper = line.upper()
        dtstart = _DTSTART.match(line)
        if dtstart is not None:
            if start is not None:
                raise ScheduleError("the recurrence has more than one DTSTART")
            params, value = dtstart.group(1) or "", dtstart.group(2).strip()
            if "TZID" in params.upper() or value.upper().endswith("Z"):
                raise ScheduleError(
                    "DTSTART is read in the rep's own time zone; drop its TZID or Z"
                )
            match = re.match(r"([0-9]{8})(?:T([0-9]{6}))?\Z", value)
            if match is None or (match.group(2) not in (None, "000000")):
                raise ScheduleError(
                    f"DTSTART {value!r} must be a date like 20261106 (occurrences are whole "
                    f"days; give 'hours' for part of a day)"
                )
            try:
                start = dt.datetime.strptime(match.group(1), "%Y%m%d").date()
            except ValueError:
                raise ScheduleError(f"DTSTART {value!r} is not a date") from None
            continue
        if upper.startswith("FREQ="):
            line = "RRULE:" + line
            upper = line.upper()
        if _RULE_LINE.match(line) is None:
            raise ScheduleError(
                f"{line!r} is not an RFC 5545 recurrence line (DTSTART, RRULE, EXDATE, ...)"
            )
        if upper.startswith(("RRULE", "EXRULE")):
            if _SUBDAILY.search(line):
                raise ScheduleError(
                    "out-of-office recurrences are daily or longer (FREQ=DAILY, WEEKLY, "
                    "MONTHLY or YEARLY)"
                )
            interval = _INTERVAL.search(line)
            if interval is not None and not (
                interval.group(1).isdigit() and int(interval.group(1)) >= 1
            ):
                raise ScheduleError(f"INTERVAL={interval.group(1)} must be a whole number >= 1")
        lines.append(line)
    if not any(ln.upper().startswith(("RRULE", "RDATE")) for ln in lines):
        raise ScheduleError("the recurrence has no RRULE (like 'RRULE:FREQ=WEEKLY;BYDAY=FR')")
    return lines, start


def _ordinal(n: int) -> str:
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _describe_rule(lines: Sequence[str], start: dt.date) -> str:
    """``every other Friday`` for simple daily and weekly rules, else the rule text itself."""
    text = "; ".join(lines)
    if len(lines) != 1 or not lines[0].upper().startswith("RRULE:"):
        return text
    parts: Dict[str, str] = {}
    for part in lines[0].split(":", 1)[1].split(";"):
        key, _, value = part.partition("=")
        parts[key.strip().upper()] = value.strip().upper()
    freq = parts.pop("FREQ", "")
    interval = int(parts.pop("INTERVAL", "1") or "1")
    byday = parts.pop("BYDAY", None)
    parts.pop("WKST", None)
    if parts or freq not in ("DAILY", "WEEKLY") or (freq == "DAILY" and byday is not None):
        return text
    every = {1: "every", 2: "every other"}.get(interval, f"every {_ordinal(interval)}")
    if freq == "DAILY":
        return f"{every} day"
    codes = byday.split(",") if byday else [list(_RRULE_DAYS)[start.weekday()]]
    if any(code not in _RRULE_DAYS for code in codes):
        return text
    names = [_DAY_FULL[_RRULE_DAYS[code]] for code in codes]
    joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{every} {joined}"


def _check_rule_window(
    instance: object, attribute: object, value: Optional[Tuple[int, int]]
) -> None:
    if value is not None and not 0 <= value[0] < value[1] <= MINUTES_PER_DAY:
        raise ScheduleError(
            "the hours of a recurring absence must end after they start, on the same day "
            "(like '13:00-17:00')"
        )


@attrs.frozen
class RecurringOff(Absence):
    """An RFC 5545 recurrence: each occurrence day is out of office, whole day or ``hours``.

    ``rule`` is the recurrence text as given (``RRULE:...`` lines, optionally ``DTSTART``,
    ``EXDATE``); ``start`` is the first date when the text has no ``DTSTART``; ``hours`` is an
    optional local window ``(start_minute, end_minute)`` within each occurrence day.
    """

    rule: str
    start: Optional[dt.date] = None
    hours: Optional[Tuple[int, int]] = attrs.field(default=None, validator=_check_rule_window)
    _days: _Occurrences = attrs.field(init=False, eq=False, repr=False)
    _summary: str = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        lines, dtstart = _rule_lines(self.rule)
        if dtstart is not None and self.start is not None:
            raise ScheduleError("give the start date once: in DTSTART or in 'start', not both")
        first = dtstart if dtstart is not None else self.start
        try:
            from dateutil.rrule import rrulestr  # type: ignore[import-untyped, unused-ignore]

            rule = rrulestr(
                "\n".join(lines),
                # a stand-in start while checking the syntax; a missing start is refused below
                dtstart=dt.datetime.combine(first or dt.date(2000, 1, 3), dt.time()),
                forceset=True,
                ignoretz=True,
                unfold=True,
            )
            first_occurrence = next(iter(rule), None)
        except Exception as exc:  # dateutil raises ValueError, TypeError, IndexError, ...
            raise ScheduleError(f"not a valid RFC 5545 recurrence: {exc}") from None
        if first is None:
            raise ScheduleError(
                "the recurrence needs a start date: a DTSTART line or a 'start' key"
            )
        if first_occurrence is None:
            raise ScheduleError("the recurrence never occurs")
        summary = _describe_rule(lines, first)
        if self.hours is not None:
            summary += f", {format_clock(self.hours[0])}-{format_clock(self.hours[1])}"
        object.__setattr__(self, "_days", _Occurrences(rule))
        object.__setattr__(self, "_summary", summary)

    @property
    def summary(self) -> str:
        """The recurrence in words, e.g. ``every other Friday``."""
        return self._summary

    def covers(self, local: dt.datetime) -> bool:
        if self.hours is not None:
            minute = local.hour * 60 + local.minute
            if not self.hours[0] <= minute < self.hours[1]:
                return False
        return local.date() in self._days

    def ends(self, local: dt.datetime) -> Optional[dt.datetime]:
        day = local.date()
        if self.hours is None or self.hours[1] == MINUTES_PER_DAY:
            if day == dt.date.max:
                return None
            return dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
        return dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=self.hours[1])

    def describe(self, local: dt.datetime, zone_name: str) -> str:
        if self.hours is None:
            return f"out of office all day {local.date().isoformat()} (recurring: {self._summary})"
        return (
            f"out of office until {format_clock(self.hours[1])} {zone_name} "
            f"(recurring: {self._summary})"
        )

    def to_raw(self) -> Any:
        if self.start is None and self.hours is None:
            return self.rule
        raw: Dict[str, Any] = {"rrule": self.rule}
        if self.start is not None:
            raw["start"] = self.start.isoformat()
        if self.hours is not None:
            raw["hours"] = f"{format_clock(self.hours[0])}-{format_clock(self.hours[1])}"
        return raw


@functools.lru_cache(maxsize=256)
def _recurring(
    rule: str, start: Optional[dt.date], hours: Optional[Tuple[int, int]]
) -> RecurringOff:
    """Build a recurrence once per distinct value; reps sharing it share its occurrence cache."""
    return RecurringOff(rule, start, hours)


def _is_rule_text(text: str) -> bool:
    head = text.lstrip().upper()
    return head.startswith(("RRULE", "DTSTART", "FREQ=", "EXDATE", "RDATE")) or "\n" in text


def _date_or_instant(value: Any, what: str) -> Union[dt.date, dt.datetime]:
    if isinstance(value, dt.datetime):
        return parse_instant(value, what)
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        day = parse_date(value)
        if day is not None:
            return day
        instant = parse_datetime(value)
        if instant is not None:
            return instant
        if "T" in value or " " in value.strip():
            raise ScheduleError(
                f"{what} {value!r} is not an ISO date-time with a zone "
                f"(like '2026-12-24T13:00:00-05:00')"
            )
        raise ScheduleError(f"{what} {value!r} is not an ISO date like '2026-12-24'")
    raise ScheduleError(f"{what} must be an ISO date or date-time text, not {type(value).__name__}")


def _range(start_raw: Any, end_raw: Any, what: str) -> Absence:
    start = _date_or_instant(start_raw, f"{what} start")
    end = _date_or_instant(end_raw, f"{what} end")
    start_is_instant = isinstance(start, dt.datetime)
    if start_is_instant != isinstance(end, dt.datetime):
        raise ScheduleError(f"{what} mixes a date and a date-time; use two dates or two date-times")
    if isinstance(start, dt.datetime) and isinstance(end, dt.datetime):
        if end <= start:
            raise ScheduleError(f"{what} ends at or before it starts")
        return TimeOff(start, end)
    assert not isinstance(start, dt.datetime) and not isinstance(end, dt.datetime)
    if end < start:
        raise ScheduleError(
            f"{what} ends before it starts ({end.isoformat()} < {start.isoformat()})"
        )
    return DaysOff(start, end)


_ABSENCE_KEYS = ("start", "end", "rrule", "hours")


def parse_absence(raw: Any, what: str = "entry") -> Absence:
    """One out-of-office entry from any accepted form (see ``docs/roster.md``)."""
    if isinstance(raw, Absence):
        return raw
    if isinstance(raw, str):
        if _is_rule_text(raw):
            try:
                return _recurring(raw.strip(), None, None)
            except ScheduleError as exc:
                raise ScheduleError(f"{what}: {exc}") from None
        value = _date_or_instant(raw, what)
        if isinstance(value, dt.datetime):
            raise ScheduleError(
                f"{what} {raw!r} is a single date-time; give a range [start, end] instead"
            )
        return DaysOff(value, value)
    if isinstance(raw, dt.datetime):
        raise ScheduleError(f"{what} is a single date-time; give a range [start, end] instead")
    if isinstance(raw, dt.date):
        return DaysOff(raw, raw)
    if isinstance(raw, abc.Mapping):
        unknown = [k for k in raw if k not in _ABSENCE_KEYS]
        if unknown:
            hint = did_you_mean(str(unknown[0]), _ABSENCE_KEYS)
            raise ScheduleError(
                f"{what} has an unknown key {unknown[0]!r} (expected start, end, rrule, hours)"
                + (f"; {hint}" if hint else "")
            )
        if "rrule" in raw:
            return _parse_rule_mapping(raw, what)
        if "hours" in raw:
            raise ScheduleError(f"{what}: 'hours' belongs with 'rrule'")
        if "start" not in raw:
            raise ScheduleError(f"{what} needs a 'start'")
        if "end" in raw:
            return _range(raw["start"], raw["end"], what)
        day = _date_or_instant(raw["start"], f"{what} start")
        if isinstance(day, dt.datetime):
            raise ScheduleError(f"{what} starts at a date-time, so it needs an 'end'")
        return DaysOff(day, day)
    if isinstance(raw, (list, tuple)):
        if len(raw) != 2:
            raise ScheduleError(f"{what} must be a [start, end] pair, not {len(raw)} values")
        return _range(raw[0], raw[1], what)
    raise ScheduleError(
        f"{what} must be a date, a [start, end] pair, a mapping or an RRULE text, "
        f"not {type(raw).__name__}"
    )


def _parse_rule_mapping(raw: Mapping[str, Any], what: str) -> Absence:
    if "end" in raw:
        raise ScheduleError(f"{what}: a recurrence takes 'start' and 'hours', not 'end'")
    rule = raw["rrule"]
    if not isinstance(rule, str):
        raise ScheduleError(f"{what}: 'rrule' must be text, not {type(rule).__name__}")
    start: Optional[dt.date] = None
    if raw.get("start") is not None:
        value = raw["start"]
        if isinstance(value, dt.datetime) or not isinstance(value, (str, dt.date)):
            raise ScheduleError(f"{what}: 'start' must be a date like '2026-11-06'")
        start = value if isinstance(value, dt.date) else parse_date(value)
        if start is None:
            raise ScheduleError(f"{what}: 'start' {value!r} is not an ISO date like '2026-11-06'")
    hours: Optional[Tuple[int, int]] = None
    if raw.get("hours") is not None:
        if not isinstance(raw["hours"], str):
            raise ScheduleError(f"{what}: 'hours' must be text like '13:00-17:00'")
        hours = _parse_window(raw["hours"])
    try:
        return _recurring(rule.strip(), start, hours)
    except ScheduleError as exc:
        raise ScheduleError(f"{what}: {exc}") from None
