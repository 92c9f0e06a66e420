"""Reps and rosters: hours, absences, busy times, next_free, period keys, validation."""

from __future__ import annotations

import datetime as dt
import json
import pickle
from decimal import Decimal
from typing import Any, Dict, List, Optional, Tuple

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from routekit.errors import RosterError, RoutekitError, RoutekitTypeError, RoutekitValueError
from routekit.roster import (
    DaysOff,
    RecurringOff,
    Rep,
    Roster,
    TimeOff,
    WeeklyHours,
    period_key,
)

try:
    import zoneinfo
except ImportError:  # pragma: no cover - Python 3.8
    from backports import zoneinfo  # type: ignore[no-redef]

UTC = dt.timezone.utc
NY = zoneinfo.ZoneInfo("America/New_York")
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
LA = zoneinfo.ZoneInfo("America/Los_Angeles")
US = dt.timedelta(microseconds=1)


def utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def at(zone: dt.tzinfo, *args: int, fold: int = 0) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone, fold=fold)


def rep(**fields: Any) -> Rep:
    fields.setdefault("id", "r")
    return Rep.from_mapping(fields)


def roster_error(raw: Any) -> RosterError:
    with pytest.raises(RosterError) as info:
        Rep.from_mapping(raw)
    return info.value


# ---------------------------------------------------------------------------------------------
# working hours: parsing


def test_hours_text_with_several_clauses() -> None:
    hours = WeeklyHours.parse("Mon-Fri 09:00-17:00; Sat 10:00-13:00")
    assert hours.windows == (*((d, 540, 1020) for d in range(5)), (5, 600, 780))
    assert str(hours) == "Mon-Fri 09:00-17:00; Sat 10:00-13:00"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("Mon,Wed 09:00-12:00", "Mon,Wed 09:00-12:00"),
        ("mon, wed 9:00-12:00", "Mon,Wed 09:00-12:00"),
        ("Mon-Fri 09:00-12:00, 13:00-17:00", "Mon-Fri 09:00-12:00, 13:00-17:00"),
        ("Mon-Fri 09:00-12:00; Mon-Fri 13:00-17:00", "Mon-Fri 09:00-12:00, 13:00-17:00"),
        ("Monday-Friday 09:00 - 17:00", "Mon-Fri 09:00-17:00"),
        ("Mon,Tue,Wed,Thu,Fri 09:00-17:00", "Mon-Fri 09:00-17:00"),
        ("weekdays 09:00–17:00", "Mon-Fri 09:00-17:00"),
        ("weekends 10:00-14:00", "Sat-Sun 10:00-14:00"),
        ("daily 00:00-24:00", "Mon-Sun 00:00-24:00"),
        ("Fri-Mon 10:00-11:00", "Mon,Fri-Sun 10:00-11:00"),
        ("Tue 18:00-24:00", "Tue 18:00-24:00"),
        ("Fri 22:00-06:00", "Fri 22:00-06:00"),
        ("Sat 10:00-13:00\nMon 09:00-10:00", "Mon 09:00-10:00; Sat 10:00-13:00"),
    ],
)
def test_hours_text_forms(text: str, canonical: str) -> None:
    hours = WeeklyHours.parse(text)
    assert hours.to_text() == canonical
    assert WeeklyHours.parse(canonical) == hours


def test_hours_mapping_form() -> None:
    hours = WeeklyHours.parse(
        {"mon": ["09:00-17:00"], "SAT": "10:00-13:00", "Wednesday": "08:00-10:00, 11:00-12:00"}
    )
    assert hours.to_text() == ("Mon 09:00-17:00; Wed 08:00-10:00, 11:00-12:00; Sat 10:00-13:00")
    assert WeeklyHours.parse({"tue-thu": ["09:00-17:00"]}) == WeeklyHours.parse(
        "Tue-Thu 09:00-17:00"
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Mon-Fri", "'Mon-Fri' has no time window like '09:00-17:00'"),
        ("09:00-17:00", "'09:00-17:00' names no days; write e.g. 'Mon-Fri 09:00-17:00'"),
        ("Mon-Fri 9-5", "'9-5' is not a time window like '09:00-17:00'"),
        ("Mon-Fri 09:00-25:00", "25:00 is not a time of day"),
        ("Mon-Fri 09:60-17:00", "09:60 is not a time of day"),
        ("Mon 24:00-02:00", "a window cannot start at 24:00"),
        ("Mon 24:30", "is not a time window"),
        ("Munday 09:00-17:00", "'Munday' is not a day"),
        ("Mon-Tue-Wed 09:00-17:00", "is not a day or a range of days"),
        ("Mon,,Tue 09:00-17:00", "empty day"),
        ("", "no working-hours windows"),
        ({}, "no working-hours windows"),
        ({"mon": []}, "no working-hours windows"),
        ({"mon": 9}, "must be text or a list of text"),
        ({"mon": [9]}, "must be text like '09:00-17:00'"),
        ({1: "09:00-17:00"}, "day 1 must be text"),
        (42, "hours must be text like 'Mon-Fri 09:00-17:00' or a mapping"),
    ],
)
def test_hours_errors_name_rep_and_field(value: Any, message: str) -> None:
    error = roster_error({"id": "pat", "hours": value})
    assert (error.rep, error.field) == ("pat", "hours")
    assert message in str(error)


def test_hours_used_directly() -> None:
    assert WeeklyHours.parse("daily 00:00-24:00").always
    assert WeeklyHours.parse("Mon 00:00-00:00; Tue-Sun 00:00-24:00").always
    assert not WeeklyHours.parse("Mon-Fri 09:00-17:00").always
    with pytest.raises(RoutekitValueError, match="is not a day"):
        WeeklyHours.parse("Someday 09:00-17:00")
    with pytest.raises(RoutekitValueError, match="no working-hours windows"):
        WeeklyHours(())
    with pytest.raises(RoutekitValueError, match="bad working-hours window"):
        WeeklyHours(((7, 0, 60),))


def test_unknown_day_suggests() -> None:
    assert "did you mean 'tuesday'?" in str(
        roster_error({"id": "x", "hours": "Tuseday 09:00-10:00"})
    )


# ---------------------------------------------------------------------------------------------
# working hours: evaluation


