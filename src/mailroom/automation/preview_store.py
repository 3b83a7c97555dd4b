"""Each event's preview of the next days, computed by a job and kept, for pages to read.

`preview.preview` selects the contacts due on each day: seconds on a large list. The
`automation.preview` job runs it for the days from today (UTC) and stores the count per day and
the first messages due; a reader asks for a new one when the stored one is from another day or
older than `FRESH_MS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from mailroom.automation import preview, repository
from mailroom.jobs import queue
from mailroom.kit.clock import Clock

JOB = "automation.preview"
DAYS = 7
KEPT_ITEMS = 50
FRESH_MS = 900_000  # a stored preview is recomputed when older than 15 minutes


@dataclass(frozen=True)
class StoredPreview:
    first_day: str
    days: list[str]
    per_day: dict[str, int]
    total: int
    items: list[dict[str, Any]]
    computed_ms: int
    fresh: bool


def _first_day(clock: Clock) -> str:
    return datetime.fromtimestamp(clock.now_ms() // 1000, UTC).strftime("%Y-%m-%d")


def _days(first_day: str, days: int) -> list[str]:
    start = datetime.strptime(first_day, "%Y-%m-%d")
    return [(start + timedelta(days=i)).strftime("%Y-%m-%d") for i in range(days)]


def stored(conn: Connection, clock: Clock, account_id: int, event_id: int) -> StoredPreview | None:
    """The event's kept preview (None before the first), and whether it is still fresh."""
    row = repository.stored_preview(conn, account_id, event_id)
    if row is None:
        return None
    fresh = row.first_day == _first_day(clock) and clock.now_ms() - row.computed_ms < FRESH_MS
    return StoredPreview(
        first_day=row.first_day,
        days=_days(row.first_day, row.days),
        per_day={str(k): int(v) for k, v in dict(row.per_day).items()},
        total=int(row.total),
        items=list(row.items),
        computed_ms=int(row.computed_ms),
        fresh=fresh,
    )


def request(conn: Connection, clock: Clock, account_id: int, event_id: int) -> None:
    """Queue the event's preview, once per freshness period however often asked."""
    bucket = clock.now_ms() // FRESH_MS
    queue.enqueue(
        conn,
        clock,
        JOB,
        {"account_id": account_id, "event_id": event_id},
        dedupe_key=f"{JOB}:{event_id}:{bucket}",
        max_attempts=2,
    )


def compute(conn: Connection, clock: Clock, account_id: int, event_id: int) -> None:
    """Run the preview from today for `DAYS` days and keep its summary (safe to run twice)."""
    first = _first_day(clock)
    days = _days(first, DAYS)
    items = preview.preview(conn, clock, account_id, event_id, days[0], days[-1])
    per_day = dict.fromkeys(days, 0)
    for item in items:
        day = datetime.fromtimestamp(item.at_s, UTC).strftime("%Y-%m-%d")
        if day in per_day:
            per_day[day] += 1
    repository.store_preview(
        conn,
        {
            "event_id": event_id,
            "account_id": account_id,
            "first_day": first,
            "days": DAYS,
            "total": len(items),
            "per_day": per_day,
            "items": [i.as_json() for i in items[:KEPT_ITEMS]],
            "computed_ms": clock.now_ms(),
        },
    )
