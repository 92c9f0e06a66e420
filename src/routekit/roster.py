"""Reps and rosters: who can take a lead, when, and why not.

The router asks these questions on every decision, so a ``Rep`` parses everything once at
construction (hours into a minute-of-week index, out-of-office entries into records, busy
intervals into a merged sorted index, the time zone into a cached ``ZoneInfo``) and each question
is one ``astimezone`` plus a ``bisect`` or two.

Theory of operation (time)
--------------------------
Working hours and whole-day absences are *local wall-clock* facts: an instant is first turned
into the rep's local time with ``astimezone`` and then compared with the windows, so a 22:00-06:00
window lasts 7 or 9 real hours on DST nights, and a wall-clock time that does not exist is never
reached. ``next_free`` walks forward from one boundary to the next: the end of the blocking
busy interval or absence, or the next window start. A wall-clock target is turned into an
instant by holding the current UTC offset; if the offset changes before that instant, the walk
stops at the change (found by bisection) and looks again, so DST jumps never skip a free moment.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import sys
from collections import abc
from decimal import Decimal
from typing import (
    Any,
    Dict,
    FrozenSet,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Tuple,
    Union,
)

import attrs

from ._schedule import (
    DAY_ABBR,
    Absence,
    DaysOff,
    RecurringOff,
    ScheduleError,
    TimeOff,
    WeeklyHours,
    parse_absence,
    parse_instant,
)
from ._text import parse_number
from .errors import RosterError, RoutekitTypeError, RoutekitValueError, did_you_mean

if sys.version_info >= (3, 9):
    import zoneinfo
else:  # pragma: no cover - Python 3.8
    from backports import zoneinfo

__all__ = [
    "Absence",
    "DaysOff",
    "RecurringOff",
    "Rep",
    "Roster",
    "TimeOff",
    "WeeklyHours",
    "period_key",
]

Number = Union[int, Decimal]
NumberInput = Union[int, float, Decimal, str]
HoursInput = Union[None, str, Mapping[str, Any], WeeklyHours]

_UTC = dt.timezone.utc
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=_UTC)
_SECOND = dt.timedelta(seconds=1)
_PERIODS = ("day", "week", "month")
_FIELDS = (
    "id",
    "name",
    "email",
    "timezone",
    "hours",
    "out_of_office",
    "skills",
    "capacity",
    "load",
    "busy",
    "active",
)
_NOT_ZONES = frozenset({"localtime", "posixrules"})


# ---------------------------------------------------------------------------------------------
# time zones


@functools.lru_cache(maxsize=512)
def _zone(name: str) -> zoneinfo.ZoneInfo:
    """The ``ZoneInfo`` for an IANA name, looked up once per process; ScheduleError if unknown."""
    if name in _NOT_ZONES:
        raise ScheduleError(f"{name!r} is not an IANA time zone name")
    try:
        return zoneinfo.ZoneInfo(name)
    except Exception:  # ZoneInfoNotFoundError (a KeyError), ValueError, OSError for odd keys
        hint = _zone_hint(name)
        raise ScheduleError(
            f"unknown time zone {name!r} (use an IANA name like 'America/New_York')"
            + (f"; {hint}" if hint else "")
        ) from None


def _zone_hint(name: str) -> Optional[str]:
    """A did-you-mean for a misspelled zone; only runs on the error path (it lists tzdata)."""
    try:
        names = zoneinfo.available_timezones()
    except Exception:  # pragma: no cover - no tz database to list
        return None
    import difflib  # here: only the error path needs it

    folded = {n.casefold(): n for n in names}
    key = name.strip().casefold().replace(" ", "_")
    matches = [key] if key in folded else difflib.get_close_matches(key, folded, n=1, cutoff=0.8)
    return f"did you mean {folded[matches[0]]!r}?" if matches else None


def _check_now(now: Any, what: str = "now") -> None:
    """Refuse anything but an aware datetime: a naive one means nothing across time zones."""
    if not isinstance(now, dt.datetime):
        raise RoutekitTypeError(f"{what} must be a datetime, not {type(now).__name__}")
    if now.tzinfo is None or now.utcoffset() is None:
        raise RoutekitValueError(
            f"{what} must be timezone-aware (e.g. datetime.now(timezone.utc)), got naive "
            f"{now.isoformat()}"
        )


def period_key(now: dt.datetime, timezone: str, period: str) -> str:
    """The calendar period containing ``now`` in ``timezone``, as a stable text key.

    ``"day"`` gives ``"2026-11-22"``, ``"week"`` the ISO week ``"2026-W47"`` (weeks start on
    Monday; the year is the ISO week-numbering year), ``"month"`` gives ``"2026-11"``. Cap and
    balance counts are kept per key, so they reset at local midnight.
    Raises RoutekitValueError for a naive ``now``, an unknown zone or period.
    """
    _check_now(now)
    if not isinstance(timezone, str):
        raise RoutekitTypeError(f"timezone must be text, not {type(timezone).__name__}")
    try:
        zone = _zone(timezone)
    except ScheduleError as exc:
        raise RoutekitValueError(str(exc)) from None
    local = now.astimezone(zone)
    if period == "day":
        return f"{local.year:04d}-{local.month:02d}-{local.day:02d}"
    if period == "week":
        iso = local.isocalendar()
        return f"{iso[0]:04d}-W{iso[1]:02d}"
    if period == "month":
        return f"{local.year:04d}-{local.month:02d}"
    raise RoutekitValueError(f"period must be one of 'day', 'week', 'month', not {period!r}")


def period_keys(now: dt.datetime, timezone: str) -> Dict[str, str]:
    """All three period keys of `period_key` at once (one time-zone conversion); ``now``
    must already be known to be aware (the router checks it once per decision)."""
    local = now.astimezone(_zone(timezone))
    memo_key = (timezone, local.toordinal())
    found = _PERIOD_KEYS.get(memo_key)
    if found is not None:
        return found
    year, month = local.year, local.month
    iso = local.isocalendar()
    keys = {  # in the order of routekit.state.PERIODS
        "day": f"{year:04d}-{month:02d}-{local.day:02d}",
        "week": f"{iso[0]:04d}-W{iso[1]:02d}",
        "month": f"{year:04d}-{month:02d}",
    }
    if len(_PERIOD_KEYS) >= 4096:  # a batch over years of history: start again
        _PERIOD_KEYS.clear()
    _PERIOD_KEYS[memo_key] = keys
    return keys


# The keys depend only on the local calendar day, and formatting them costs ten times the
# time-zone conversion: remembered per (zone, day). Callers only read the dicts.
_PERIOD_KEYS: Dict[Tuple[str, int], Dict[str, str]] = {}


def _offset_change(
    t: dt.datetime, later: dt.datetime, offset: Optional[dt.timedelta], zone: dt.tzinfo
) -> dt.datetime:
    """The first whole second after ``t`` (and at most ``later``) whose UTC offset differs."""
    low = (t - _EPOCH) // _SECOND
    high = -((_EPOCH - later) // _SECOND)  # ceiling
    while high - low > 1:
        mid = (low + high) // 2
        if (_EPOCH + mid * _SECOND).astimezone(zone).utcoffset() == offset:
            low = mid
        else:
            high = mid
    found = _EPOCH + high * _SECOND
    return found if found > t else t + _SECOND


def _reach_wall(
    t: dt.datetime, local: dt.datetime, target: dt.datetime, zone: dt.tzinfo
) -> dt.datetime:
    """The instant at which local wall-clock time, now ``local``, reaches ``target`` (naive).

    Holds the current UTC offset; if the zone changes offset first, returns the instant of the
    change instead so the caller looks again from there (never past a free moment).
    """
    offset = local.utcoffset()
    assert offset is not None
    candidate = (target - offset).replace(tzinfo=_UTC)
    if candidate.astimezone(zone).utcoffset() == offset:
        return candidate
    return _offset_change(t, candidate, offset, zone)


# ---------------------------------------------------------------------------------------------
# converting raw rep fields (each raises ScheduleError; Rep adds the rep and the field)


def _text(value: Any, what: str) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    raise ScheduleError(f"{what} must be text, not {type(value).__name__}")


def _number(value: Any, what: str) -> Number:
    if isinstance(value, bool):
        raise ScheduleError(f"{what} must be a number, not a bool")
    number: Optional[Number]
    if isinstance(value, int):
        number = value
    elif isinstance(value, (float, Decimal)):
        exact = Decimal(repr(value)) if isinstance(value, float) else value
        if not exact.is_finite():
            raise ScheduleError(f"{what} must be a finite number, not {value!r}")
        number = int(exact) if exact == exact.to_integral_value() else exact
    elif isinstance(value, str):
        number = parse_number(value)
        if number is None:
            raise ScheduleError(f"{what} {value!r} is not a number")
    else:
        raise ScheduleError(f"{what} must be a number, not {type(value).__name__}")
    if number < 0:
        raise ScheduleError(f"{what} must be 0 or more, not {number}")
    return number


def _number_out(value: Number) -> Any:
    """JSON-ready: ints stay ints, decimals become floats when exact, else text."""
    if isinstance(value, int):
        return value
    as_float = float(value)
    if Decimal(repr(as_float)) == value:
        return as_float
    return str(value)


def _items(value: Any, what: str) -> List[Any]:
    if isinstance(value, (str, bytes, abc.Mapping)) or not isinstance(value, abc.Iterable):
        raise ScheduleError(f"{what} must be a list, not {type(value).__name__}")
    return list(value)


def _skill_key(skill: str) -> str:
    return " ".join(skill.split()).casefold()


def _skills(value: Any) -> FrozenSet[str]:
    found = set()
    for item in _items(value, "skills"):
        if not isinstance(item, str):
            raise ScheduleError(f"skills must be text, not {type(item).__name__} ({item!r})")
        key = _skill_key(item)
        if not key:
            raise ScheduleError("a skill must not be empty")
        found.add(key)
    return frozenset(found)


def _absences(value: Any) -> Tuple[Absence, ...]:
    return tuple(
        parse_absence(item, f"entry {i}") for i, item in enumerate(_items(value, "out_of_office"))
    )


def _busy(value: Any) -> Tuple[Tuple[dt.datetime, dt.datetime], ...]:
    intervals = []
    for i, item in enumerate(_items(value, "busy")):
        what = f"busy interval {i}"
        if isinstance(item, abc.Mapping):
            if set(item) != {"start", "end"}:
                raise ScheduleError(f"{what} must have exactly 'start' and 'end'")
            start_raw, end_raw = item["start"], item["end"]
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            start_raw, end_raw = item
        else:
            raise ScheduleError(f"{what} must be a [start, end] pair of ISO date-times")
        start = parse_instant(start_raw, f"{what} start")
        end = parse_instant(end_raw, f"{what} end")
        if end <= start:
            raise ScheduleError(f"{what} ends at or before it starts")
        intervals.append((start, end))
    return tuple(intervals)


def _merge(
    intervals: Iterable[Tuple[dt.datetime, dt.datetime]],
) -> Tuple[Tuple[dt.datetime, ...], Tuple[dt.datetime, ...]]:
    """Sorted, merged half-open intervals in UTC, as parallel start and end tuples."""
    merged: List[List[dt.datetime]] = []
    for start, end in sorted((s.astimezone(_UTC), e.astimezone(_UTC)) for s, e in intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return tuple(m[0] for m in merged), tuple(m[1] for m in merged)


# ---------------------------------------------------------------------------------------------
# Rep


@attrs.frozen(init=False)
class Rep:
    """One rep: identity, time zone, working hours, absences, skills, load and busy times.

    ``Rep(...)`` accepts the raw forms of ``from_mapping`` (hours as text or a mapping,
    out-of-office and busy entries as ISO text) and validates everything at once, so a bad
    roster fails at ``Router(...)`` time with a ``RosterError`` naming the rep and the field.
    """

    id: str
    name: Optional[str] = None
    email: Optional[str] = None
    timezone: str = "UTC"
    hours: Optional[WeeklyHours] = None
    out_of_office: Tuple[Absence, ...] = ()
    skills: FrozenSet[str] = frozenset()
    capacity: Optional[Number] = None
    load: Number = 0
    busy: Tuple[Tuple[dt.datetime, dt.datetime], ...] = ()
    active: bool = True
    _zone: zoneinfo.ZoneInfo = attrs.field(init=False, eq=False, repr=False)
    _busy_starts: Tuple[dt.datetime, ...] = attrs.field(init=False, eq=False, repr=False)
    _busy_ends: Tuple[dt.datetime, ...] = attrs.field(init=False, eq=False, repr=False)

    def __init__(
        self,
        id: str,
        name: Optional[str] = None,
        email: Optional[str] = None,
        timezone: str = "UTC",
        hours: HoursInput = None,
        out_of_office: Iterable[Any] = (),
        skills: Iterable[str] = frozenset(),
        capacity: Optional[NumberInput] = None,
        load: NumberInput = 0,
        busy: Iterable[Any] = (),
        active: bool = True,
    ) -> None:
        if not isinstance(id, str):
            raise RosterError(f"id must be text, not {type(id).__name__} ({id!r})", field="id")
        rep_id = id.strip()
        if not rep_id:
            raise RosterError("id must not be empty", field="id")

        def field(name: str, convert: Any, value: Any) -> Any:
            try:
                return convert(value)
            except ScheduleError as exc:
                raise RosterError(str(exc), rep=rep_id, field=name) from None

        zone_name = field("timezone", lambda v: _text(v, "timezone"), timezone)
        if zone_name is None:
            raise RosterError("timezone must be text, not None", rep=rep_id, field="timezone")
        zone_name = zone_name.strip()
        zone = field("timezone", _zone, zone_name)
        if not isinstance(active, bool):
            raise RosterError(
                f"active must be true or false, not {type(active).__name__} ({active!r})",
                rep=rep_id,
                field="active",
            )
        busy_intervals = field("busy", _busy, busy)
        self.__attrs_init__(
            rep_id,
            field("name", lambda v: _text(v, "name"), name),
            field("email", lambda v: _text(v, "email"), email),
            zone_name,
            None if hours is None else field("hours", WeeklyHours.parse, hours),
            field("out_of_office", _absences, out_of_office),
            field("skills", _skills, skills),
            None
            if capacity is None
            else field("capacity", lambda v: _number(v, "capacity"), capacity),
            field("load", lambda v: _number(v, "load"), load),
            busy_intervals,
            active,
        )
        starts, ends = _merge(busy_intervals)
        object.__setattr__(self, "_zone", zone)
        object.__setattr__(self, "_busy_starts", starts)
        object.__setattr__(self, "_busy_ends", ends)

    # -- construction from and to plain data ----------------------------------------------

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> Rep:
        """Build a rep from its dict form (see API.md); unknown keys are an error.

        A JSON ``null`` means "not given" for every field but ``id``.
        Raises RosterError naming the rep and the field.
        """
        if not isinstance(raw, abc.Mapping):
            raise RosterError(f"a rep must be a mapping, not {type(raw).__name__}")
        raw_id = raw.get("id")
        rep_id = raw_id.strip() if isinstance(raw_id, str) and raw_id.strip() else None
        for key in raw:
            if key not in _FIELDS:
                hint = did_you_mean(str(key), _FIELDS)
                raise RosterError(
                    f"unknown field {key!r}" + (f"; {hint}" if hint else ""),
                    rep=rep_id,
                    field=str(key),
                )
        if "id" not in raw:
            raise RosterError("a rep needs an 'id'", field="id")
        return cls(**{str(k): v for k, v in raw.items() if v is not None or k == "id"})

    def to_mapping(self) -> Dict[str, Any]:
        """A JSON-ready dict that ``from_mapping`` reads back to an equal rep."""
        return {
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "timezone": self.timezone,
            "hours": None if self.hours is None else self.hours.to_text(),
            "out_of_office": [a.to_raw() for a in self.out_of_office],
            "skills": sorted(self.skills),
            "capacity": None if self.capacity is None else _number_out(self.capacity),
            "load": _number_out(self.load),
            "busy": [[s.isoformat(), e.isoformat()] for s, e in self.busy],
            "active": self.active,
        }

    # -- questions asked on every routing decision ----------------------------------------

    def local_time(self, now: dt.datetime) -> dt.datetime:
        """``now`` in the rep's own time zone."""
        _check_now(now)
        return now.astimezone(self._zone)

    def absence_at(self, now: dt.datetime) -> Optional[str]:
        """None when the rep is not out of office at ``now``, else the reason in words."""
        _check_now(now)
        if not self.out_of_office:
            return None
        local = now.astimezone(self._zone)
        for absence in self.out_of_office:
            if absence.covers(local):
                return absence.describe(local, self.timezone)
        return None

    def hours_at(self, now: dt.datetime) -> Optional[str]:
        """None inside working hours (or with no hours set), else where the rep's clock is."""
        _check_now(now)
        if self.hours is None:
            return None
        local = now.astimezone(self._zone)
        if self.hours.contains(local.weekday() * 1440 + local.hour * 60 + local.minute):
            return None
        return (
            f"outside working hours — {DAY_ABBR[local.weekday()]} "
            f"{local.hour:02d}:{local.minute:02d} in {self.timezone}"
        )

    def busy_at(self, now: dt.datetime) -> Optional[str]:
        """None when no busy interval covers ``now``, else when the (merged) busy time ends."""
        _check_now(now)
        if not self._busy_starts:
            return None
        i = bisect.bisect_right(self._busy_starts, now) - 1
        if i < 0 or now >= self._busy_ends[i]:
            return None
        local = now.astimezone(self._zone)
        end = self._busy_ends[i].astimezone(self._zone)
        clock = f"{end.hour:02d}:{end.minute:02d}"
        if end.date() != local.date():
            clock = f"{end.date().isoformat()} {clock}"
        return f"busy until {clock} in {self.timezone}"

    def has_skill(self, skill: str) -> bool:
        """Whether the rep lists ``skill``, ignoring case and extra spaces; non-text is False."""
        return isinstance(skill, str) and _skill_key(skill) in self.skills

    def next_free(
        self, now: dt.datetime, horizon: dt.timedelta = dt.timedelta(days=14)
    ) -> Optional[dt.datetime]:
        """The earliest instant at or after ``now`` when the rep is active, inside working
        hours, not busy and not out of office; None if there is none within ``horizon``.

        The result is in ``now``'s time zone. Walks from boundary to boundary, so the cost is
        the number of windows, busy intervals and absences crossed, not the length of time.
        """
        _check_now(now)
        if not isinstance(horizon, dt.timedelta):
            raise RoutekitTypeError(f"horizon must be a timedelta, not {type(horizon).__name__}")
        if horizon < dt.timedelta(0):
            raise RoutekitValueError("horizon must not be negative")
        if not self.active:
            return None
        zone = self._zone
        start = now.astimezone(_UTC)
        try:
            limit = start + horizon
        except OverflowError:
            limit = dt.datetime.max.replace(tzinfo=_UTC)
        t = start
        try:
            while t <= limit:
                local = t.astimezone(zone)
                later = self._hours_clear(t, local)
                if later == t:
                    later = self._absence_clear(t, local)
                if later == t:
                    later = self._busy_clear(t)
                if later is None:
                    return None
                if later == t:
                    return now if t == start else t.astimezone(now.tzinfo)
                t = later
        except OverflowError:  # walked off the end of the calendar
            return None
        return None

    def _hours_clear(self, t: dt.datetime, local: dt.datetime) -> Optional[dt.datetime]:
        """``t`` if inside working hours, else an instant no later than the next one that is."""
        hours = self.hours
        if hours is None:
            return t
        minute = local.weekday() * 1440 + local.hour * 60 + local.minute
        if hours.contains(minute):
            return t
        wall = local.replace(tzinfo=None, second=0, microsecond=0)
        target = wall + dt.timedelta(minutes=hours.minutes_to_next_start(minute))
        return _reach_wall(t, local, target, self._zone)

    def _absence_clear(self, t: dt.datetime, local: dt.datetime) -> Optional[dt.datetime]:
        """``t`` if no absence covers it, else the latest end among those that do."""
        latest = t
        for absence in self.out_of_office:
            if absence.covers(local):
                end = absence.ends(local)
                if end is None:
                    return None
                if end.tzinfo is None:
                    end = _reach_wall(t, local, end, self._zone)
                if end > latest:
                    latest = end
        return latest

    def _busy_clear(self, t: dt.datetime) -> dt.datetime:
        i = bisect.bisect_right(self._busy_starts, t) - 1
        if i >= 0 and t < self._busy_ends[i]:
            return self._busy_ends[i]
        return t