def test_hours_are_half_open_in_local_time() -> None:
    r = rep(timezone="America/New_York", hours="Mon-Fri 09:00-17:00")
    monday = (2026, 11, 23)
    assert r.hours_at(at(NY, *monday, 8, 59, 59, 999999)) is not None
    assert r.hours_at(at(NY, *monday, 9, 0)) is None
    assert r.hours_at(at(NY, *monday, 16, 59, 59, 999999)) is None
    assert r.hours_at(at(NY, *monday, 17, 0)) == (
        "outside working hours — Mon 17:00 in America/New_York"
    )
    # the same instant written in UTC gives the same answer
    assert r.hours_at(utc(2026, 11, 23, 14, 0)) is None
    assert r.hours_at(utc(2026, 11, 23, 13, 59)) is not None
    assert r.hours_at(utc(2026, 11, 21, 15, 0)) == (
        "outside working hours — Sat 10:00 in America/New_York"
    )


def test_no_hours_means_always_working() -> None:
    r = rep()
    assert r.hours is None
    assert r.hours_at(utc(2026, 11, 22, 3, 0)) is None


def test_past_midnight_window_belongs_to_its_start_day() -> None:
    r = rep(hours="Fri 22:00-06:00")
    friday, saturday = (2026, 11, 20), (2026, 11, 21)
    assert r.hours_at(utc(*friday, 21, 59)) is not None
    assert r.hours_at(utc(*friday, 22, 0)) is None
    assert r.hours_at(utc(*saturday, 0, 0)) is None
    assert r.hours_at(utc(*saturday, 5, 59)) is None
    assert r.hours_at(utc(*saturday, 6, 0)) is not None
    # Saturday night is not covered: the window is Friday's
    assert r.hours_at(utc(*saturday, 23, 0)) is not None
    assert r.hours_at(utc(2026, 11, 22, 3, 0)) is not None
    # Thursday night is not covered either
    assert r.hours_at(utc(2026, 11, 20, 3, 0)) is not None


def test_sunday_night_window_wraps_into_monday() -> None:
    r = rep(hours="Sun 22:00-02:00")
    assert r.hours_at(utc(2026, 11, 22, 23, 0)) is None
    assert r.hours_at(utc(2026, 11, 23, 1, 59)) is None
    assert r.hours_at(utc(2026, 11, 23, 2, 0)) is not None


def test_window_ending_at_its_start_lasts_a_day() -> None:
    r = rep(hours="Mon 09:00-09:00")
    assert r.hours_at(utc(2026, 11, 23, 9, 0)) is None
    assert r.hours_at(utc(2026, 11, 24, 8, 59)) is None
    assert r.hours_at(utc(2026, 11, 24, 9, 0)) is not None


@pytest.mark.parametrize(
    ("zone", "start", "end", "real_hours"),
    [
        # New York: clocks go forward on 2026-03-08 and back on 2026-11-01
        ("America/New_York", utc(2026, 3, 8, 3, 0), utc(2026, 3, 8, 10, 0), 7),
        ("America/New_York", utc(2026, 11, 1, 2, 0), utc(2026, 11, 1, 11, 0), 9),
        # Berlin: forward on 2026-03-29, back on 2026-10-25
        ("Europe/Berlin", utc(2026, 3, 28, 21, 0), utc(2026, 3, 29, 4, 0), 7),
        ("Europe/Berlin", utc(2026, 10, 24, 20, 0), utc(2026, 10, 25, 5, 0), 9),
    ],
)
def test_overnight_window_on_dst_nights(
    zone: str, start: dt.datetime, end: dt.datetime, real_hours: int
) -> None:
    r = rep(timezone=zone, hours="Sat 22:00-06:00")
    assert end - start == dt.timedelta(hours=real_hours)
    assert r.hours_at(start - US) is not None
    assert r.hours_at(start) is None
    assert r.hours_at(start + (end - start) / 2) is None
    assert r.hours_at(end - US) is None
    assert r.hours_at(end) is not None
    assert r.next_free(start - dt.timedelta(hours=5)) == start


def test_window_starting_in_the_spring_gap_opens_when_the_clock_jumps() -> None:
    # 02:30 does not exist in New York on 2026-03-08: clocks go 01:59:59 EST -> 03:00 EDT
    r = rep(timezone="America/New_York", hours="Sun 02:30-04:00")
    jump = utc(2026, 3, 8, 7, 0)
    assert r.hours_at(jump - US) is not None
    assert r.hours_at(jump) is None
    assert r.next_free(utc(2026, 3, 8, 5, 0)) == jump
    # the window closes at 04:00 EDT
    assert r.hours_at(utc(2026, 3, 8, 8, 0)) is not None


def test_window_inside_the_spring_gap_never_happens_that_day() -> None:
    r = rep(timezone="America/New_York", hours="Sun 02:00-03:00")
    assert r.hours_at(utc(2026, 3, 8, 6, 59)) is not None
    assert r.hours_at(utc(2026, 3, 8, 7, 0)) is not None
    # the next Sunday it is an ordinary hour (02:00 EDT = 06:00Z)
    assert r.next_free(utc(2026, 3, 8, 5, 0)) == utc(2026, 3, 15, 6, 0)


def test_window_in_the_autumn_overlap_happens_twice() -> None:
    # 01:00-01:30 happens twice in New York on 2026-11-01 (EDT, then EST)
    r = rep(timezone="America/New_York", hours="Sun 01:00-01:30")
    assert r.hours_at(utc(2026, 11, 1, 5, 15)) is None
    assert r.hours_at(utc(2026, 11, 1, 5, 45)) is not None
    assert r.hours_at(utc(2026, 11, 1, 6, 15)) is None
    assert r.hours_at(utc(2026, 11, 1, 6, 30)) is not None
    # after the first pass ends, the next free moment is the start of the second pass
    assert r.next_free(utc(2026, 11, 1, 5, 45)) == utc(2026, 11, 1, 6, 0)


# ---------------------------------------------------------------------------------------------
# out of office


def test_date_range_includes_both_days_in_the_reps_zone() -> None:
    r = rep(timezone="America/Los_Angeles", out_of_office=[["2026-12-24", "2026-12-26"]])
    assert r.out_of_office == (DaysOff(dt.date(2026, 12, 24), dt.date(2026, 12, 26)),)
    assert r.absence_at(utc(2026, 12, 24, 7, 59)) is None  # 23:59 on the 23rd in LA
    assert r.absence_at(utc(2026, 12, 24, 8, 0)) == "out of office until 2026-12-26"
    # 2026-12-27T07:00Z is 23:00 on the 26th in Los Angeles: still out
    assert r.absence_at(utc(2026, 12, 27, 7, 0)) == "out of office until 2026-12-26"
    assert r.absence_at(utc(2026, 12, 27, 7, 59, 59, 999999)) is not None
    assert r.absence_at(utc(2026, 12, 27, 8, 0)) is None


