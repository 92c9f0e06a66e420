"""Strategies for people and time: rep ids, time zones, DST instants, hours, absences, rosters,
weights.

The values are the roster's *raw* forms (hours as text, out-of-office entries as ISO text,
RRULE text or mappings), passed through ``Rep.from_mapping``, so every accepted spelling is
exercised and a shrunk example prints as a roster a person could paste into JSON. Time
zones lean towards the awkward: zones with DST in either hemisphere, half-hour offsets and
a 30-minute DST shift, and instants near their transitions.
"""

from __future__ import annotations

import datetime as dt
import functools
import sys
from typing import Any, Dict, List, Optional, Sequence, Tuple

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis.strategies import SearchStrategy

from ..roster import Rep, Roster

if sys.version_info >= (3, 9):
    import zoneinfo
else:  # pragma: no cover - Python 3.8
    from backports import zoneinfo

#: Zones chosen for their trouble: DST north and south, half- and quarter-hour offsets,
#: Lord Howe's 30-minute DST shift, and UTC.
TIME_ZONES = (
    "UTC",
    "America/Los_Angeles",
    "America/New_York",
    "America/St_Johns",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Auckland",
)

_NAMES = ("alex", "blake", "casey", "drew", "riley", "quinn", "taylor", "jordan", "sam")
_SKILLS = ("spanish", "german", "enterprise", "healthcare")
_DAYS = ("Mon-Fri", "Mon-Thu", "Sat", "Sun", "daily", "weekdays", "Tue,Thu", "Fri-Mon")
_WINDOWS = (
    "09:00-17:00",
    "08:00-12:00, 13:00-17:00",
    "22:00-06:00",
    "00:00-24:00",
    "01:30-03:30",
)
WITHIN = (dt.date(2025, 10, 1), dt.date(2027, 4, 30))
_UTC = dt.timezone.utc


def rep_ids() -> SearchStrategy[str]:
    """Rep ids: familiar names first (they shrink to ``alex``), then generated ones."""
    return st.one_of(
        st.sampled_from(_NAMES),
        st.from_regex(r"[a-z][a-z0-9_]{0,9}", fullmatch=True),
        st.from_regex(r"[a-z]{1,6}@corp\.example", fullmatch=True),
    )


def time_zones() -> SearchStrategy[str]:
    """IANA zone names, leaning towards DST and odd offsets (see `TIME_ZONES`)."""
    return st.sampled_from(TIME_ZONES)


@functools.lru_cache(maxsize=None)
def dst_transitions(zone: str, year: int) -> Tuple[dt.datetime, ...]:
    """The instants (UTC, to the minute) in ``year`` at which ``zone``'s UTC offset changes."""
    tz = zoneinfo.ZoneInfo(zone)
    found: List[dt.datetime] = []
    t = dt.datetime(year, 1, 1, tzinfo=_UTC)
    end = dt.datetime(year + 1, 1, 1, tzinfo=_UTC)
    step = dt.timedelta(hours=6)
    previous = t.astimezone(tz).utcoffset()
    while t < end:
        later = t + step
        offset = later.astimezone(tz).utcoffset()
        if offset != previous:
            low, high = t, later
            while high - low > dt.timedelta(minutes=1):
                mid = low + (high - low) / 2
                mid = mid.replace(second=0, microsecond=0)
                if mid <= low:
                    break
                if mid.astimezone(tz).utcoffset() == previous:
                    low = mid
                else:
                    high = mid
            found.append(high)
            previous = offset
        t = later
    return tuple(found)


