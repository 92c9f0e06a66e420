"""Lead schema coercion: every type, missing values, problems, and whole-lead coercion."""

from __future__ import annotations

import datetime as dt
import math
import time
from decimal import Decimal
from fractions import Fraction
from typing import Any, Dict, List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routekit.errors import LeadError, RoutekitValueError
from routekit.schema import (
    FIELD_TYPES,
    Coerced,
    Uncoercible,
    coerce,
    coerce_lead,
    describe_value,
)

UTC = dt.timezone.utc
PLUS2 = dt.timezone(dt.timedelta(hours=2))


def ok(value: Any) -> Coerced:
    return Coerced(value, None, False)


def bad(problem: str) -> Coerced:
    return Coerced(None, problem, False)


MISSING = Coerced(None, None, True)


def test_field_types() -> None:
    assert FIELD_TYPES == ("text", "number", "bool", "date", "datetime", "email", "list")


@pytest.mark.parametrize("type_name", FIELD_TYPES)
@pytest.mark.parametrize("value", [None, "", "   ", "\t\n", [], ()])
def test_missing_values(type_name: str, value: Any) -> None:
    assert coerce(value, type_name) == MISSING


@pytest.mark.parametrize("type_name", FIELD_TYPES)
def test_zero_and_false_are_values_not_missing(type_name: str) -> None:
    assert not coerce(0, type_name).missing
    assert not coerce(False, type_name).missing
    assert not coerce({}, type_name).missing


def test_unknown_type_is_a_programming_error() -> None:
    with pytest.raises(RoutekitValueError, match="unknown field type 'integer'"):
        coerce("5", "integer")
    with pytest.raises(RoutekitValueError):
        coerce(None, "integer")


# --------------------------------------------------------------------------------------------
# number


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5, ok(5)),
        (-3, ok(-3)),
        (0, ok(0)),
        (10**40, ok(10**40)),
        (2.5, ok(2.5)),
        (Decimal("2.50"), ok(Decimal("2.50"))),
        (float("inf"), ok(float("inf"))),
        (float("-inf"), ok(float("-inf"))),
        (Decimal("-Infinity"), ok(Decimal("-Infinity"))),
        ("5,000", ok(5000)),
        (" 5,000 ", ok(5000)),
        ("5000", ok(5000)),
        ("2.5", ok(Decimal("2.5"))),
        ("-3", ok(-3)),
        ("+7", ok(7)),
        ("1,234,567.25", ok(Decimal("1234567.25"))),
        ("2.0", ok(2)),
        (Fraction(1, 4), ok(0.25)),
        (True, bad("true is not a number")),
        (False, bad("false is not a number")),
        (float("nan"), bad("nan is not a number")),
        (Decimal("NaN"), bad("NaN is not a number")),
        (Decimal("sNaN"), bad("sNaN is not a number")),
        ("lots", bad("'lots' is not a number")),
        ("5k", bad("'5k' is not a number")),
        ("1e3", bad("'1e3' is not a number")),
        ("5,00", bad("'5,00' is not a number")),
        ("nan", bad("'nan' is not a number")),
        ("inf", bad("'inf' is not a number")),
        ("1" * 31, bad(f"'{'1' * 31}' is not a number")),
        ([5], bad("[5] is not a number")),
        ({"n": 5}, bad("a mapping is not a number")),
        (dt.date(2026, 1, 5), bad("2026-01-05 is not a number")),
    ],
)
def test_number(value: Any, expected: Coerced) -> None:
    got = coerce(value, "number")
    assert got == expected
    assert type(got.value) is type(expected.value)


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=-(10**29), max_value=10**29))
def test_number_text_round_trips_integers(number: int) -> None:
    assert coerce(str(number), "number") == ok(number)
    assert coerce(f"{number:,}", "number") == ok(number)
    assert coerce(f"  {number}  ", "number") == ok(number)


@settings(max_examples=50, deadline=None)
@given(
    st.decimals(
        min_value=Decimal("-1e12"),
        max_value=Decimal("1e12"),
        places=4,
        allow_nan=False,
        allow_infinity=False,
    )
)
def test_number_text_round_trips_decimals(number: Decimal) -> None:
    got = coerce(f"{number:f}", "number")
    assert got.problem is None
    assert got.value == number
    assert coerce(f"{number:,f}", "number").value == number


# --------------------------------------------------------------------------------------------
# bool


@pytest.mark.parametrize(
    "text", ["yes", "YES", " Yes ", "y", "Y", "true", "True", "TRUE", "1", "on", "ON"]
)
def test_bool_true_words(text: str) -> None:
    assert coerce(text, "bool") == ok(True)