@pytest.mark.parametrize(
    "entry",
    [
        "2026-12-24",
        ["2026-12-24", "2026-12-24"],
        {"start": "2026-12-24"},
        {"start": "2026-12-24", "end": "2026-12-24"},
        dt.date(2026, 12, 24),
        (dt.date(2026, 12, 24), dt.date(2026, 12, 24)),
    ],
)
def test_single_day_forms(entry: Any) -> None:
    r = rep(timezone="Asia/Tokyo", out_of_office=[entry])
    assert r.out_of_office == (DaysOff(dt.date(2026, 12, 24), dt.date(2026, 12, 24)),)
    assert r.absence_at(utc(2026, 12, 23, 15, 0)) == "out of office all day 2026-12-24"
    assert r.absence_at(utc(2026, 12, 23, 14, 59)) is None
    assert r.absence_at(utc(2026, 12, 24, 15, 0)) is None


def test_date_time_range_is_half_open() -> None:
    r = rep(
        timezone="America/New_York",
        out_of_office=[["2026-12-24T09:00:00-05:00", "2026-12-24T13:00:00-05:00"]],
    )
    assert isinstance(r.out_of_office[0], TimeOff)
    assert r.absence_at(utc(2026, 12, 24, 13, 59)) is None
    assert r.absence_at(utc(2026, 12, 24, 14, 0)) == (
        "out of office until 2026-12-24 13:00 America/New_York"
    )
    assert r.absence_at(utc(2026, 12, 24, 17, 59)) is not None
    assert r.absence_at(utc(2026, 12, 24, 18, 0)) is None


def test_date_time_range_mapping_and_objects() -> None:
    start, end = utc(2026, 12, 24, 14, 0), utc(2026, 12, 24, 18, 0)
    a = rep(out_of_office=[{"start": "2026-12-24T14:00:00Z", "end": "2026-12-24T18:00:00Z"}])
    b = rep(out_of_office=[(start, end)])
    assert a == b
    assert a.out_of_office == (TimeOff(start, end),)


EVERY_OTHER_FRIDAY = "DTSTART:20261106\nRRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"


def test_every_other_friday() -> None:
    r = rep(timezone="America/New_York", out_of_office=[EVERY_OTHER_FRIDAY])
    noon = dt.time(12, 0)
    for day in ("2026-11-06", "2026-11-20", "2026-12-04", "2027-01-01"):
        when = dt.datetime.combine(dt.date.fromisoformat(day), noon, tzinfo=NY)
        assert r.absence_at(when) == (
            f"out of office all day {day} (recurring: every other Friday)"
        )
    for day in ("2026-10-23", "2026-11-05", "2026-11-07", "2026-11-13", "2026-11-27"):
        when = dt.datetime.combine(dt.date.fromisoformat(day), noon, tzinfo=NY)
        assert r.absence_at(when) is None, day
    # the whole local day, not the UTC day
    assert r.absence_at(utc(2026, 11, 6, 4, 59)) is None
    assert r.absence_at(utc(2026, 11, 6, 5, 0)) is not None
    assert r.absence_at(utc(2026, 11, 7, 4, 59)) is not None
    assert r.absence_at(utc(2026, 11, 7, 5, 0)) is None


def test_every_other_friday_years_later_and_back_again() -> None:
    r = rep(out_of_office=[EVERY_OTHER_FRIDAY])
    start = dt.date(2026, 11, 6)
    for offset_weeks in (0, 1, 2, 51, 52, 260, 261, 1000, 1001, 3, 4):
        day = start + dt.timedelta(weeks=offset_weeks)
        when = dt.datetime.combine(day, dt.time(8), tzinfo=UTC)
        assert (r.absence_at(when) is not None) == (offset_weeks % 2 == 0), day


@pytest.mark.parametrize(
    "entry",
    [
        EVERY_OTHER_FRIDAY,
        "DTSTART;VALUE=DATE:20261106\r\nRRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=FR",
        {"rrule": "RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", "start": "2026-11-06"},
        {"rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", "start": dt.date(2026, 11, 6)},
        {"rrule": "FREQ=WEEKLY;INTERVAL=2", "start": "2026-11-06"},
    ],
)
def test_recurrence_forms_agree(entry: Any) -> None:
    r = rep(out_of_office=[entry])
    assert isinstance(r.out_of_office[0], RecurringOff)
    assert r.absence_at(utc(2026, 11, 20, 12)) is not None
    assert r.absence_at(utc(2026, 11, 13, 12)) is None
    assert r.absence_at(utc(2026, 12, 4, 12)) is not None


def test_recurrence_is_read_in_the_reps_zone() -> None:
    r = rep(timezone="Asia/Tokyo", out_of_office=["DTSTART:20261106\nRRULE:FREQ=WEEKLY;BYDAY=FR"])
    # Thursday 16:00 UTC is Friday 01:00 in Tokyo
    assert r.absence_at(utc(2026, 11, 12, 16, 0)) is not None
    assert r.absence_at(utc(2026, 11, 13, 16, 0)) is None


def test_recurrence_with_count_exdate_and_hours() -> None:
    counted = rep(out_of_office=["DTSTART:20261106\nRRULE:FREQ=WEEKLY;COUNT=2;BYDAY=FR"])
    assert counted.absence_at(utc(2026, 11, 13, 12)) is not None
    assert counted.absence_at(utc(2026, 11, 20, 12)) is None

    skipped = rep(out_of_office=["DTSTART:20261106\nRRULE:FREQ=WEEKLY;BYDAY=FR\nEXDATE:20261120"])
    assert skipped.absence_at(utc(2026, 11, 13, 12)) is not None
    assert skipped.absence_at(utc(2026, 11, 20, 12)) is None

    afternoons = rep(
        timezone="America/New_York",
        out_of_office=[
            {"rrule": "RRULE:FREQ=WEEKLY;BYDAY=FR", "start": "2026-11-06", "hours": "13:00-17:00"}
        ],
    )
    assert afternoons.absence_at(at(NY, 2026, 11, 13, 12, 59)) is None
    assert afternoons.absence_at(at(NY, 2026, 11, 13, 13, 0)) == (
        "out of office until 17:00 America/New_York (recurring: every Friday, 13:00-17:00)"
    )
    assert afternoons.absence_at(at(NY, 2026, 11, 13, 17, 0)) is None
    assert afternoons.next_free(at(NY, 2026, 11, 13, 14, 0)) == at(NY, 2026, 11, 13, 17, 0)


