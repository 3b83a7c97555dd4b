"""`local_day`: an account's day runs from its midnight to the next, 23 to 25 hours long."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from mailroom.kit.clock import local_day


def ms(text: str, zone: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp() * 1000)


@pytest.mark.parametrize(
    ("zone", "now", "start", "hours"),
    [
        ("UTC", "2026-01-01T00:00:00", "2026-01-01T00:00:00", 24),
        ("America/New_York", "2026-01-01T23:59:59", "2026-01-01T00:00:00", 24),
        ("America/New_York", "2026-03-08T12:00:00", "2026-03-08T00:00:00", 23),
        ("America/New_York", "2026-11-01T01:30:00", "2026-11-01T00:00:00", 25),
        ("Asia/Kolkata", "2026-06-30T00:10:00", "2026-06-30T00:00:00", 24),
    ],
)
def test_local_day_runs_from_midnight_to_midnight(
    zone: str, now: str, start: str, hours: int
) -> None:
    begins, ends = local_day(ms(now, zone), ZoneInfo(zone))
    assert begins == ms(start, zone)
    assert ends - begins == hours * 3_600_000
    assert datetime.fromtimestamp(ends / 1000, ZoneInfo(zone)).time().isoformat() == "00:00:00"


def test_a_utc_instant_falls_in_the_zones_own_day() -> None:
    instant = int(datetime(2026, 1, 2, 3, 0, tzinfo=UTC).timestamp() * 1000)  # Jan 1, 22:00 NY
    begins, _ = local_day(instant, ZoneInfo("America/New_York"))
    assert begins == ms("2026-01-01T00:00:00", "America/New_York")
