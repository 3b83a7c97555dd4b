"""SQL of a contact's activity reads (`history`) and of the aggregate reads (`reads`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Integer, Row, Select, bindparam, case, func, select, tuple_

from mailroom.db.tables import (
    HOURLY_COUNTERS,
    activity_hourly,
    contact_mailing_totals,
    contact_totals,
    events,
    links,
    mailings,
)

_PAGE_QUERIES: dict[tuple[bool, bool], Select[Any]] = {}


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


def select_event_page(
    conn: Connection, params: dict[str, Any], *, after: bool, with_names: bool
) -> Sequence[Any]:
    """The rows of one event page (`event_page_query` of this shape run with `params`)."""
    query = event_page_query(after=after, with_names=with_names)
    return conn.execute(query, params).all()


def _sent_ms() -> Any:
    t = contact_mailing_totals
    return func.coalesce(t.c.last_sent_ms, t.c.last_at_ms)


def select_campaign_counts(
    conn: Connection, contact_id: int, start_ms: int, end_ms: int, limit: int
) -> list[Row[Any]]:
    """Per-campaign totals of the newest `limit` campaigns sent to the contact in the window."""
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
        .limit(limit)
    )
    return list(conn.execute(query))


def select_rates(conn: Connection, contact_id: int, start_ms: int, end_ms: int) -> Row[Any]:
    """Count the contact's campaigns sent in the window, and those opened and clicked."""
    t = contact_mailing_totals
    sent = _sent_ms()
    opened = case((t.c.opens + t.c.machine_opens > 0, 1), else_=0)
    clicked = case((t.c.clicks + t.c.machine_clicks > 0, 1), else_=0)
    return conn.execute(
        select(
            func.count().label("campaigns"),
            func.coalesce(func.sum(opened), 0).label("opened"),
            func.coalesce(func.sum(clicked), 0).label("clicked"),
        ).where(t.c.contact_id == contact_id, sent >= start_ms, sent <= end_ms)
    ).one()


def select_contact_totals(conn: Connection, account_id: int, contact_id: int) -> Row[Any] | None:
    """The contact's `contact_totals` row, if it has one."""
    return conn.execute(
        select(contact_totals).where(
            contact_totals.c.contact_id == contact_id,
            contact_totals.c.account_id == account_id,
        )
    ).first()


def sum_hourly(
    conn: Connection,
    account_id: int,
    list_id: int | None,
    start_ms: int | None,
    end_ms: int | None,
) -> dict[str, int]:
    """Sum each `activity_hourly` counter over whole hours in [start, end), by counter name."""
    h = activity_hourly
    query = select(*(func.coalesce(func.sum(h.c[name]), 0) for name in HOURLY_COUNTERS)).where(
        h.c.account_id == account_id
    )
    if list_id is not None:
        query = query.where(h.c.list_id == list_id)
    if start_ms is not None:
        query = query.where(h.c.hour >= start_ms // 1000)
    if end_ms is not None:
        query = query.where(h.c.hour < end_ms // 1000)
    return dict(zip(HOURLY_COUNTERS, (int(v) for v in conn.execute(query).one()), strict=True))