@pytest.mark.parametrize(
    ("rule", "summary"),
    [
        ("FREQ=DAILY", "every day"),
        ("FREQ=DAILY;INTERVAL=3", "every 3rd day"),
        ("FREQ=WEEKLY", "every Friday"),
        ("FREQ=WEEKLY;BYDAY=MO,WE,FR", "every Monday, Wednesday and Friday"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH", "every other Tuesday and Thursday"),
        ("FREQ=MONTHLY;BYMONTHDAY=1", "RRULE:FREQ=MONTHLY;BYMONTHDAY=1"),
    ],
)
def test_recurrence_summaries(rule: str, summary: str) -> None:
    absence = RecurringOff(rule, dt.date(2026, 11, 6))
    assert absence.summary == summary


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("RRULE:FREQ=WEEKLI;BYDAY=FR", "entry 0: not a valid RFC 5545 recurrence: invalid 'FREQ'"),
        ("DTSTART:20261106\nRRULE:FREQ=WEEKLY;BYDAY=XX", "not a valid RFC 5545 recurrence"),
        ("RRULE:FREQ=WEEKLY;BYDAY=FR", "needs a start date: a DTSTART line or a 'start' key"),
        ("DTSTART;TZID=America/New_York:20261106\nRRULE:FREQ=WEEKLY", "drop its TZID or Z"),
        ("DTSTART:20261106T090000\nRRULE:FREQ=WEEKLY", "must be a date like 20261106"),
        ("DTSTART:20261106\nDTSTART:20261107\nRRULE:FREQ=WEEKLY", "more than one DTSTART"),
        ("DTSTART:20261106\nRRULE:FREQ=HOURLY", "daily or longer"),
        ("DTSTART:20261106\nRRULE:FREQ=WEEKLY;INTERVAL=0", "INTERVAL=0 must be a whole number"),
        ("DTSTART:20261106\nRRULE:FREQ=WEEKLY;COUNT=0", "the recurrence never occurs"),
        ("DTSTART:20261106\nSUMMARY:Fridays", "is not an RFC 5545 recurrence line"),
        ("DTSTART:20261106", "has no RRULE"),
        (
            {"rrule": "DTSTART:20261106\nRRULE:FREQ=WEEKLY", "start": "2026-11-06"},
            "give the start date once",
        ),
        ({"rrule": "FREQ=WEEKLY", "start": "2026-11-06", "hours": "17:00-13:00"}, "end after"),
        ({"rrule": "FREQ=WEEKLY", "start": "soon"}, "'start' 'soon' is not an ISO date"),
        ({"rrule": "FREQ=WEEKLY", "start": "2026-11-06", "end": "2027-01-01"}, "not 'end'"),
        ({"rrule": 5}, "'rrule' must be text"),
        ("2026-13-01", "'2026-13-01' is not an ISO date"),
        (["2026-12-26", "2026-12-24"], "ends before it starts"),
        (["2026-12-24T10:00:00Z", "2026-12-24T10:00:00Z"], "ends at or before it starts"),
        (["2026-12-24", "2026-12-26T10:00:00Z"], "mixes a date and a date-time"),
        (["2026-12-24T10:00:00", "2026-12-24T12:00:00"], "is not an ISO date-time with a zone"),
        ("2026-12-24T10:00:00Z", "is a single date-time; give a range"),
        (["2026-12-24", "2026-12-25", "2026-12-26"], "must be a [start, end] pair, not 3 values"),
        ({"start": "2026-12-24", "until": "2026-12-26"}, "unknown key 'until'"),
        ({"start": "2026-12-24T10:00:00Z"}, "needs an 'end'"),
        ({"end": "2026-12-24"}, "needs a 'start'"),
        ({"start": "2026-12-24", "hours": "09:00-12:00"}, "'hours' belongs with 'rrule'"),
        (12, "must be a date, a [start, end] pair, a mapping or an RRULE text, not int"),
        ([dt.datetime(2026, 12, 24, 10), utc(2026, 12, 24, 12)], "has no time zone"),
    ],
)
def test_out_of_office_errors(entry: Any, message: str) -> None:
    error = roster_error({"id": "sam", "out_of_office": [entry]})
    assert (error.rep, error.field) == ("sam", "out_of_office")
    assert message in str(error), str(error)


def test_out_of_office_must_be_a_list() -> None:
    error = roster_error({"id": "sam", "out_of_office": "2026-12-24"})
    assert (error.rep, error.field) == ("sam", "out_of_office")
    assert "out_of_office must be a list, not str" in str(error)


def test_out_of_office_entry_index_in_message() -> None:
    error = roster_error({"id": "sam", "out_of_office": ["2026-12-24", "2026-02-30"]})
    assert "entry 1 '2026-02-30' is not an ISO date" in str(error)


# ---------------------------------------------------------------------------------------------
# busy


def test_busy_intervals_are_half_open_and_merged() -> None:
    r = rep(
        timezone="America/New_York",
        busy=[
            ["2026-11-23T14:00:00Z", "2026-11-23T15:00:00Z"],
            {"start": "2026-11-23T14:30:00Z", "end": "2026-11-23T19:30:00Z"},
            (utc(2026, 11, 24, 3, 0), utc(2026, 11, 24, 5, 30)),
        ],
    )
    assert r.busy_at(utc(2026, 11, 23, 13, 59)) is None
    assert r.busy_at(utc(2026, 11, 23, 14, 0)) == "busy until 14:30 in America/New_York"
    assert r.busy_at(utc(2026, 11, 23, 19, 29)) == "busy until 14:30 in America/New_York"
    assert r.busy_at(utc(2026, 11, 23, 19, 30)) is None
    # an interval that ends on another local day names the date
    assert r.busy_at(utc(2026, 11, 24, 3, 0)) == ("busy until 2026-11-24 00:30 in America/New_York")
    assert r.busy_at(at(NY, 2026, 11, 24, 0, 0)) == "busy until 00:30 in America/New_York"
    assert r.busy_at(utc(2026, 11, 24, 5, 29, 59)) is not None
    assert r.busy_at(utc(2026, 11, 24, 5, 30)) is None


