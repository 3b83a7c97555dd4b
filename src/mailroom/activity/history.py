"""Read side of one contact's activity: the newest-first event log and per-campaign totals.

The log pages by keyset on ``(at_ms, id)`` descending over ``ix_events_contact_at_type``, so a page
costs the same at any depth and events stored later never shift a page already served. The
campaign summary and rates read ``contact_mailing_totals`` only, so they stay right after raw
events are pruned.

A campaign's send time is its latest send to the contact (``last_sent_ms``); a campaign whose
sends were never recorded (opens imported alone) falls back to its latest event (``last_at_ms``).
Opens and clicks count people and machines alike (Apple Mail privacy opens, link scanners): these
reports say what happened; the event log marks machine events so a caller can tell them apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Connection

from mailroom.activity import history_repository
from mailroom.activity.history_repository import event_page_query as event_page_query
from mailroom.activity.types import EventType
from mailroom.contacts import lookup

SUMMARY_CAMPAIGNS = 200


class LoggedEvent(NamedTuple):
    """One stored event as the log shows it (a tuple: pages build 100 of them per call)."""

    id: int
    type: EventType
    at_ms: int
    machine: bool
    link_id: int | None
    link_url: str | None
    details: dict[str, Any] | None
    campaign_activity_id: str | None  # None: the event names no mailing
    campaign_name: str | None


@dataclass(frozen=True)
class EventPage:
    events: list[LoggedEvent]
    more: bool  # another page follows the last event of this one


@dataclass(frozen=True)
class CampaignCounts:
    campaign_activity_id: str
    sent_ms: int
    sends: int
    opens: int
    clicks: int
    bounces: int
    optouts: int
    forwards: int


@dataclass(frozen=True)
class Rates:
    campaigns: int
    opened: int
    clicked: int

    @property
    def open_rate(self) -> float:
        return self.opened / self.campaigns if self.campaigns else 0.0

    @property
    def click_rate(self) -> float:
        return self.clicked / self.campaigns if self.campaigns else 0.0


def contact_key(conn: Connection, account_id: int, uid: str) -> int | None:
    """The internal id of the account's contact with public id `uid`, if there is one."""
    ref = lookup.by_uid(conn, account_id, [uid.lower()]).get(uid.lower())
    return ref.id if ref is not None else None


def event_page_params(
    contact_id: int, types: Sequence[EventType], limit: int, after: tuple[int, int] | None
) -> dict[str, Any]:
    """Values for `event_page_query`; one row more than `limit` tells whether a page follows."""
    values: dict[str, Any] = {
        "contact_id": contact_id,
        "types": [int(t) for t in types],
        "limit": limit + 1,
    }
    if after is not None:
        values["after_at"], values["after_id"] = after
    return values


def event_page(
    conn: Connection,
    contact_id: int,
    types: Sequence[EventType],
    *,
    limit: int,
    after: tuple[int, int] | None = None,
    with_names: bool = True,
) -> EventPage:
    """Up to `limit` of the contact's events of `types`, newest first, older than `after`."""
    rows = history_repository.select_event_page(
        conn,
        event_page_params(contact_id, types, limit, after),
        after=after is not None,
        with_names=with_names,
    )
    page = [
        LoggedEvent(
            row[0],
            EventType(row[1]),
            row[2],
            bool(row[3]),
            row[4],
            row[7],
            row[5],
            row[6],
            row[8] if with_names else None,
        )
        for row in rows[:limit]
    ]
    return EventPage(page, more=len(rows) > limit)


def campaign_counts(
    conn: Connection, contact_id: int, start_ms: int, end_ms: int
) -> list[CampaignCounts]:
    """Per-campaign totals of the most recent campaigns sent to the contact in the window."""
    return [
        CampaignCounts(
            campaign_activity_id=row.campaign_activity_id,
            sent_ms=int(row.sent_ms),
            sends=row.sends,
            opens=int(row.opens),
            clicks=int(row.clicks),
            bounces=row.bounces,
            optouts=row.optouts,
            forwards=row.forwards,
        )
        for row in history_repository.select_campaign_counts(
            conn, contact_id, start_ms, end_ms, SUMMARY_CAMPAIGNS
        )
    ]


def rates(conn: Connection, contact_id: int, start_ms: int, end_ms: int) -> Rates:
    """How many campaigns sent to the contact in the window it opened and clicked."""
    row = history_repository.select_rates(conn, contact_id, start_ms, end_ms)
    return Rates(int(row.campaigns), int(row.opened), int(row.clicked))
