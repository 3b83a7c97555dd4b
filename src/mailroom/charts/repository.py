"""All SQL of the charts domain: the contacts chart's hourly counters of one account over a range
of hours, and the console's per-day series and rollups (mailing funnels, first hours, links,
contacts per list and status)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from sqlalchemy import (
    Connection,
    case,
    delete,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)

from mailroom.activity.types import EventType
from mailroom.db import backend
from mailroom.db.tables import (
    account_hourly,
    activity_hourly,
    contact_mailing_totals,
    contacts,
    events,
    links,
    list_status_counts,
    lists,
    mailing_hourly,
    mailing_links,
    mailing_stats,
    mailings,
    replica_state,
    served_hourly,
)

# Up to this many buckets, one range sum per bucket (each an ordered walk of the key, no sort);
# more, and the hours are read once and bucketed by the caller.
FEW_BUCKETS = 64

_h = account_hourly


@lru_cache(maxsize=128)
def _bucket_sums(buckets: int) -> Any:
    """One range sum per bucket, as text: built once per bucket count (SQLAlchemy would build
    and key a 53-part union on every call, which cost more than running it)."""
    part = (
        "SELECT {k}, coalesce(sum(contacts_added), 0), coalesce(sum(contacts_blocked), 0),"
        " coalesce(sum(lists_added), 0) FROM account_hourly"
        " WHERE account_id = :account_id AND hour >= :lo{k} AND hour < :hi{k}"
    )
    return text(" UNION ALL ".join(part.format(k=k) for k in range(buckets)))


def account_buckets(
    conn: Connection, account_id: int, hours: Sequence[int]
) -> list[tuple[int, int, int, int]]:
    """(bucket, contacts added, contacts blocked, lists added) per bucket [hours[k], hours[k+1])
    of UTC hours (Unix seconds), for at most `FEW_BUCKETS` buckets."""
    params: dict[str, int] = {"account_id": account_id}
    for k in range(len(hours) - 1):
        params[f"lo{k}"], params[f"hi{k}"] = hours[k], hours[k + 1]
    rows = conn.execute(_bucket_sums(len(hours) - 1), params)
    return [(int(k), int(a), int(x), int(n)) for k, a, x, n in rows]


def account_hours(conn: Connection, account_id: int, lo: int, hi: int) -> list[tuple[int, ...]]:
    """(hour, contacts added, contacts blocked, lists added) of each UTC hour in [lo, hi) that
    has counts, ascending."""
    query = (
        select(_h.c.hour, _h.c.contacts_added, _h.c.contacts_blocked, _h.c.lists_added)
        .where(_h.c.account_id == account_id, _h.c.hour >= lo, _h.c.hour < hi)
        .order_by(_h.c.hour)
    )
    return [tuple(row) for row in conn.execute(query)]


def served_pairs(conn: Connection, account_id: int, lo: int, hi: int) -> list[tuple[int, ...]]:
    """(hour, previous send's hour, sends) of the account's sends in UTC hours [lo, hi)."""
    s = served_hourly
    query = select(s.c.hour, s.c.prev_hour, s.c.sends).where(
        s.c.account_id == account_id, s.c.hour >= lo, s.c.hour < hi
    )
    return [(int(h), int(p), int(n)) for h, p, n in conn.execute(query)]


def events_watermark(conn: Connection) -> int:
    """The highest stored event id: any change to past counts comes with a new event."""
    # A bare max(id): SQLite answers it from the end of the key only without a wrapping call.
    return int(conn.scalar(select(func.max(events.c.id))) or 0)


# --- the console: per-day series and rollups ---------------------------------------------------

HOUR_MS = 3_600_000
DAY_S = 86_400
FUNNEL = (
    "sent",
    "delivered",
    "opened",
    "opened_any",
    "clicked",
    "clicked_any",
    "bounced",
    "complained",
    "opted_out",
)
CURVE = ("opens", "machine_opens", "clicks", "machine_clicks")
# Overview series -> the activity_hourly counter they sum.
DAILY_COUNTERS = {
    "sends": "em_sends",
    "opens": "em_opens",
    "machine_opens": "em_opens_machine",
    "clicks": "em_clicks",
    "bounces": "em_bounces",
    "optouts": "em_optouts",
    "complaints": "em_complaints",
}


# --- live reads -----------------------------------------------------------------------------------


def daily_sums(
    conn: Connection, account_id: int, start_s: int, end_s: int
) -> list[tuple[int, dict[str, int]]]:
    """(day start, counter sums) per UTC day in [start, end) with any activity, in day order.

    Reads each of the account's lists by its key range (list, hour): a year is 8,760 rows a list.
    """
    h = activity_hourly
    list_ids = select(lists.c.id).where(lists.c.account_id == account_id).scalar_subquery()
    day = (h.c.hour // literal_column(str(DAY_S))) * literal_column(str(DAY_S))
    query = (
        select(day.label("day"), *(func.sum(h.c[c]).label(k) for k, c in DAILY_COUNTERS.items()))
        .where(h.c.list_id.in_(list_ids), h.c.hour >= start_s, h.c.hour < end_s)
        .group_by(literal_column("day"))
        .order_by(literal_column("day"))
    )
    return [
        (int(row[0]), dict(zip(DAILY_COUNTERS, map(int, row[1:]), strict=True)))
        for row in conn.execute(query)
    ]


# --- rollup reads ---------------------------------------------------------------------------------


def status_counts(conn: Connection, account_id: int) -> list[tuple[int, str, int]]:
    """(list id, status, contacts) of the account as of the last refresh."""
    c = list_status_counts
    query = select(c.c.list_id, c.c.status, c.c.contacts).where(c.c.account_id == account_id)
    return [(int(r[0]), str(r[1]), int(r[2])) for r in conn.execute(query)]


def _summary_columns() -> list[Any]:
    return [
        mailings.c.id,
        mailings.c.name,
        mailings.c.list_id,
        mailings.c.sent.label("sent_s"),
        mailings.c.campaign_activity_id,
        mailing_stats.c.computed_ms,
        *(mailing_stats.c[name] for name in FUNNEL),
    ]


def _summaries() -> Any:
    return select(*_summary_columns()).select_from(
        mailings.outerjoin(mailing_stats, mailing_stats.c.mailing_id == mailings.c.id)
    )


def latest_mailings(conn: Connection, account_id: int, *, limit: int, offset: int) -> list[Any]:
    """The account's mailings, the most recently sent (then created) first, with their funnels."""
    query = (
        _summaries()
        .where(mailings.c.account_id == account_id)
        .order_by(func.coalesce(mailings.c.sent, mailings.c.created).desc(), mailings.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(conn.execute(query))


def count_mailings(conn: Connection, account_id: int) -> int:
    query = select(func.count()).select_from(mailings).where(mailings.c.account_id == account_id)
    return int(conn.execute(query).scalar_one())


def one_mailing(conn: Connection, account_id: int, mailing_id: int) -> Any:
    query = _summaries().where(mailings.c.account_id == account_id, mailings.c.id == mailing_id)
    return conn.execute(query).first()


def curve(conn: Connection, mailing_id: int) -> list[tuple[int, dict[str, int]]]:
    h = mailing_hourly
    query = select(h.c.hour, *(h.c[n] for n in CURVE)).where(h.c.mailing_id == mailing_id)
    return [
        (int(r[0]), dict(zip(CURVE, map(int, r[1:]), strict=True))) for r in conn.execute(query)
    ]


def top_links(conn: Connection, mailing_id: int, limit: int) -> list[tuple[str, int, int]]:
    m = mailing_links
    query = (
        select(links.c.url, m.c.clicks, m.c.machine_clicks)
        .join(links, links.c.id == m.c.link_id)
        .where(m.c.mailing_id == mailing_id)
        .order_by(m.c.clicks.desc(), m.c.machine_clicks.desc(), m.c.link_id)
        .limit(limit)
    )
    return [(str(r[0]), int(r[1]), int(r[2])) for r in conn.execute(query)]


# --- the refresh: cursors -------------------------------------------------------------------------


def lock_state(conn: Connection, name: str) -> tuple[int, int]:
    """(last_event_id, updated_ms) of a cursor row, made if missing and locked until commit, so
    two refreshes of one account never fold the same events twice."""
    backend.insert_ignore(
        conn,
        replica_state,
        [{"name": name, "last_event_id": 0, "updated_ms": 0}],
        index_elements=["name"],
    )
    row = conn.execute(
        select(replica_state.c.last_event_id, replica_state.c.updated_ms)
        .where(replica_state.c.name == name)
        .with_for_update()
    ).one()
    return int(row[0]), int(row[1])


def read_state(conn: Connection, name: str) -> tuple[int, int] | None:
    row = conn.execute(
        select(replica_state.c.last_event_id, replica_state.c.updated_ms).where(
            replica_state.c.name == name
        )
    ).first()
    return (int(row[0]), int(row[1])) if row is not None else None


def set_state(conn: Connection, name: str, last_event_id: int, updated_ms: int) -> None:
    conn.execute(
        update(replica_state)
        .where(replica_state.c.name == name)
        .values(last_event_id=last_event_id, updated_ms=updated_ms)
    )


# --- the refresh: folding new events --------------------------------------------------------------


def _new_engagement(
    account_id: int, after_id: int, upto_id: int, types: Sequence[EventType]
) -> Any:
    e = events
    return (
        e.c.id > after_id,
        e.c.id <= upto_id,
        e.c.account_id == account_id,
        e.c.type.in_([int(t) for t in types]),
        e.c.mailing_id.isnot(None),
    )


def fold_hours(
    conn: Connection, account_id: int, after_id: int, upto_id: int, hours: int
) -> list[tuple[int, int, int, bool, int]]:
    """(mailing, hour after sending, type, machine, events) of the opens and clicks with ids in
    (after, upto] that came within `hours` of their mailing's send."""
    e, m = events, mailings
    sent_ms = m.c.sent * 1000
    hour = (e.c.at_ms - sent_ms) // HOUR_MS
    query = (
        select(e.c.mailing_id, hour.label("hour"), e.c.type, e.c.machine, func.count())
        .join(m, m.c.id == e.c.mailing_id)
        .where(
            *_new_engagement(
                account_id, after_id, upto_id, (EventType.EM_OPENS, EventType.EM_CLICKS)
            ),
            m.c.sent.isnot(None),
            e.c.at_ms >= sent_ms,
            e.c.at_ms < sent_ms + hours * HOUR_MS,
        )
        .group_by(e.c.mailing_id, hour, e.c.type, e.c.machine)
    )
    return [(int(r[0]), int(r[1]), int(r[2]), bool(r[3]), int(r[4])) for r in conn.execute(query)]


def fold_links(
    conn: Connection, account_id: int, after_id: int, upto_id: int
) -> list[tuple[int, int, bool, int]]:
    """(mailing, link, machine, clicks) of the clicks with ids in (after, upto]."""
    e = events
    query = (
        select(e.c.mailing_id, e.c.link_id, e.c.machine, func.count())
        .where(
            *_new_engagement(account_id, after_id, upto_id, (EventType.EM_CLICKS,)),
            e.c.link_id.isnot(None),
        )
        .group_by(e.c.mailing_id, e.c.link_id, e.c.machine)
    )
    return [(int(r[0]), int(r[1]), bool(r[2]), int(r[3])) for r in conn.execute(query)]


def add_curve(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Add (mailing, hour, account, opens, machine_opens, clicks, machine_clicks) rows."""
    backend.upsert_add_many(
        conn,
        mailing_hourly,
        ("mailing_id", "hour", "account_id", *CURVE),
        rows,
        keys=("mailing_id", "hour"),
        add=CURVE,
    )


def add_links(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Add (mailing, link, account, clicks, machine_clicks) rows."""
    backend.upsert_add_many(
        conn,
        mailing_links,
        ("mailing_id", "link_id", "account_id", "clicks", "machine_clicks"),
        rows,
        keys=("mailing_id", "link_id"),
        add=("clicks", "machine_clicks"),
    )


# --- the refresh: recounting ----------------------------------------------------------------------


def _contacts_where(condition: Any) -> Any:
    return func.sum(case((condition, 1), else_=0))


def funnels(conn: Connection, account_id: int) -> list[tuple[int, dict[str, int]]]:
    """Per mailing of the account, its contacts at each funnel step (one pass over the totals)."""
    t = contact_mailing_totals
    sent = t.c.sends > 0
    steps = {
        "sent": _contacts_where(sent),
        "delivered": _contacts_where(sent & (t.c.bounces == 0)),
        "opened": _contacts_where(t.c.opens > 0),
        "opened_any": _contacts_where((t.c.opens > 0) | (t.c.machine_opens > 0)),
        "clicked": _contacts_where(t.c.clicks > 0),
        "clicked_any": _contacts_where((t.c.clicks > 0) | (t.c.machine_clicks > 0)),
        "bounced": _contacts_where(t.c.bounces > 0),
        "complained": _contacts_where(t.c.complaints > 0),
        "opted_out": _contacts_where(t.c.optouts > 0),
    }
    query = (
        select(t.c.mailing_id, *(v.label(k) for k, v in steps.items()))
        .where(t.c.account_id == account_id)
        .group_by(t.c.mailing_id)
    )
    return [
        (int(r.mailing_id), {k: int(r._mapping[k] or 0) for k in FUNNEL})
        for r in conn.execute(query)
    ]


def replace_funnels(
    conn: Connection, account_id: int, rows: Sequence[tuple[int, dict[str, int]]], now_ms: int
) -> None:
    """The account's funnels become `rows` (mailings without totals keep none)."""
    conn.execute(delete(mailing_stats).where(mailing_stats.c.account_id == account_id))
    known = {
        int(i)
        for i in conn.execute(select(mailings.c.id).where(mailings.c.account_id == account_id))
        .scalars()
        .all()
    }
    values = [
        {"mailing_id": mailing_id, "account_id": account_id, "computed_ms": now_ms, **counts}
        for mailing_id, counts in rows
        if mailing_id in known
    ]
    if values:
        conn.execute(insert(mailing_stats), values)


def count_statuses(conn: Connection, account_id: int) -> list[tuple[int, str, int]]:
    """(list, status, contacts) counted from the contacts table: the refresh's one full count."""
    c = contacts
    query = (
        select(c.c.list_id, c.c.status, func.count())
        .where(c.c.account_id == account_id)
        .group_by(c.c.list_id, c.c.status)
    )
    return [(int(r[0]), str(r[1]), int(r[2])) for r in conn.execute(query)]


def replace_status_counts(
    conn: Connection, account_id: int, rows: Sequence[tuple[int, str, int]]
) -> None:
    c = list_status_counts
    conn.execute(delete(c).where(c.c.account_id == account_id))
    values = [
        {"list_id": list_id, "status": status, "account_id": account_id, "contacts": n}
        for list_id, status, n in rows
    ]
    if values:
        conn.execute(insert(c), values)