def dst_instants(
    *,
    timezones: Optional[Sequence[str]] = None,
    years: Sequence[int] = (2026,),
    within: dt.timedelta = dt.timedelta(hours=3),
) -> SearchStrategy[dt.datetime]:
    """Aware UTC instants within ``within`` of a DST transition of one of ``timezones``.

    Raises:
        InvalidArgument: no zone among ``timezones`` changes offset in ``years``.
    """
    zones = list(timezones) if timezones is not None else list(TIME_ZONES)
    if not zones or not years:
        raise InvalidArgument("dst_instants() needs at least one zone and one year")
    moments = sorted({t for z in zones for y in years for t in dst_transitions(z, y)})
    if not moments:
        raise InvalidArgument(f"none of {zones} changes its UTC offset in {list(years)}")
    minutes = int(within.total_seconds() // 60)
    return st.builds(
        lambda t, m: t + dt.timedelta(minutes=m),
        st.sampled_from(moments),
        st.integers(min_value=-minutes, max_value=minutes),
    )


def working_hours() -> SearchStrategy[str]:
    """Weekly hours as roster text: office days, split shifts, overnight (22:00-06:00),
    all day, weekends, and random quarter-hour windows."""
    minutes = st.integers(min_value=0, max_value=95).map(lambda q: q * 15)

    def window(pair: Tuple[int, int]) -> str:
        start, end = pair
        return f"{start // 60:02d}:{start % 60:02d}-{end // 60:02d}:{end % 60:02d}"

    random_window = st.tuples(minutes, minutes).filter(lambda p: p[0] != p[1]).map(window)
    clause = st.builds(
        lambda days, spec: f"{days} {spec}",
        st.sampled_from(_DAYS),
        st.one_of(st.sampled_from(_WINDOWS), random_window),
    )
    return st.lists(clause, min_size=1, max_size=2).map("; ".join)


def _dates(within: Tuple[dt.date, dt.date]) -> SearchStrategy[dt.date]:
    return st.dates(min_value=within[0], max_value=within[1])


def absences(
    *, within: Tuple[dt.date, dt.date] = WITHIN, recurring: bool = True
) -> SearchStrategy[Any]:
    """Out-of-office entries in every accepted form: a date, a date range, a date-time range
    with an offset, and (with ``recurring``) RRULE text or ``{"rrule", "start", "hours"}``.

    Raises:
        InvalidArgument: ``within`` is not two dates in order.
    """
    if (
        not isinstance(within, tuple)
        or len(within) != 2
        or not all(isinstance(d, dt.date) for d in within)
        or within[1] < within[0]
    ):
        raise InvalidArgument(f"within={within!r} must be (first_date, last_date) in order")
    days = _dates(within)
    one_day = days.map(dt.date.isoformat)
    day_range = st.tuples(days, st.integers(0, 14)).map(
        lambda p: [p[0].isoformat(), min(p[0] + dt.timedelta(days=p[1]), within[1]).isoformat()]
    )
    offsets = st.sampled_from(["Z", "+02:00", "-05:00", "+05:30"])
    instant_range = st.builds(
        lambda day, minute, length, zone: [
            _iso(day, minute, zone),
            _iso(day, minute + length, zone),
        ],
        days,
        st.integers(0, 23 * 60),
        st.integers(15, 3 * 24 * 60),
        offsets,
    )
    forms: List[SearchStrategy[Any]] = [one_day, day_range, instant_range]
    if recurring:
        rules = st.sampled_from(
            [
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
                "FREQ=WEEKLY;BYDAY=MO,WE",
                "FREQ=MONTHLY;BYMONTHDAY=1",
                "FREQ=DAILY;COUNT=3",
            ]
        )
        text_form = st.builds(lambda day, rule: f"DTSTART:{day:%Y%m%d}\nRRULE:{rule}", days, rules)
        mapping_form = st.builds(
            lambda day, rule, hours: {"rrule": rule, "start": day.isoformat(), **hours},
            days,
            rules,
            st.sampled_from([{}, {"hours": "13:00-17:00"}, {"hours": "00:00-09:30"}]),
        )
        forms += [text_form, mapping_form]
    return st.one_of(forms)


def _iso(day: dt.date, minute: int, zone: str) -> str:
    moment = dt.datetime.combine(day, dt.time()) + dt.timedelta(minutes=minute)
    return moment.isoformat() + zone


def _busy(within: Tuple[dt.date, dt.date]) -> SearchStrategy[List[str]]:
    return st.builds(
        lambda day, minute, length: [_iso(day, minute, "Z"), _iso(day, minute + length, "Z")],
        _dates(within),
        st.integers(0, 23 * 60),
        st.integers(15, 6 * 60),
    )


def _rep_mapping(
    rep_id: SearchStrategy[str],
    *,
    timezones: SearchStrategy[str],
    hours: bool,
    out_of_office: bool,
    skills: Sequence[str],
    capacity: bool,
    busy: bool,
    inactive: bool,
    within: Tuple[dt.date, dt.date],
) -> SearchStrategy[Dict[str, Any]]:
    optional: Dict[str, SearchStrategy[Any]] = {"timezone": timezones}
    if hours:
        optional["hours"] = working_hours()
    if out_of_office:
        optional["out_of_office"] = st.lists(absences(within=within), min_size=1, max_size=3)
    if skills:
        optional["skills"] = st.lists(st.sampled_from(list(skills)), max_size=3, unique=True)
    if busy:
        optional["busy"] = st.lists(_busy(within), min_size=1, max_size=2)
    if inactive:
        optional["active"] = st.booleans()
    base = st.fixed_dictionaries({"id": rep_id}, optional=optional)
    if not capacity:
        return base
    load = st.tuples(st.integers(0, 20), st.integers(0, 22)).map(
        lambda p: {"capacity": p[0], "load": min(p[1], p[0] + 2)}
    )
    return st.tuples(base, st.one_of(st.just({}), load)).map(lambda p: {**p[0], **p[1]})


def _check_options(within: Any, timezones: Any, skills: Any) -> None:
    if not isinstance(timezones, SearchStrategy):
        raise InvalidArgument(f"timezones= must be a strategy of zone names, not {timezones!r}")
    if isinstance(skills, str) or not all(isinstance(s, str) for s in skills):
        raise InvalidArgument("skills= is a list of skill names")
    absences(within=within).validate()


def reps(
    *,
    ids: Optional[SearchStrategy[str]] = None,
    timezones: Optional[SearchStrategy[str]] = None,
    hours: bool = True,
    out_of_office: bool = True,
    skills: Sequence[str] = _SKILLS,
    capacity: bool = True,
    busy: bool = True,
    inactive: bool = True,
    within: Tuple[dt.date, dt.date] = WITHIN,
) -> SearchStrategy[Rep]:
    """One `Rep`: a time zone, and (each optional) working hours, out-of-office entries,
    skills, capacity and load, busy intervals, and ``active: false``.

    Turn a feature off with its flag (``hours=False``); ``within`` bounds the dates used.
    """
    zones = timezones if timezones is not None else time_zones()
    _check_options(within, zones, skills)
    return _rep_mapping(
        ids if ids is not None else rep_ids(),
        timezones=zones,
        hours=hours,
        out_of_office=out_of_office,
        skills=skills,
        capacity=capacity,
        busy=busy,
        inactive=inactive,
        within=within,
    ).map(Rep.from_mapping)


def rosters(
    ids: Optional[Sequence[str]] = None,
    *,
    min_size: Optional[int] = None,
    max_size: Optional[int] = None,
    timezones: Optional[SearchStrategy[str]] = None,
    hours: bool = True,
    out_of_office: bool = True,
    skills: Sequence[str] = _SKILLS,
    capacity: bool = True,
    busy: bool = True,
    inactive: bool = True,
    within: Tuple[dt.date, dt.date] = WITHIN,
) -> SearchStrategy[Roster]:
    """A `Roster` of reps with unique ids; with ``ids``, exactly those reps, in that order.

    The rep options are those of `reps`. Without ``ids``, between ``min_size`` (default 1)
    and ``max_size`` (default 6) reps.

    Raises:
        InvalidArgument: ``ids`` together with a size, repeated or empty ids, or sizes out
            of order.
    """
    zones = timezones if timezones is not None else time_zones()
    _check_options(within, zones, skills)

    def mappings(rep_id: SearchStrategy[str]) -> SearchStrategy[Dict[str, Any]]:
        return _rep_mapping(
            rep_id,
            timezones=zones,
            hours=hours,
            out_of_office=out_of_office,
            skills=skills,
            capacity=capacity,
            busy=busy,
            inactive=inactive,
            within=within,
        )

    if ids is not None:
        if min_size is not None or max_size is not None:
            raise InvalidArgument("give ids= or min_size=/max_size=, not both")
        if isinstance(ids, str):
            raise InvalidArgument("ids= is a list of rep ids, not one text")
        listed = list(ids)
        if not all(isinstance(i, str) and i.strip() for i in listed):
            raise InvalidArgument(f"rep ids are non-empty text: {listed!r}")
        if len({i.strip() for i in listed}) != len(listed):
            raise InvalidArgument(f"rep ids must be unique: {listed!r}")
        parts = [mappings(st.just(i)) for i in listed]
        return st.tuples(*parts).map(lambda raw: Roster([Rep.from_mapping(r) for r in raw]))
    low = 1 if min_size is None else min_size
    high = 6 if max_size is None else max_size
    if not isinstance(low, int) or not isinstance(high, int) or low < 0 or high < low:
        raise InvalidArgument(f"need 0 <= min_size <= max_size, not {low} and {high}")
    return st.lists(
        mappings(rep_ids()), min_size=low, max_size=high, unique_by=lambda r: r["id"]
    ).map(lambda raw: Roster([Rep.from_mapping(r) for r in raw]))


@st.composite
def _skewed(draw: st.DrawFn, low: int, high: int, max_weight: int) -> List[int]:
    """One or two heavy members (at least half of ``max_weight``) among light ones (1..3)."""
    n = draw(st.integers(low, high))
    heavy_count = draw(st.integers(1, min(2, n - 1)))
    heavy = st.integers(min_value=max(2, max_weight // 2), max_value=max_weight)
    light = st.integers(min_value=1, max_value=max(1, min(3, max_weight // 4)))
    drawn = draw(st.lists(heavy, min_size=heavy_count, max_size=heavy_count))
    drawn += draw(st.lists(light, min_size=n - heavy_count, max_size=n - heavy_count))
    return list(draw(st.permutations(drawn)))


#: Weight vectors that broke smooth weighted round robin's lower bound (fairness research).
KNOWN_SKEWED = ((8, 8, 8, 1, 1), (1, 5, 53, 53), (4, 30, 30, 1), (1, 1, 1, 9, 9))


def weights(
    *,
    min_size: int = 1,
    max_size: int = 8,
    max_weight: int = 60,
    shape: str = "any",
) -> SearchStrategy[List[int]]:
    """Lists of positive whole weights.

    ``shape`` is ``"uniform"`` (each weight anywhere in 1..max_weight), ``"equal"``,
    ``"skewed"`` (one or two heavy members among light ones, plus the known counterexamples
    that fit, such as 8, 8, 8, 1, 1), or ``"any"`` (all of them). Skewed weights matter:
    uniform draws rarely find the weight vectors where smooth weighted round robin falls
    a whole lead behind.

    Raises:
        InvalidArgument: sizes out of order or below 1, ``max_weight`` below 1, an unknown
            shape, or a skewed shape that cannot be skewed (one member, or max_weight 1).
    """
    for name, value in (("min_size", min_size), ("max_size", max_size), ("max_weight", max_weight)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidArgument(f"{name} must be a whole number, not {value!r}")
    if min_size < 1 or max_size < min_size:
        raise InvalidArgument(f"need 1 <= min_size <= max_size, not {min_size} and {max_size}")
    if max_weight < 1:
        raise InvalidArgument(f"max_weight must be at least 1, not {max_weight}")
    shapes = ("any", "uniform", "equal", "skewed")
    if shape not in shapes:
        raise InvalidArgument(f"shape must be one of {', '.join(shapes)}, not {shape!r}")
    if shape == "skewed" and (max_size < 2 or max_weight < 2):
        raise InvalidArgument("skewed weights need max_size >= 2 and max_weight >= 2")
    one = st.integers(min_value=1, max_value=max_weight)
    uniform = st.lists(one, min_size=min_size, max_size=max_size)
    equal = st.tuples(one, st.integers(min_size, max_size)).map(lambda p: [p[0]] * p[1])
    choices: Dict[str, SearchStrategy[List[int]]] = {"uniform": uniform, "equal": equal}
    if max_size >= 2 and max_weight >= 2:
        skewed = _skewed(max(min_size, 2), max_size, max_weight)
        known = [
            list(w) for w in KNOWN_SKEWED if min_size <= len(w) <= max_size and max(w) <= max_weight
        ]
        choices["skewed"] = st.one_of(st.sampled_from(known), skewed) if known else skewed
    if shape == "any":
        return st.one_of(list(choices.values()))
    return choices[shape]