# ---------------------------------------------------------------------------------------------
# Roster


@attrs.frozen(init=False)
class Roster:
    """The reps a router may assign to, in order, with O(1) lookup by id."""

    reps: Tuple[Rep, ...]
    _by_id: Dict[str, Rep] = attrs.field(init=False, eq=False, repr=False)
    _ids: Tuple[str, ...] = attrs.field(init=False, eq=False, repr=False)

    def __init__(self, reps: Iterable[Union[Rep, Mapping[str, Any]]] = ()) -> None:
        if isinstance(reps, (str, bytes, abc.Mapping)) or not isinstance(reps, abc.Iterable):
            raise RosterError(f"the roster must be a list of reps, not {type(reps).__name__}")
        built: List[Rep] = []
        by_id: Dict[str, Rep] = {}
        first_index: Dict[str, int] = {}
        for index, item in enumerate(reps):
            if isinstance(item, Rep):
                rep = item
            elif isinstance(item, abc.Mapping):
                if "id" not in item:
                    raise RosterError(f"roster item {index} has no 'id'", field="id")
                rep = Rep.from_mapping(item)
            else:
                raise RosterError(
                    f"roster item {index} must be a mapping or a Rep, not {type(item).__name__}"
                )
            if rep.id in by_id:
                raise RosterError(
                    f"duplicate rep id {rep.id!r} (roster items {first_index[rep.id]} and {index})",
                    rep=rep.id,
                    field="id",
                )
            by_id[rep.id] = rep
            first_index[rep.id] = index
            built.append(rep)
        self.__attrs_init__(tuple(built))
        object.__setattr__(self, "_by_id", by_id)
        object.__setattr__(self, "_ids", tuple(by_id))

    @classmethod
    def from_items(cls, items: Iterable[Union[Rep, Mapping[str, Any]]]) -> Roster:
        """Build a roster from reps and/or their dict forms; raises RosterError."""
        return cls(items)

    def get(self, rep_id: str) -> Optional[Rep]:
        """The rep with that id, or None."""
        return self._by_id.get(rep_id)

    @property
    def ids(self) -> Tuple[str, ...]:
        """The rep ids in roster order."""
        return self._ids

    def __contains__(self, item: object) -> bool:
        if isinstance(item, Rep):
            return self._by_id.get(item.id) == item
        return isinstance(item, str) and item in self._by_id

    def __iter__(self) -> Iterator[Rep]:
        return iter(self.reps)

    def __len__(self) -> int:
        return len(self.reps)