@pytest.mark.parametrize(
    ("busy", "message"),
    [
        ("2026-11-23T14:00:00Z", "busy must be a list, not str"),
        ([["2026-11-23T14:00:00Z"]], "busy interval 0 must be a [start, end] pair"),
        (
            [{"start": "2026-11-23T14:00:00Z"}],
            "busy interval 0 must have exactly 'start' and 'end'",
        ),
        ([["2026-11-23T15:00:00Z", "2026-11-23T14:00:00Z"]], "ends at or before it starts"),
        ([["2026-11-23T14:00:00", "2026-11-23T15:00:00Z"]], "start '2026-11-23T14:00:00' is not"),
        ([["2026-11-23", "2026-11-24"]], "is not an ISO date-time with a zone"),
        ([[1, 2]], "must be an ISO date-time text, not int"),
    ],
)
def test_busy_errors(busy: Any, message: str) -> None:
    error = roster_error({"id": "kim", "busy": busy})
    assert (error.rep, error.field) == ("kim", "busy")
    assert message in str(error), str(error)


# ---------------------------------------------------------------------------------------------
# next_free


def weekday_rep(**fields: Any) -> Rep:
    return rep(timezone="America/New_York", hours="Mon-Fri 09:00-17:00", **fields)


def test_next_free_is_now_when_free() -> None:
    now = at(NY, 2026, 11, 23, 10, 0)
    assert weekday_rep().next_free(now) is now
    assert rep().next_free(utc(2026, 11, 22, 3, 0)) == utc(2026, 11, 22, 3, 0)


def test_next_free_across_the_weekend() -> None:
    r = weekday_rep()
    friday_evening = at(NY, 2026, 11, 20, 17, 30)
    result = r.next_free(friday_evening)
    assert result == at(NY, 2026, 11, 23, 9, 0)
    assert result is not None and result.tzinfo is NY
    # asked in UTC, answered in UTC
    answer = r.next_free(utc(2026, 11, 21, 12, 0))
    assert answer == utc(2026, 11, 23, 14, 0)
    assert answer is not None and answer.utcoffset() == dt.timedelta(0)


def test_next_free_across_out_of_office_and_busy() -> None:
    r = weekday_rep(
        out_of_office=[["2026-11-23", "2026-11-24"], "DTSTART:20261125\nRRULE:FREQ=WEEKLY;COUNT=1"],
        busy=[["2026-11-26T14:00:00Z", "2026-11-26T15:30:00Z"]],
    )
    assert r.next_free(at(NY, 2026, 11, 20, 16, 0)) == at(NY, 2026, 11, 20, 16, 0)
    assert r.next_free(at(NY, 2026, 11, 20, 18, 0)) == at(NY, 2026, 11, 26, 10, 30)


def test_next_free_busy_past_the_end_of_the_day() -> None:
    r = weekday_rep(busy=[["2026-11-23T21:00:00Z", "2026-11-23T23:00:00Z"]])
    assert r.next_free(at(NY, 2026, 11, 23, 16, 30)) == at(NY, 2026, 11, 24, 9, 0)


def test_next_free_gives_up_after_the_horizon() -> None:
    r = weekday_rep(out_of_office=[["2026-11-23", "2026-12-11"]])
    now = at(NY, 2026, 11, 23, 10, 0)
    assert r.next_free(now) is None
    assert r.next_free(now, horizon=dt.timedelta(days=30)) == at(NY, 2026, 12, 14, 9, 0)
    # the horizon is inclusive
    exact = at(NY, 2026, 12, 14, 9, 0) - now
    assert r.next_free(now, horizon=exact) == at(NY, 2026, 12, 14, 9, 0)
    assert r.next_free(now, horizon=exact - US) is None


def test_next_free_with_an_endless_absence_or_inactive() -> None:
    assert rep(out_of_office=[["2026-01-01", "9999-12-31"]]).next_free(utc(2026, 6, 1)) is None
    assert rep(active=False).next_free(utc(2026, 6, 1)) is None


def test_next_free_near_the_end_of_time() -> None:
    r = weekday_rep()
    assert r.next_free(dt.datetime(9999, 12, 31, 23, tzinfo=UTC)) is None


def test_next_free_when_midnight_does_not_exist() -> None:
    # Chile moves clocks from 24:00 on Saturday 2026-09-05 to 01:00 on Sunday
    r = rep(timezone="America/Santiago", out_of_office=[["2026-09-01", "2026-09-05"]])
    assert r.next_free(utc(2026, 9, 5, 12, 0)) == utc(2026, 9, 6, 4, 0)


def test_next_free_arguments() -> None:
    r = weekday_rep()
    with pytest.raises(RoutekitValueError, match="timezone-aware"):
        r.next_free(dt.datetime(2026, 11, 23, 10))
    with pytest.raises(RoutekitValueError, match="must not be negative"):
        r.next_free(utc(2026, 11, 23), horizon=dt.timedelta(days=-1))
    with pytest.raises(RoutekitTypeError, match="horizon must be a timedelta"):
        r.next_free(utc(2026, 11, 23), horizon=14)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# naive and wrong `now`


@pytest.mark.parametrize("method", ["local_time", "absence_at", "hours_at", "busy_at", "next_free"])
def test_now_must_be_aware(method: str) -> None:
    r = weekday_rep()
    with pytest.raises(RoutekitValueError) as info:
        getattr(r, method)(dt.datetime(2026, 11, 23, 10))
    assert isinstance(info.value, ValueError) and isinstance(info.value, RoutekitError)
    with pytest.raises(RoutekitTypeError):
        getattr(r, method)("2026-11-23T10:00:00Z")


def test_local_time() -> None:
    local = rep(timezone="Asia/Kathmandu").local_time(utc(2026, 11, 23, 0, 0))
    assert (local.hour, local.minute) == (5, 45)
    assert local == utc(2026, 11, 23, 0, 0)


# ---------------------------------------------------------------------------------------------
# skills


def test_skills_are_case_and_space_insensitive() -> None:
    r = rep(skills=["Healthcare", "  Public   Sector ", "ES"])
    assert r.skills == frozenset({"healthcare", "public sector", "es"})
    assert r.has_skill("HEALTHCARE")
    assert r.has_skill(" public sector")
    assert r.has_skill("Public  Sector")
    assert r.has_skill("es")
    assert not r.has_skill("fr")
    assert not r.has_skill(None)  # type: ignore[arg-type]
    assert not r.has_skill(5)  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# period keys


