"""List-field values: parsing into the stored form and rendering back in the field's format."""

from __future__ import annotations

import pytest

from mailroom.fields.formats import (
    DATE_FORMATS,
    InvalidValue,
    normalise_email,
    parse_value,
    render_value,
)


def test_all_eighteen_ongage_date_formats_are_known() -> None:
    dates = ["dd/mm/yyyy", "mm/dd/yyyy", "yyyy/mm/dd", "dd-mm-yyyy", "mm-dd-yyyy", "yyyy-mm-dd"]
    expected = {d + suffix for d in dates for suffix in ("", " hh24:mi", " hh24:mi:ss")}
    assert set(DATE_FORMATS) == expected


@pytest.mark.parametrize(
    ("fmt", "text", "stored"),
    [
        ("dd/mm/yyyy", "17/03/1986", "1986-03-17"),
        ("mm/dd/yyyy", "03/17/1986", "1986-03-17"),
        ("yyyy/mm/dd", "1986/03/17", "1986-03-17"),
        ("dd-mm-yyyy", "17-03-1986", "1986-03-17"),
        ("mm-dd-yyyy", "03-17-1986", "1986-03-17"),
        ("yyyy-mm-dd", "1986-03-17", "1986-03-17"),
        ("dd/mm/yyyy hh24:mi", "17/03/1986 08:05", "1986-03-17 08:05:00"),
        ("yyyy-mm-dd hh24:mi:ss", "1986-03-17 23:59:58", "1986-03-17 23:59:58"),
    ],
)
def test_dates_parse_to_iso_and_render_back(fmt: str, text: str, stored: str) -> None:
    assert parse_value("date", fmt, text) == stored
    assert render_value("date", fmt, stored) == text


def test_a_date_only_format_also_takes_a_time() -> None:
    assert parse_value("date", "yyyy-mm-dd", " 1986-03-17 10:11 ") == "1986-03-17 10:11:00"


@pytest.mark.parametrize("value", ["17/03/1986", "1986-02-30", "soon", 19860317])
def test_dates_outside_the_format_are_rejected(value: object) -> None:
    with pytest.raises(InvalidValue):
        parse_value("date", "yyyy-mm-dd", value)


def test_render_changes_format_without_reparsing() -> None:
    assert render_value("date", "mm/dd/yyyy hh24:mi", "1986-03-17 08:05:00") == "03/17/1986 08:05"


@pytest.mark.parametrize(
    ("value", "stored"),
    [(5, 5), ("5", 5), (" 7.0 ", 7), (2.5, 2.5), ("-1e3", -1000), (3.0, 3)],
)
def test_numbers_are_stored_as_json_numbers(value: object, stored: float) -> None:
    result = parse_value("numeric", "", value)
    assert result == stored and type(result) is type(stored)


@pytest.mark.parametrize("value", ["many", True, "nan", float("inf"), [1]])
def test_non_numbers_are_rejected(value: object) -> None:
    with pytest.raises(InvalidValue):
        parse_value("numeric", "", value)


def test_strings_and_empties() -> None:
    assert parse_value("string", "", 12) == "12"
    assert parse_value("string", "", True) == "1"
    assert parse_value("string", "", "") is None
    assert parse_value("numeric", "", None) is None
    assert render_value("string", "", None) is None
    with pytest.raises(InvalidValue):
        parse_value("string", "", {"a": 1})
    with pytest.raises(InvalidValue):
        parse_value("string", "", "x" * 65_536)


def test_emails_are_normalised_and_checked() -> None:
    assert normalise_email("  John.Doe@Example.COM ") == "john.doe@example.com"
    assert parse_value("email", "", "A@B.co") == "a@b.co"
    for bad in ("no-at-sign", "a@b", "a b@c.de", 42):
        with pytest.raises(InvalidValue):
            normalise_email(bad)
