"""The console's figures: series and funnels to draw, and the refresh that keeps them.

The per-day series reads `activity_hourly` live (a year is some 9,000 rows per list). Everything
that would otherwise count contacts or sum a mailing's totals on request is a rollup refreshed by
the `charts.refresh` job: contacts per list and status, each mailing's funnel, its opens and clicks
per hour after sending, its clicked links. The refresh folds only events stored since its last
run (ids are monotonic) into the hourly and link counters, and recounts the rest in one pass.

Events take their ids before their transaction commits, so a later id can be visible before an
earlier one. A refresh therefore folds only up to the highest id the previous refresh saw, once
`settle_ms` has passed since: ingest transactions commit within seconds, and an event is never
folded twice or skipped.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from mailroom.activity.types import EventType
from mailroom.charts import repository
from mailroom.charts.schemas import (
    DAILY_SERIES,
    FIRST_HOURS,
    DailySeries,
    Freshness,
    Funnel,
    HourlyCurve,
    LinkClicks,
    MailingSummary,
    StatusCounts,
)
from mailroom.errors import NotFound
from mailroom.jobs import queue
from mailroom.kit.clock import Clock

REFRESH_KIND = "charts.refresh"
REFRESH_EVERY_MS = 300_000  # a page view asks for a refresh when the rollups are older
SETTLE_MS = 60_000
FOLD_CHUNK = 1_000_000  # event ids per folding statement
DAY_S = 86_400
MAILING_NOT_FOUND = "Mailing not found"


def _folded(account_id: int) -> str:
    return f"charts.folded:{account_id}"


def _seen(account_id: int) -> str:
    return f"charts.seen:{account_id}"


# --- reads ----------------------------------------------------------------------------------------


def daily(conn: Connection, clock: Clock, account_id: int, days: int) -> DailySeries:
    """The last `days` UTC days (today included), one value per day and series."""
    today = clock.now_ms() // 1000 // DAY_S * DAY_S
    start = today - (days - 1) * DAY_S
    found = dict(repository.daily_sums(conn, account_id, start, today + DAY_S))
    day_list = [start + i * DAY_S for i in range(days)]
    values = {key: [found.get(d, {}).get(key, 0) for d in day_list] for key, _ in DAILY_SERIES}
    return DailySeries(day_list, values)


def status_counts(conn: Connection, account_id: int) -> dict[int, StatusCounts]:
    """Contacts per list and status as of the last refresh (lists never counted are absent)."""
    by_list: dict[int, dict[str, int]] = defaultdict(dict)
    for list_id, status, n in repository.status_counts(conn, account_id):
        by_list[list_id][status] = n
    return {list_id: StatusCounts(list_id, counts) for list_id, counts in by_list.items()}


def _summary(row: object) -> MailingSummary:
    values = row._mapping  # type: ignore[attr-defined]
    funnel = None
    if values["computed_ms"] is not None:
        funnel = Funnel(**{k: int(values[k]) for k in repository.FUNNEL})
    return MailingSummary(
        id=int(values["id"]),
        name=str(values["name"]),
        list_id=values["list_id"],
        sent_s=values["sent_s"],
        campaign_activity_id=str(values["campaign_activity_id"]),
        funnel=funnel,
    )


def latest_mailings(
    conn: Connection, account_id: int, *, limit: int, offset: int = 0
) -> tuple[list[MailingSummary], int]:
    """A page of the account's mailings, newest first, with their funnels; and how many exist."""
    rows = repository.latest_mailings(conn, account_id, limit=limit, offset=offset)
    return [_summary(r) for r in rows], repository.count_mailings(conn, account_id)


def mailing(conn: Connection, account_id: int, mailing_id: int) -> MailingSummary:
    """One of the account's mailings with its funnel, or NotFound (another account's too)."""
    row = repository.one_mailing(conn, account_id, mailing_id)
    if row is None:
        raise NotFound(MAILING_NOT_FOUND)
    return _summary(row)


