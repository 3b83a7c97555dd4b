"""The contacts chart: contacts and lists added, opt-outs and contacts sent to, per bucket.

Counts come from the counters kept on write (``account_hourly``, ``served_hourly``). A window
that ended before the current UTC hour is closed: its answer is kept per process and reused
until the events' watermark (the highest event id) moves, since only a late event can change a
closed period (contacts and lists are counted when created).
"""

from __future__ import annotations

import threading
from bisect import bisect_right
from collections import OrderedDict

from sqlalchemy import Connection

from mailroom.charts import calendar, repository
from mailroom.charts.calendar import BadWindow, Window
from mailroom.charts.schemas import ContactChart
from mailroom.errors import BadRequest
from mailroom.kit.clock import Clock

__all__ = ["ChartCache", "contact_chart", "served_counts"]


class ChartCache:
    """Answers for closed windows, keyed by account and window, tagged with the watermark."""

    def __init__(self, size: int = 512) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[int, Window], tuple[int, ContactChart]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[int, Window], watermark: int) -> ContactChart | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[0] != watermark:
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key: tuple[int, Window], watermark: int, chart: ContactChart) -> None:
        with self._lock:
            self._entries[key] = (watermark, chart)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def contact_chart(
    conn: Connection,
    clock: Clock,
    account_id: int,
    window: Window,
    cache: ChartCache | None = None,
) -> ContactChart:
    """The four series of the account's contacts chart over ``window``; BadRequest if it does
    not fit (see `charts.calendar`)."""
    try:
        starts = calendar.boundaries(window)
    except BadWindow as exc:
        raise BadRequest(str(exc)) from None
    closed = window.end_ms <= clock.now_ms() // calendar.HOUR_MS * calendar.HOUR_MS
    key = (account_id, window)
    watermark = 0
    if cache is not None and closed:
        watermark = repository.events_watermark(conn)
        found = cache.get(key, watermark)
        if found is not None:
            return found
    hours = calendar.utc_hours(starts)
    buckets = len(starts) - 1
    added, groups, blocked = ([0] * buckets for _ in range(3))
    if buckets <= repository.FEW_BUCKETS:
        for k, n_added, n_blocked, n_lists in repository.account_buckets(conn, account_id, hours):
            added[k], blocked[k], groups[k] = n_added, n_blocked, n_lists
    else:
        for hour, n_added, n_blocked, n_lists in repository.account_hours(
            conn, account_id, hours[0], hours[-1]
        ):
            k = bisect_right(hours, hour) - 1
            added[k] += n_added
            blocked[k] += n_blocked
            groups[k] += n_lists
    served = served_counts(conn, account_id, hours)
    chart = ContactChart(
        contacts_added=added,
        groups_added=groups,
        contacts_blocked=blocked,
        contacts_served=served,
    )
    if cache is not None and closed:
        cache.put(key, watermark, chart)
    return chart


def served_counts(conn: Connection, account_id: int, hours: list[int]) -> list[int]:
    """Distinct contacts sent to in each bucket [hours[k], hours[k + 1]) (UTC hour starts, s).

    A send counts its contact in its bucket when the contact's previous send is older than the
    bucket (see `activity.served`).
    """
    served = [0] * (len(hours) - 1)
    for hour, prev_hour, sends in repository.served_pairs(conn, account_id, hours[0], hours[-1]):
        k = bisect_right(hours, hour) - 1
        if prev_hour < hours[k]:
            served[k] += sends
    return served
