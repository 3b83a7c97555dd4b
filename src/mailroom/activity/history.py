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

from sqlalchemy import Connection, Integer, Select, bindparam, case, func, select, tuple_

from mailroom.activity.types import EventType
from mailroom.contacts import lookup
from mailroom.db.tables import contact_mailing_totals, events, links, mailings

SUMMARY_CAMPAIGNS = 200
_PAGE_QUERIES: dict[tuple[bool, bool], Select[Any]] = {}


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


def event_page_query(*, after: bool, with_names: bool) -> Select[Any]:
    """The SELECT behind `event_page` with bound parameters: ``contact_id``, ``types``
    (expanding), ``limit`` and, with `after`, ``after_at`` and ``after_id``. Built once per shape.
    """
    shape = (after, with_names)
    found = _PAGE_QUERIES.get(shape)
    if found is not None:
        return found
    # The page is cut first, from the (contact_id, at_ms, id) index alone; only its rows are
    # then joined to their mailing and link, whatever the size of those tables.
    e = events
    page = (
        select(e.c.id, e.c.type, e.c.at_ms, e.c.machine, e.c.link_id, e.c.details, e.c.mailing_id)
        .where(
            e.c.contact_id == bindparam("contact_id"),
            e.c.type.in_(bindparam("types", expanding=True)),
        )
        .order_by(e.c.at_ms.desc(), e.c.id.desc())
        .limit(bindparam("limit", type_=Integer))
    )
    if after:
        page = page.where(
            tuple_(e.c.at_ms, e.c.id) < tuple_(bindparam("after_at"), bindparam("after_id"))
        )
    p = page.subquery("page")
    columns: list[Any] = [
        p.c.id,
        p.c.type,
        p.c.at_ms,
        p.c.machine,
        p.c.link_id,
        p.c.details,
        mailings.c.campaign_activity_id,
        links.c.url,
    ]
    if with_names:
        columns.append(mailings.c.name)
    query = (
        select(*columns)
        .select_from(
            p.outerjoin(mailings, mailings.c.id == p.c.mailing_id).outerjoin(
                links, links.c.id == p.c.link_id
            )
        )
        .order_by(p.c.at_ms.desc(), p.c.id.desc())
    )
    _PAGE_QUERIES[shape] = query
    return query


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
    query = event_page_query(after=after is not None, with_names=with_names)
    rows = conn.execute(query, event_page_params(contact_id, types, limit, after)).all()
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


def _sent_ms() -> Any:
    t = contact_mailing_totals
    return func.coalesce(t.c.last_sent_ms, t.c.last_at_ms)


def campaign_counts(
    conn: Connection, contact_id: int, start_ms: int, end_ms: int
) -> list[CampaignCounts]:
    """Per-campaign totals of the most recent campaigns sent to the contact in the window."""
    t = contact_mailing_totals
    sent = _sent_ms()
    query = (
        select(
            mailings.c.campaign_activity_id,
            sent.label("sent_ms"),
            t.c.sends,
            (t.c.opens + t.c.machine_opens).label("opens"),
            (t.c.clicks + t.c.machine_clicks).label("clicks"),
            t.c.bounces,
            t.c.optouts,
            t.c.forwards,
        )
        .join(mailings, mailings.c.id == t.c.mailing_id)
        .where(t.c.contact_id == contact_id, sent >= start_ms, sent <= end_ms)
        .order_by(sent.desc(), t.c.mailing_id.desc())
        .limit(SUMMARY_CAMPAIGNS)
    )
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
        for row in conn.execute(query)
    ]


def rates(conn: Connection, contact_id: int, start_ms: int, end_ms: int) -> Rates:
    """How many campaigns sent to the contact in the window it opened and clicked."""
    t = contact_mailing_totals
    sent = _sent_ms()
    opened = case((t.c.opens + t.c.machine_opens > 0, 1), else_=0)
    clicked = case((t.c.clicks + t.c.machine_clicks > 0, 1), else_=0)
    row = conn.execute(
        select(
            func.count().label("campaigns"),
            func.coalesce(func.sum(opened), 0).label("opened"),
            func.coalesce(func.sum(clicked), 0).label("clicked"),
        ).where(t.c.contact_id == contact_id, sent >= start_ms, sent <= end_ms)
    ).one()
    return Rates(int(row.campaigns), int(row.opened), int(row.clicked))