def first_hours(conn: Connection, mailing_id: int) -> HourlyCurve:
    """Opens and clicks in each of the first 72 hours after sending; quiet hours are zeros."""
    found = dict(repository.curve(conn, mailing_id))
    hours = list(range(FIRST_HOURS))
    series = {name: [found.get(h, {}).get(name, 0) for h in hours] for name in repository.CURVE}
    return HourlyCurve(hours=hours, **series)


def top_links(conn: Connection, mailing_id: int, limit: int = 10) -> list[LinkClicks]:
    return [LinkClicks(*row) for row in repository.top_links(conn, mailing_id, limit)]


def freshness(conn: Connection, clock: Clock, account_id: int) -> Freshness:
    state = repository.read_state(conn, _folded(account_id))
    refreshed = state[1] if state is not None and state[1] else None
    due = refreshed is None or clock.now_ms() - refreshed >= REFRESH_EVERY_MS
    return Freshness(refreshed, due)


# --- the refresh ----------------------------------------------------------------------------------


def request_refresh(
    conn: Connection, clock: Clock, account_id: int, *, every_ms: int = REFRESH_EVERY_MS
) -> None:
    """Enqueue the account's refresh once per `every_ms`, however many pages ask for it."""
    bucket = f"{every_ms}:{clock.now_ms() // every_ms}"
    queue.enqueue(
        conn,
        clock,
        REFRESH_KIND,
        {"account_id": account_id},
        dedupe_key=f"{REFRESH_KIND}:{account_id}:{bucket}",
        max_attempts=3,
    )


def refresh(conn: Connection, clock: Clock, account_id: int, *, settle_ms: int = SETTLE_MS) -> int:
    """Bring the account's rollups up to date; return how many event ids were folded past."""
    now = clock.now_ms()
    folded, _ = repository.lock_state(conn, _folded(account_id))
    seen_id, seen_ms = repository.lock_state(conn, _seen(account_id))
    newest = repository.events_watermark(conn)
    target = folded
    if settle_ms <= 0:
        target = newest
    elif seen_ms and now - seen_ms >= settle_ms:
        target = seen_id
    if target > folded:
        for start in range(folded, target, FOLD_CHUNK):
            _fold(conn, account_id, start, min(start + FOLD_CHUNK, target))
    repository.replace_funnels(conn, account_id, repository.funnels(conn, account_id), now)
    repository.replace_status_counts(conn, account_id, repository.count_statuses(conn, account_id))
    repository.set_state(conn, _folded(account_id), max(target, folded), now)
    if target >= seen_id or not seen_ms:
        repository.set_state(conn, _seen(account_id), newest, now)
    return max(target - folded, 0)


def add_loaded(
    conn: Connection,
    clock: Clock,
    account_id: int,
    curve: Sequence[tuple[Any, ...]],
    links: Sequence[tuple[Any, ...]],
) -> None:
    """Add the first-hours and link counts a bulk loader made of the events it stored, and mark
    every stored event folded, so the next refresh folds none of them again.

    Only for an account all of whose stored events the loader counted (a new demo account):
    refolding tens of millions of events in SQL costs more than the loader's own counting.
    Rows as `repository.add_curve` and `repository.add_links` take them.
    """
    repository.add_curve(conn, curve)
    repository.add_links(conn, links)
    repository.lock_state(conn, _folded(account_id))
    repository.set_state(
        conn, _folded(account_id), repository.events_watermark(conn), clock.now_ms()
    )


def _fold(conn: Connection, account_id: int, after_id: int, upto_id: int) -> None:
    curve: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for mailing_id, hour, type_, machine, n in repository.fold_hours(
        conn, account_id, after_id, upto_id, FIRST_HOURS
    ):
        slot = (0 if type_ == EventType.EM_OPENS else 2) + (1 if machine else 0)
        curve[(mailing_id, hour)][slot] += n
    repository.add_curve(
        conn, [(m, h, account_id, *counts) for (m, h), counts in sorted(curve.items())]
    )
    clicks: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for mailing_id, link_id, machine, n in repository.fold_links(
        conn, account_id, after_id, upto_id
    ):
        clicks[(mailing_id, link_id)][1 if machine else 0] += n
    repository.add_links(
        conn, [(m, link, account_id, *counts) for (m, link), counts in sorted(clicks.items())]
    )