@pytest.mark.parametrize("text", ["no", "No", "n", "N", "false", "FALSE", "0", "off", " Off "])
def test_bool_false_words(text: str) -> None:
    assert coerce(text, "bool") == ok(False)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, ok(True)),
        (False, ok(False)),
        (1, ok(True)),
        (0, ok(False)),
        (2, bad("2 is not a bool")),
        (-1, bad("-1 is not a bool")),
        (1.0, bad("1.0 is not a bool")),
        ("maybe", bad("'maybe' is not a bool")),
        ("yes please", bad("'yes please' is not a bool")),
        ("t", bad("'t' is not a bool")),
        (["yes"], bad("['yes'] is not a bool")),
        ("y" * 10_000, bad(f"{describe_value('y' * 10_000)} is not a bool")),
    ],
)
def test_bool(value: Any, expected: Coerced) -> None:
    assert coerce(value, "bool") == expected


# --------------------------------------------------------------------------------------------
# date and datetime


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.date(2026, 12, 24), ok(dt.date(2026, 12, 24))),
        ("2026-12-24", ok(dt.date(2026, 12, 24))),
        (" 2026-12-24 ", ok(dt.date(2026, 12, 24))),
        (dt.datetime(2026, 12, 24), ok(dt.date(2026, 12, 24))),
        (dt.datetime(2026, 12, 24, tzinfo=PLUS2), ok(dt.date(2026, 12, 24))),
        (
            dt.datetime(2026, 12, 24, 13, 0),
            bad("2026-12-24T13:00:00 is a date-time, not a date"),
        ),
        ("2026-02-30", bad("'2026-02-30' is not a date")),
        ("24/12/2026", bad("'24/12/2026' is not a date")),
        ("next week", bad("'next week' is not a date")),
        (20261224, bad("20261224 is not a date")),
        ("2" * 1000, bad(f"{describe_value('2' * 1000)} is not a date")),
    ],
)
def test_date(value: Any, expected: Coerced) -> None:
    got = coerce(value, "date")
    assert got == expected
    if got.value is not None:
        assert type(got.value) is dt.date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            dt.datetime(2026, 12, 24, 9, 0, tzinfo=UTC),
            ok(dt.datetime(2026, 12, 24, 9, 0, tzinfo=UTC)),
        ),
        ("2026-12-24T09:00:00Z", ok(dt.datetime(2026, 12, 24, 9, 0, tzinfo=UTC))),
        (" 2026-12-24T09:00:00+02:00 ", ok(dt.datetime(2026, 12, 24, 9, 0, tzinfo=PLUS2))),
        (
            dt.datetime(2026, 12, 24, 9, 0),
            bad("2026-12-24T09:00:00 has no time zone"),
        ),
        (
            "2026-12-24T09:00:00",
            bad("'2026-12-24T09:00:00' is not a date-time with a time zone"),
        ),
        (dt.date(2026, 12, 24), bad("2026-12-24 is not a date-time with a time zone")),
        ("soon", bad("'soon' is not a date-time with a time zone")),
        (1767225600, bad("1767225600 is not a date-time with a time zone")),
    ],
)
def test_datetime(value: Any, expected: Coerced) -> None:
    assert coerce(value, "datetime") == expected


def test_datetime_keeps_its_offset() -> None:
    got = coerce("2026-03-29T01:30:00-07:00", "datetime").value
    assert got.utcoffset() == dt.timedelta(hours=-7)
    assert got == dt.datetime(2026, 3, 29, 8, 30, tzinfo=UTC)


# --------------------------------------------------------------------------------------------
# email


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("halle@acme.example", "halle@acme.example"),
        (" Halle@ACME.Example ", "Halle@acme.example"),
        ("halle.berry+crm@Partners.Acme.co.uk", "halle.berry+crm@partners.acme.co.uk"),
        ("mailto:halle@acme.com", "halle@acme.com"),
        ("halle@acme.com.", "halle@acme.com"),
        ("halle@BÜCHER.de", "halle@bücher.de"),
        ("halle@www.acme.com", "halle@www.acme.com"),
    ],
)
def test_email_accepts(value: str, expected: str) -> None:
    assert coerce(value, "email") == ok(expected)


@pytest.mark.parametrize(
    "value",
    [
        "halle",
        "halle@",
        "@acme.com",
        "halle@@acme.com",
        "halle@acme@acme.com",
        "halle@acme",
        "halle@not a domain",
        "hal le@acme.com",
        "halle@acme.com/about",
        "halle@acme.com:25",
        "Halle <halle@acme.com>",
        "halle@1.2.3.4",
        "https://acme.com",
        "x" * 65 + "@" + "a" * 300 + ".com",
    ],
)
def test_email_refuses(value: str) -> None:
    got = coerce(value, "email")
    assert got == bad(f"{describe_value(value)} is not an e-mail address")


