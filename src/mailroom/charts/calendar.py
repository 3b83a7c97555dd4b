"""Buckets of a chart window in the caller's calendar, as the window's start encodes it.

A caller sends ``from`` = its own local midnight (Tellody's clients do), so the caller's UTC
offset is read off ``from``: the offset that makes ``from`` a midnight, taken in (-12 h, +14 h].
Every bucket boundary is then a calendar boundary in that fixed offset: local midnights for
days, the local midnight of weekday ``dow`` for weeks, the first of each local month for months.
Bucket 0 starts at ``from``; the last bucket ends at ``to`` + 1 ms.

Daylight saving: the offset is fixed for the whole window (a request carries no zone name).
``to`` comes from the caller's real calendar, so a day window over a DST change is 23 or 25
hours long: with ``unit: hour`` it has 23 or 25 buckets; with longer units the boundaries after
the change stay on the offset of ``from`` (one hour off the caller's wall clock) and the last
bucket absorbs the hour. Window lengths are checked with that hour of slack.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
MAX_BUCKETS = 10_000
UNITS = ("hour", "day", "week", "month")
WINDOWS = ("day", "week", "month", "year")
# The span of each name, ordered so that a unit may not be longer than its window.
_RANK = {"hour": 0, "day": 1, "week": 2, "month": 3, "year": 4}


class BadWindow(ValueError):
    """The request's window or unit does not fit; the message says why."""


@dataclass(frozen=True)
class Window:
    from_ms: int
    to_ms: int  # the last millisecond, inclusive
    unit: str
    window: str
    dow: int  # 0 = Sunday ... 6 = Saturday: the first day of a week

    @property
    def end_ms(self) -> int:
        return self.to_ms + 1


def offset_of(from_ms: int) -> timedelta:
    """The UTC offset in which ``from_ms`` is a midnight, in (-12 h, +14 h]."""
    minutes = (-(from_ms // 60_000)) % (24 * 60)
    if minutes > 14 * 60:
        minutes -= 24 * 60
    return timedelta(minutes=minutes)


def _add_months(moment: datetime, months: int) -> datetime:
    index = moment.year * 12 + moment.month - 1 + months
    return moment.replace(year=index // 12, month=index % 12 + 1, day=1)


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _expected_end(start: datetime, window: str) -> datetime:
    if window == "day":
        return start + timedelta(days=1)
    if window == "week":
        return start + timedelta(days=7)
    months = 1 if window == "month" else 12
    index = start.year * 12 + start.month - 1 + months
    year, month = index // 12, index % 12 + 1
    day = min(start.day, _days_in(year, month))
    return start.replace(year=year, month=month, day=day)


def _days_in(year: int, month: int) -> int:
    first = datetime(year, month, 1)
    following = datetime(year + (month == 12), month % 12 + 1, 1)
    return (following - first).days


def boundaries(w: Window) -> list[int]:
    """Bucket starts in ms, then the window's end: ``len(result) - 1`` buckets."""
    if w.unit not in UNITS:
        raise BadWindow(f"unit must be one of {', '.join(UNITS)}, not {w.unit!r}")
    if w.window not in WINDOWS:
        raise BadWindow(f"window must be one of {', '.join(WINDOWS)}, not {w.window!r}")
    if _RANK[w.unit] > _RANK[w.window]:
        raise BadWindow(f"unit {w.unit!r} is longer than window {w.window!r}")
    if not 0 <= w.dow <= 6:
        raise BadWindow("dow must be 0 (Sunday) to 6 (Saturday)")
    if w.to_ms < w.from_ms:
        raise BadWindow("to is before from")
    zone = timezone(offset_of(w.from_ms))
    start = datetime.fromtimestamp(w.from_ms / 1000, zone)
    expected = _ms(_expected_end(start, w.window))
    if abs(w.end_ms - expected) > HOUR_MS:
        raise BadWindow(
            f"a {w.window} window starting at from={w.from_ms} ends at to={expected - 1}"
            f" (one hour either way for daylight saving), not to={w.to_ms}"
        )
    if w.unit == "hour":
        starts = list(range(w.from_ms, w.end_ms, HOUR_MS))
    else:
        starts = [w.from_ms]
        moment = start
        while True:
            moment = _next_start(moment, w.unit, w.dow)
            at = _ms(moment)
            if at + HOUR_MS >= w.end_ms:  # within the hour a DST change adds: the last absorbs it
                break
            starts.append(at)
    if len(starts) > MAX_BUCKETS:
        raise BadWindow(f"more than {MAX_BUCKETS} buckets")
    return [*starts, w.end_ms]


def _next_start(moment: datetime, unit: str, dow: int) -> datetime:
    """The next bucket start after ``moment`` (a local midnight) for a day, week or month unit."""
    midnight = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit == "day":
        return midnight + timedelta(days=1)
    if unit == "week":
        weekday = (midnight.weekday() + 1) % 7  # Python: Monday 0; Tellody: Sunday 0
        return midnight + timedelta(days=(dow - weekday - 1) % 7 + 1)
    return _add_months(midnight, 1)


def utc_hours(starts: list[int]) -> list[int]:
    """Each boundary moved to the start of the first whole UTC hour at or after it, in seconds.

    The counters are per UTC hour: an hour belongs to the bucket in which it starts. For offsets
    of whole hours (nearly every zone) this changes nothing.
    """
    return [-(-ms // HOUR_MS) * 3600 for ms in starts]