@pytest.mark.parametrize(
    ("now", "zone", "day", "week", "month"),
    [
        (utc(2026, 11, 22, 12, 0), "UTC", "2026-11-22", "2026-W47", "2026-11"),
        # Monday 03:00 UTC is still Sunday evening in Los Angeles
        (utc(2026, 11, 23, 3, 0), "America/Los_Angeles", "2026-11-22", "2026-W47", "2026-11"),
        (utc(2026, 11, 23, 3, 0), "UTC", "2026-11-23", "2026-W48", "2026-11"),
        # New Year's Day in UTC, New Year's Eve in New York
        (utc(2027, 1, 1, 3, 0), "America/New_York", "2026-12-31", "2026-W53", "2026-12"),
        (utc(2027, 1, 1, 3, 0), "UTC", "2027-01-01", "2026-W53", "2027-01"),
        # already Monday 2027-01-04 in Tokyo: ISO week 1 of 2027
        (utc(2027, 1, 3, 16, 0), "Asia/Tokyo", "2027-01-04", "2027-W01", "2027-01"),
        (utc(2027, 1, 3, 16, 0), "UTC", "2027-01-03", "2026-W53", "2027-01"),
        # 2024-12-30 belongs to ISO week 1 of 2025
        (utc(2024, 12, 30, 12, 0), "Europe/Berlin", "2024-12-30", "2025-W01", "2024-12"),
        (utc(2026, 10, 31, 23, 30), "Europe/Berlin", "2026-11-01", "2026-W44", "2026-11"),
    ],
)
def test_period_key(now: dt.datetime, zone: str, day: str, week: str, month: str) -> None:
    assert period_key(now, zone, "day") == day
    assert period_key(now, zone, "week") == week
    assert period_key(now, zone, "month") == month


def test_period_key_errors() -> None:
    with pytest.raises(RoutekitValueError, match="timezone-aware"):
        period_key(dt.datetime(2026, 11, 22), "UTC", "day")
    with pytest.raises(RoutekitValueError, match="unknown time zone 'Mars/Olympus'"):
        period_key(utc(2026, 11, 22), "Mars/Olympus", "day")
    with pytest.raises(RoutekitValueError, match="period must be one of"):
        period_key(utc(2026, 11, 22), "UTC", "year")
    with pytest.raises(RoutekitTypeError):
        period_key(utc(2026, 11, 22), None, "day")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# round trips and values


FULL = {
    "id": "taylor",
    "name": "Taylor Kim",
    "email": "taylor@example.com",
    "timezone": "America/Los_Angeles",
    "hours": "Mon-Fri 09:00-12:00, 13:00-17:00; Sat 10:00-13:00; Sun 22:00-02:00",
    "out_of_office": [
        ["2026-12-24", "2026-12-26"],
        "2027-01-01",
        ["2026-11-25T12:00:00-08:00", "2026-11-25T17:00:00-08:00"],
        EVERY_OTHER_FRIDAY,
        {"rrule": "RRULE:FREQ=WEEKLY;BYDAY=MO", "start": "2026-11-02", "hours": "13:00-17:00"},
    ],
    "skills": ["Healthcare", "es"],
    "capacity": 25,
    "load": Decimal("7.5"),
    "busy": [["2026-11-23T18:00:00Z", "2026-11-23T19:30:00Z"]],
    "active": True,
}


def test_round_trip_through_json() -> None:
    original = Rep.from_mapping(FULL)
    data = json.loads(json.dumps(original.to_mapping()))
    again = Rep.from_mapping(data)
    assert again == original
    assert hash(again) == hash(original)
    assert again.to_mapping() == original.to_mapping()
    assert data["load"] == 7.5
    assert data["hours"] == "Mon-Fri 09:00-12:00, 13:00-17:00; Sat 10:00-13:00; Sun 22:00-02:00"


def test_round_trip_minimal() -> None:
    r = Rep("jordan")
    assert r.to_mapping() == {
        "id": "jordan",
        "name": None,
        "email": None,
        "timezone": "UTC",
        "hours": None,
        "out_of_office": [],
        "skills": [],
        "capacity": None,
        "load": 0,
        "busy": [],
        "active": True,
    }
    assert Rep.from_mapping(r.to_mapping()) == r == Rep.from_mapping({"id": "jordan"})


def test_constructor_accepts_raw_forms() -> None:
    direct = Rep(
        "taylor",
        timezone="America/Los_Angeles",
        hours="Mon-Fri 09:00-17:00",
        out_of_office=[["2026-12-24", "2026-12-26"]],
        skills=["Healthcare"],
        capacity=25,
        load=7,
    )
    assert direct == Rep.from_mapping(
        {
            "id": "taylor",
            "timezone": "America/Los_Angeles",
            "hours": {"mon-fri": "09:00-17:00"},
            "out_of_office": [{"start": "2026-12-24", "end": "2026-12-26"}],
            "skills": ("healthcare",),
            "capacity": "25",
            "load": 7.0,
        }
    )
    assert attrs.evolve(direct, load=8).load == 8
    assert attrs.evolve(direct, load=8).hours == direct.hours


@pytest.mark.parametrize(
    ("value", "stored", "dumped"),
    [
        (25, 25, 25),
        (0, 0, 0),
        (2.5, Decimal("2.5"), 2.5),
        (3.0, 3, 3),
        (Decimal("2.50"), Decimal("2.5"), 2.5),
        (
            Decimal("0.12345678901234567890"),
            Decimal("0.12345678901234567890"),
            "0.12345678901234567890",
        ),
        ("1,000", 1000, 1000),
        (" 7.25 ", Decimal("7.25"), 7.25),
    ],
)
def test_numbers(value: Any, stored: Any, dumped: Any) -> None:
    r = rep(capacity=value, load=value)
    assert r.capacity == stored and r.load == stored
    assert r.to_mapping()["capacity"] == dumped
    assert Rep.from_mapping(r.to_mapping()) == r


def test_null_means_not_given() -> None:
    r = Rep.from_mapping({"id": "a", "name": None, "timezone": None, "skills": None, "load": None})
    assert r == Rep("a")


def test_pickle_and_hash() -> None:
    original = Rep.from_mapping(FULL)
    copy = pickle.loads(pickle.dumps(original))
    assert copy == original
    now = utc(2026, 11, 20, 20, 0)
    assert copy.absence_at(now) == original.absence_at(now) is not None
    assert copy.next_free(now) == original.next_free(now)
    assert len({original, copy}) == 1
    roster = Roster.from_items([original, {"id": "b"}])
    assert pickle.loads(pickle.dumps(roster)) == roster


# ---------------------------------------------------------------------------------------------
# validation: every error names the rep and the field


