"""Bucket boundaries in the caller's calendar: offsets read off `from`, weeks, months, DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from mailroom.charts.calendar import BadWindow, Window, boundaries, offset_of, utc_hours

ATHENS = timezone(timedelta(hours=3))
NEW_YORK = timezone(timedelta(hours=-5))


def ms(year: int, month: int, day: int, tz: timezone | ZoneInfo, hour: int = 0) -> int:
    return int(datetime(year, month, day, hour, tzinfo=tz).timestamp() * 1000)


def local(at_ms: int, tz: timezone) -> str:
    return datetime.fromtimestamp(at_ms / 1000, tz).strftime("%Y-%m-%d %a %H:%M")


def test_tellodys_sample_day_is_24_hours_from_athens_midnight() -> None:
    window = Window(1437426000000, 1437512399999, "hour", "day", 0)
    starts = boundaries(window)
    assert offset_of(window.from_ms) == timedelta(hours=3)
    assert len(starts) - 1 == 24
    assert local(starts[0], ATHENS) == "2015-07-21 Tue 00:00"
    assert local(starts[13], ATHENS) == "2015-07-21 Tue 13:00"


@pytest.mark.parametrize("tz", [ATHENS, NEW_YORK, UTC, timezone(timedelta(hours=14))])
def test_offset_is_read_off_a_local_midnight(tz: timezone) -> None:
    assert offset_of(ms(2026, 3, 10, tz)) == tz.utcoffset(None)


@pytest.mark.parametrize(
    ("unit", "window", "start", "end", "count"),
    [
        ("hour", "day", (2026, 1, 14), (2026, 1, 15), 24),
        ("day", "day", (2026, 1, 14), (2026, 1, 15), 1),
        ("hour", "week", (2026, 1, 11), (2026, 1, 18), 168),
        ("day", "week", (2026, 1, 11), (2026, 1, 18), 7),
        ("week", "week", (2026, 1, 11), (2026, 1, 18), 1),
        ("hour", "month", (2026, 2, 1), (2026, 3, 1), 672),
        ("day", "month", (2026, 2, 1), (2026, 3, 1), 28),
        ("day", "month", (2024, 2, 1), (2024, 3, 1), 29),
        ("week", "month", (2026, 2, 1), (2026, 3, 1), 4),  # 1 Feb 2026 is a Sunday
        ("week", "month", (2026, 3, 1), (2026, 4, 1), 5),
        ("month", "month", (2026, 2, 1), (2026, 3, 1), 1),
        ("hour", "year", (2026, 1, 1), (2027, 1, 1), 8760),
        ("day", "year", (2024, 1, 1), (2025, 1, 1), 366),
        ("week", "year", (2026, 1, 1), (2027, 1, 1), 53),
        ("month", "year", (2026, 1, 1), (2027, 1, 1), 12),
    ],
)
def test_bucket_counts(
    unit: str, window: str, start: tuple[int, int, int], end: tuple[int, int, int], count: int
) -> None:
    for tz in (ATHENS, NEW_YORK):
        w = Window(ms(*start, tz), ms(*end, tz) - 1, unit, window, 0)
        assert len(boundaries(w)) - 1 == count


def test_weeks_start_on_dow_sunday_or_monday_and_clip_to_the_window() -> None:
    march = (ms(2026, 3, 1, ATHENS), ms(2026, 4, 1, ATHENS) - 1)  # 1 March 2026: a Sunday
    sunday = [local(b, ATHENS)[:14] for b in boundaries(Window(*march, "week", "month", 0))]
    monday = [local(b, ATHENS)[:14] for b in boundaries(Window(*march, "week", "month", 1))]
    assert sunday == [
        "2026-03-01 Sun",
        "2026-03-08 Sun",
        "2026-03-15 Sun",
        "2026-03-22 Sun",
        "2026-03-29 Sun",
        "2026-04-01 Wed",
    ]
    assert monday == [
        "2026-03-01 Sun",
        "2026-03-02 Mon",
        "2026-03-09 Mon",
        "2026-03-16 Mon",
        "2026-03-23 Mon",
        "2026-03-30 Mon",
        "2026-04-01 Wed",
    ]


def test_months_are_calendar_months_in_the_callers_offset() -> None:
    year = Window(ms(2026, 1, 1, NEW_YORK), ms(2027, 1, 1, NEW_YORK) - 1, "month", "year", 0)
    starts = boundaries(year)
    assert [local(b, NEW_YORK) for b in starts[:3]] == [
        "2026-01-01 Thu 00:00",
        "2026-02-01 Sun 00:00",
        "2026-03-01 Sun 00:00",
    ]
    assert datetime.fromtimestamp(starts[1] / 1000, UTC).hour == 5  # 05:00 UTC


def test_a_dst_day_has_23_or_25_hour_buckets() -> None:
    athens = ZoneInfo("Europe/Athens")  # EET/EEST: changes on the last Sundays of March, October
    spring = Window(ms(2026, 3, 29, athens), ms(2026, 3, 30, athens) - 1, "hour", "day", 0)
    autumn = Window(ms(2026, 10, 25, athens), ms(2026, 10, 26, athens) - 1, "hour", "day", 0)
    assert len(boundaries(spring)) - 1 == 23
    assert len(boundaries(autumn)) - 1 == 25
    # A week over the change in days: boundaries keep the offset of `from` (+02:00), so days
    # after the change start at 01:00 local summer time; the last day absorbs the hour.
    week = Window(ms(2026, 3, 29, athens), ms(2026, 4, 5, athens) - 1, "day", "week", 0)
    starts = boundaries(week)
    assert len(starts) - 1 == 7
    assert starts[1] - starts[0] == 24 * 3_600_000
    assert starts[-1] - starts[-2] == 23 * 3_600_000


@pytest.mark.parametrize(
    ("window", "message"),
    [
        (Window(2, 1, "hour", "day", 0), "to is before from"),
        (Window(0, 86_400_000 * 2 - 1, "hour", "day", 0), "a day window"),
        (Window(0, 86_400_000 - 1, "minute", "day", 0), "unit must be one of"),
        (Window(0, 86_400_000 - 1, "hour", "decade", 0), "window must be one of"),
        (Window(0, 86_400_000 - 1, "week", "day", 0), "longer than window"),
        (Window(0, 7 * 86_400_000 - 1, "month", "week", 0), "longer than window"),
        (Window(0, 7 * 86_400_000 - 1, "week", "week", 7), "dow must be"),
        (Window(0, 30 * 86_400_000 - 1, "day", "month", 0), "a month window"),
    ],
)
def test_windows_that_do_not_fit_are_refused(window: Window, message: str) -> None:
    with pytest.raises(BadWindow, match=message):
        boundaries(window)


def test_more_than_ten_thousand_buckets_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from mailroom.charts import calendar

    monkeypatch.setattr(calendar, "MAX_BUCKETS", 8000)  # a year of hours is 8,760
    with pytest.raises(BadWindow, match="more than 8000 buckets"):
        boundaries(Window(ms(2026, 1, 1, ATHENS), ms(2027, 1, 1, ATHENS) - 1, "hour", "year", 0))


def test_half_hour_offsets_snap_to_the_utc_hour_where_a_bucket_starts() -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    starts = boundaries(Window(ms(2026, 1, 1, india), ms(2026, 1, 2, india) - 1, "day", "day", 0))
    assert [s % 3_600_000 for s in starts] == [1_800_000, 1_800_000]  # 18:30 UTC
    assert utc_hours(starts) == [(s // 3_600_000 + 1) * 3600 for s in starts]  # 19:00 UTC
    whole = boundaries(Window(ms(2026, 1, 1, ATHENS), ms(2026, 1, 2, ATHENS) - 1, "day", "day", 0))
    assert utc_hours(whole) == [s // 1000 for s in whole]