@pytest.mark.parametrize("value", [42, True, ["halle@acme.com"], {"email": "halle@acme.com"}])
def test_email_refuses_non_text(value: Any) -> None:
    assert coerce(value, "email").problem == f"{describe_value(value)} is not an e-mail address"


# --------------------------------------------------------------------------------------------
# text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("  Acme  ", ok("  Acme  ")),  # not stripped: comparisons ignore the space anyway
        ("VP of IT", ok("VP of IT")),
        (5000, ok("5000")),
        (2.5, ok("2.5")),
        (Decimal("2.50"), ok("2.50")),
        (True, ok("true")),
        (False, ok("false")),
        ([1, 2], bad("[1, 2] is not text")),
        ({"a": 1}, bad("a mapping is not text")),
        (dt.date(2026, 1, 5), bad("2026-01-05 is not text")),
        (b"bytes", bad("a bytes is not text")),
    ],
)
def test_text(value: Any, expected: Coerced) -> None:
    assert coerce(value, "text") == expected


def test_text_refuses_numbers_too_long_to_write() -> None:
    got = coerce(10**5000, "text")
    assert got.value is None
    assert got.problem == "a number of about 5001 digits is too long to read as text"


# --------------------------------------------------------------------------------------------
# list


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (["CRM", "Analytics"], ok(("CRM", "Analytics"))),
        (("CRM",), ok(("CRM",))),
        ([1, [2, 3], {"a": 1}], ok((1, [2, 3], {"a": 1}))),
        ("CRM, Analytics", ok(("CRM", "Analytics"))),
        (" CRM ,, Analytics , ", ok(("CRM", "Analytics"))),
        ("CRM", ok(("CRM",))),
        (" , ,", MISSING),
        ({"b", "a", "c"}, ok(("a", "b", "c"))),
        (frozenset({2, 1}), ok((1, 2))),
        ({"a", 1}, bad("a set mixes values that cannot be put in order")),
        (5, bad("5 is not a list")),
        ({"a": 1}, bad("a mapping is not a list")),
    ],
)
def test_list(value: Any, expected: Coerced) -> None:
    assert coerce(value, "list") == expected


# --------------------------------------------------------------------------------------------
# Robustness


json_like = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**4000, max_value=10**4500)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.decimals(allow_nan=True, allow_infinity=True)
    | st.text(max_size=50)
    | st.sampled_from(["5,000", "yes", "2026-12-24", "2026-12-24T09:00:00Z", "a@b.co", ""]),
    lambda children: (
        st.lists(children, max_size=5)
        | st.tuples(children, children)
        | st.dictionaries(st.text(max_size=5), children, max_size=5)
    ),
    max_leaves=20,
)


@settings(max_examples=50, deadline=None)
@given(json_like, st.sampled_from(FIELD_TYPES))
def test_coerce_never_raises_and_is_consistent(value: Any, type_name: str) -> None:
    got = coerce(value, type_name)
    if got.missing:
        assert got.value is None and got.problem is None
    elif got.problem is not None:
        assert got.value is None
        assert 0 < len(got.problem) < 300
    else:
        assert got.value is not None
    assert len(describe_value(value)) < 200


def _deeply_nested(depth: int) -> List[Any]:
    value: List[Any] = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("type_name", FIELD_TYPES)
def test_huge_and_deep_inputs_are_fast_and_safe(type_name: str) -> None:
    huge_values: List[Any] = [
        "1" * 10_000_000,
        "a," * 5_000_000,
        " " * 10_000_000 + "x",
        "x@" + "a" * 10_000_000 + ".com",
        "(" * 10_000_000,
        10**20000,
        _deeply_nested(100_000),
        {"a": _deeply_nested(100_000)},
    ]
    started = time.perf_counter()
    for value in huge_values:
        got = coerce(value, type_name)
        assert got.missing or got.problem is None or len(got.problem) < 300
    assert time.perf_counter() - started < 5


# --------------------------------------------------------------------------------------------
# describe_value


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "null"),
        (True, "true"),
        ("lots", "'lots'"),
        ("x" * 100, repr("x" * 37 + "...")),
        (5000, "5000"),
        (10**200, "a number of about 201 digits"),
        (2.5, "2.5"),
        (float("nan"), "nan"),
        (Decimal("2.50"), "2.50"),
        (dt.date(2026, 1, 5), "2026-01-05"),
        (["a", 1], "['a', 1]"),
        ([[1]], "a list of 1 item"),
        (list(range(10)), "a list of 10 items"),
        ({"a": 1}, "a mapping"),
        (object(), "a object"),
    ],
)
def test_describe_value(value: Any, text: str) -> None:
    assert describe_value(value) == text