@pytest.mark.parametrize(
    ("raw", "rep_id", "field", "message"),
    [
        ({"name": "x"}, None, "id", "a rep needs an 'id'"),
        ({"id": ""}, None, "id", "id must not be empty"),
        ({"id": "   "}, None, "id", "id must not be empty"),
        ({"id": 7}, None, "id", "id must be text, not int (7)"),
        (
            {"id": "a", "skils": ["x"]},
            "a",
            "skils",
            "unknown field 'skils'; did you mean 'skills'?",
        ),
        ({"id": "a", "tz": "UTC"}, "a", "tz", "unknown field 'tz'"),
        ({"id": "a", "name": 5}, "a", "name", "name must be text, not int"),
        ({"id": "a", "email": ["x"]}, "a", "email", "email must be text, not list"),
        (
            {"id": "a", "timezone": "Mars/Olympus"},
            "a",
            "timezone",
            "unknown time zone 'Mars/Olympus'",
        ),
        (
            {"id": "a", "timezone": "america/new_york"},
            "a",
            "timezone",
            "did you mean 'America/New_York'?",
        ),
        ({"id": "a", "timezone": "Europe/Berln"}, "a", "timezone", "did you mean 'Europe/Berlin'?"),
        ({"id": "a", "timezone": "localtime"}, "a", "timezone", "is not an IANA time zone name"),
        ({"id": "a", "timezone": "../etc/passwd"}, "a", "timezone", "unknown time zone"),
        ({"id": "a", "timezone": 5}, "a", "timezone", "timezone must be text, not int"),
        ({"id": "a", "capacity": -1}, "a", "capacity", "capacity must be 0 or more, not -1"),
        ({"id": "a", "capacity": True}, "a", "capacity", "capacity must be a number, not a bool"),
        ({"id": "a", "capacity": float("nan")}, "a", "capacity", "must be a finite number"),
        ({"id": "a", "capacity": "lots"}, "a", "capacity", "capacity 'lots' is not a number"),
        ({"id": "a", "capacity": [1]}, "a", "capacity", "capacity must be a number, not list"),
        ({"id": "a", "load": Decimal("-0.5")}, "a", "load", "load must be 0 or more"),
        ({"id": "a", "load": False}, "a", "load", "load must be a number, not a bool"),
        ({"id": "a", "skills": "healthcare"}, "a", "skills", "skills must be a list, not str"),
        ({"id": "a", "skills": ["ok", 3]}, "a", "skills", "skills must be text, not int (3)"),
        ({"id": "a", "skills": ["  "]}, "a", "skills", "a skill must not be empty"),
        ({"id": "a", "active": "yes"}, "a", "active", "active must be true or false, not str"),
        ({"id": "a", "active": 1}, "a", "active", "active must be true or false, not int"),
        ({"id": "a", "hours": "Mon 9am-5pm"}, "a", "hours", "is not a time window"),
        ({"id": "a", "out_of_office": ["RRULE:FREQ=NEVER"]}, "a", "out_of_office", "RFC 5545"),
        ({"id": "a", "busy": [["x", "y"]]}, "a", "busy", "busy interval 0 start 'x'"),
    ],
)
def test_validation_errors(
    raw: Dict[str, Any], rep_id: Optional[str], field: str, message: str
) -> None:
    error = roster_error(raw)
    assert (error.rep, error.field) == (rep_id, field)
    assert message in str(error), str(error)
    assert isinstance(error, RoutekitError) and isinstance(error, ValueError)


def test_error_text_names_rep_and_field() -> None:
    error = roster_error({"id": "taylor", "timezone": "Mars/Olympus"})
    assert str(error) == (
        "roster: rep 'taylor', field 'timezone': unknown time zone 'Mars/Olympus' "
        "(use an IANA name like 'America/New_York')"
    )


def test_direct_construction_names_the_rep_too() -> None:
    with pytest.raises(RosterError) as info:
        Rep("taylor", hours="Mon-Fri")
    assert (info.value.rep, info.value.field) == ("taylor", "hours")


def test_rep_must_be_a_mapping() -> None:
    with pytest.raises(RosterError, match="a rep must be a mapping, not list"):
        Rep.from_mapping(["taylor"])  # type: ignore[arg-type]


def test_id_and_timezone_are_stripped() -> None:
    r = rep(id=" taylor ", timezone=" Europe/Berlin ")
    assert (r.id, r.timezone) == ("taylor", "Europe/Berlin")


# ---------------------------------------------------------------------------------------------
# Roster


def test_roster_basics() -> None:
    taylor = Rep("taylor", timezone="America/Los_Angeles")
    roster = Roster.from_items([taylor, {"id": "jordan"}, {"id": "sam", "active": False}])
    assert len(roster) == 3
    assert roster.ids == ("taylor", "jordan", "sam")
    assert [r.id for r in roster] == ["taylor", "jordan", "sam"]
    assert roster.get("taylor") is taylor
    assert roster.get("nobody") is None
    assert "jordan" in roster and "nobody" not in roster
    assert taylor in roster and Rep("taylor") not in roster
    assert 5 not in roster
    sam = roster.get("sam")
    assert sam is not None and not sam.active
    assert Roster(roster.reps) == roster
    assert len(Roster()) == 0


def test_roster_duplicate_ids() -> None:
    with pytest.raises(RosterError) as info:
        Roster.from_items([{"id": "a"}, {"id": "b"}, Rep("a")])
    assert (info.value.rep, info.value.field) == ("a", "id")
    assert "duplicate rep id 'a' (roster items 0 and 2)" in str(info.value)


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([{"id": "a"}, "b"], "roster item 1 must be a mapping or a Rep, not str"),
        ([{"id": "a"}, None], "roster item 1 must be a mapping or a Rep, not NoneType"),
        ([{"id": "a"}, {"name": "b"}], "roster item 1 has no 'id'"),
        (5, "the roster must be a list of reps, not int"),
        ("taylor", "the roster must be a list of reps, not str"),
        ({"taylor": {}}, "the roster must be a list of reps, not dict"),
    ],
)
def test_roster_errors(items: Any, message: str) -> None:
    with pytest.raises(RosterError) as info:
        Roster.from_items(items)
    assert message in str(info.value)


def test_roster_passes_rep_errors_through() -> None:
    with pytest.raises(RosterError) as info:
        Roster.from_items([{"id": "a"}, {"id": "b", "capacity": -2}])
    assert (info.value.rep, info.value.field) == ("b", "capacity")


# ---------------------------------------------------------------------------------------------
# properties

ZONES = [
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "America/Los_Angeles",
    "Australia/Lord_Howe",  # 30-minute DST shift
    "Asia/Kathmandu",  # +05:45
    "America/Santiago",  # DST at midnight
]
# instants near DST changes, where the interesting things happen
ANCHORS = [
    utc(2026, 3, 8, 7, 0),
    utc(2026, 11, 1, 6, 0),
    utc(2026, 3, 29, 1, 0),
    utc(2026, 10, 25, 1, 0),
    utc(2026, 4, 4, 15, 0),
    utc(2026, 10, 3, 15, 30),
    utc(2026, 9, 6, 4, 0),
    utc(2026, 4, 5, 3, 0),
    utc(2026, 7, 15, 12, 0),
]

windows_strategy = st.lists(
    st.tuples(
        st.integers(0, 6),
        st.integers(0, 47).map(lambda k: k * 30),
        st.integers(0, 48).map(lambda k: k * 30),
    ),
    min_size=1,
    max_size=5,
)
instants = st.builds(
    lambda anchor, minutes: anchor + dt.timedelta(minutes=minutes),
    st.sampled_from(ANCHORS),
    st.integers(-3 * 1440, 3 * 1440),
)


def reference_inside(windows: List[Tuple[int, int, int]], local: dt.datetime) -> bool:
    """The definition: inside a window of the local date, or in the part of the previous
    day's window that runs past midnight."""
    day, minute = local.weekday(), local.hour * 60 + local.minute
    for d, start, end in windows:
        overnight = end <= start
        if d == day and start <= minute and (overnight or minute < end):
            return True
        if overnight and d == (day - 1) % 7 and minute < end:
            return True
    return False


@settings(max_examples=50, deadline=None)
@given(windows=windows_strategy, zone=st.sampled_from(ZONES), now=instants)
def test_hours_at_matches_the_definition(
    windows: List[Tuple[int, int, int]], zone: str, now: dt.datetime
) -> None:
    r = Rep("p", timezone=zone, hours=WeeklyHours(tuple(windows)))
    local = now.astimezone(zoneinfo.ZoneInfo(zone))
    assert (r.hours_at(now) is None) == reference_inside(windows, local)


@settings(max_examples=50, deadline=None)
@given(windows=windows_strategy)
def test_hours_text_round_trip(windows: List[Tuple[int, int, int]]) -> None:
    hours = WeeklyHours(tuple(windows))
    assert WeeklyHours.parse(hours.to_text()) == hours


def free(r: Rep, when: dt.datetime) -> bool:
    return r.hours_at(when) is None and r.busy_at(when) is None and r.absence_at(when) is None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    windows=windows_strategy,
    zone=st.sampled_from(ZONES),
    now=instants,
    busy=st.lists(st.tuples(st.integers(-600, 3 * 1440), st.integers(1, 600)), max_size=4),
    days_off=st.lists(st.tuples(st.integers(-2, 3), st.integers(0, 1)), max_size=2),
    weekly=st.booleans(),
)
def test_next_free_is_the_first_free_minute(
    windows: List[Tuple[int, int, int]],
    zone: str,
    now: dt.datetime,
    busy: List[Tuple[int, int]],
    days_off: List[Tuple[int, int]],
    weekly: bool,
) -> None:
    tz = zoneinfo.ZoneInfo(zone)
    today = now.astimezone(tz).date()
    absences: List[Any] = [
        [(today + dt.timedelta(days=a)).isoformat(), (today + dt.timedelta(days=a + n)).isoformat()]
        for a, n in days_off
    ]
    if weekly:
        absences.append(
            {"rrule": "FREQ=WEEKLY;INTERVAL=2", "start": today.isoformat(), "hours": "10:00-14:00"}
        )
    r = Rep(
        "p",
        timezone=zone,
        hours=WeeklyHours(tuple(windows)),
        out_of_office=absences,
        busy=[(now + dt.timedelta(minutes=s), now + dt.timedelta(minutes=s + n)) for s, n in busy],
    )
    horizon = dt.timedelta(days=3)
    result = r.next_free(now, horizon)
    expected = None
    for minute in range(3 * 1440 + 1):
        when = now + dt.timedelta(minutes=minute)
        if free(r, when):
            expected = when
            break
    assert result == expected
    if result is not None:
        assert now <= result <= now + horizon
        assert free(r, result)
        if result > now:
            assert not free(r, result - US)


@settings(max_examples=50, deadline=None)
@given(
    now=st.datetimes(
        min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 1, 1), timezones=st.just(UTC)
    ),
    zone=st.sampled_from(ZONES),
)
def test_period_key_matches_the_local_calendar(now: dt.datetime, zone: str) -> None:
    local = now.astimezone(zoneinfo.ZoneInfo(zone))
    year, week, _ = local.isocalendar()
    assert period_key(now, zone, "day") == local.date().isoformat()
    assert period_key(now, zone, "week") == f"{year}-W{week:02d}"
    assert period_key(now, zone, "month") == local.strftime("%Y-%m")
    monday = local.date() - dt.timedelta(days=local.weekday())
    assert dt.date.fromisocalendar(year, week, 1) == monday


@settings(max_examples=30, deadline=None)
@given(
    start=st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2030, 1, 1)),
    interval=st.integers(1, 4),
    probe=st.integers(-30, 900),
)
def test_weekly_recurrence_matches_arithmetic(start: dt.date, interval: int, probe: int) -> None:
    r = Rep(
        "p",
        out_of_office=[{"rrule": f"FREQ=WEEKLY;INTERVAL={interval}", "start": start.isoformat()}],
    )
    day = start + dt.timedelta(days=probe)
    when = dt.datetime.combine(day, dt.time(12), tzinfo=UTC)
    expected = probe >= 0 and probe % (7 * interval) == 0
    assert (r.absence_at(when) is not None) == expected


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5, 30)
    | st.floats(allow_nan=True)
    | st.sampled_from(
        [
            "",
            "Mon-Fri 09:00-17:00",
            "Fri 22:00-06:00",
            "2026-12-24",
            "2026-12-24T10:00:00Z",
            "FREQ=WEEKLY",
            "DTSTART:20261106\nRRULE:FREQ=WEEKLY;BYDAY=FR",
            "UTC",
            "Europe/Berlin",
            "mon",
        ]
    )
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=50, deadline=None)
@given(fields=st.dictionaries(st.sampled_from(sorted(FULL)), json_values, max_size=6))
def test_from_mapping_raises_only_roster_errors(fields: Dict[str, Any]) -> None:
    fields["id"] = "fuzz"
    try:
        r = Rep.from_mapping(fields)
    except RosterError as error:
        assert error.rep == "fuzz" and error.field in FULL
    else:
        assert Rep.from_mapping(json.loads(json.dumps(r.to_mapping()))) == r