# --------------------------------------------------------------------------------------------
# coerce_lead


FIELDS = [
    ("employees", "number", False),
    ("trial", "bool", False),
    ("email", "email", True),
    ("Company Size", "number", False),
    ("tags", "list", False),
    ("signed_up", "date", False),
    ("title", "text", False),
]


def test_coerce_lead_reads_declared_fields_and_keeps_the_rest() -> None:
    lead: Dict[Any, Any] = {
        "employees": "5,000",
        "trial": "maybe",
        "email": " Halle@ACME.example ",
        "Company Size": 250,
        "tags": "CRM, Analytics",
        "title": "VP of IT",
        "state": "CA",
        7: "a key that is not text",
    }
    original = dict(lead)
    coerced, notes = coerce_lead(lead, FIELDS)
    assert lead == original  # the host's lead is not changed
    assert coerced == {
        "employees": 5000,
        "trial": Uncoercible("maybe", "'maybe' is not a bool"),
        "email": "Halle@acme.example",
        "Company Size": 250,
        "tags": ("CRM", "Analytics"),
        "title": "VP of IT",
        "state": "CA",
        7: "a key that is not text",
    }
    assert "signed_up" not in coerced  # an absent optional field stays absent
    assert notes == (
        "employees: '5,000' read as 5000",
        "trial: 'maybe' is not a bool, so it is unknown",
        "email: ' Halle@ACME.example ' read as 'Halle@acme.example'",
        "tags: 'CRM, Analytics' read as ['CRM', 'Analytics']",
    )


def test_uncoercible_keeps_the_raw_value_and_the_reason() -> None:
    coerced, _ = coerce_lead({"email": "a@b.co", "employees": "lots"}, FIELDS)
    value = coerced["employees"]
    assert isinstance(value, Uncoercible)
    assert value.raw == "lots"
    assert value.problem == "'lots' is not a number"
    assert repr(value) == "Uncoercible('lots', \"'lots' is not a number\")"
    with pytest.raises(AttributeError):
        value.problem = "x"  # type: ignore[misc]
    huge = Uncoercible("x" * 10_000_000, "too long")
    assert len(repr(huge)) < 100


def test_coerce_lead_leaves_missing_optional_values_as_they_were() -> None:
    coerced, notes = coerce_lead(
        {"email": "a@b.co", "employees": "  ", "trial": None, "tags": []}, FIELDS
    )
    assert coerced == {"email": "a@b.co", "employees": "  ", "trial": None, "tags": []}
    assert notes == ()


def test_coerce_lead_notes_only_real_changes() -> None:
    _, notes = coerce_lead(
        {
            "email": "a@b.co",
            "employees": 50,
            "trial": True,
            "tags": ["x"],
            "title": "CTO",
            "signed_up": dt.date(2026, 1, 5),
        },
        FIELDS,
    )
    assert notes == ()
    _, notes = coerce_lead({"email": "a@b.co", "trial": 1, "title": 42}, FIELDS)
    assert notes == ("trial: 1 read as true", "title: 42 read as '42'")


def test_required_field_missing_raises_lead_error() -> None:
    for lead in ({}, {"email": None}, {"email": "  "}):
        with pytest.raises(LeadError) as raised:
            coerce_lead(lead, FIELDS)
        assert raised.value.field == "email"
        assert str(raised.value) == "lead field 'email': is required but missing"


def test_required_field_that_cannot_be_read_raises_lead_error() -> None:
    with pytest.raises(LeadError) as raised:
        coerce_lead({"email": "not an address"}, FIELDS)
    assert raised.value.field == "email"
    assert "'not an address' is not an e-mail address" in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_coerce_lead_refuses_a_lead_that_is_not_a_mapping() -> None:
    with pytest.raises(LeadError, match="mapping"):
        coerce_lead(["email", "a@b.co"], FIELDS)  # type: ignore[arg-type]


def test_coerce_lead_with_no_fields_is_a_copy() -> None:
    lead = {"a": "5,000"}
    coerced, notes = coerce_lead(lead, [])
    assert coerced == lead and coerced is not lead
    assert notes == ()


def test_nan_in_an_optional_number_field_is_unknown() -> None:
    coerced, notes = coerce_lead({"email": "a@b.co", "employees": math.nan}, FIELDS)
    assert coerced["employees"] == Uncoercible(math.nan, "nan is not a number")
    assert notes == ("employees: nan is not a number, so it is unknown",)
