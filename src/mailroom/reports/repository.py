"""All SQL of reports on the main database: the report rows, and rows of all-time reports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    and_,
    case,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from mailroom.activity.types import EventType
from mailroom.db import backend
from mailroom.db.tables import (
    contact_totals,
    contacts,
    events,
    links,
    report_rows,
    reports,
    search_results,
)

CONTACT_COLUMNS = (
    "email",
    "status",
    "created",
    "unsubscribe_date",
    "resubscribe_date",
    "bounce_date",
    "complaint_date",
)
ROW_COLUMNS = tuple(c.name for c in report_rows.c if c.name != "report_id")

SENT, OPEN, CLICK = int(EventType.EM_SENDS), int(EventType.EM_OPENS), int(EventType.EM_CLICKS)
BOUNCE, OPT_OUT = int(EventType.EM_BOUNCES), int(EventType.EM_OPTOUTS)
COMPLAINT = int(EventType.EM_COMPLAINTS)


# --- the reports table ---------------------------------------------------------------------------


def insert_report(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(reports).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def get_report(conn: Connection, account_id: int, report_id: int, kind: str) -> Any:
    stmt = select(reports).where(
        reports.c.id == report_id, reports.c.account_id == account_id, reports.c.kind == kind
    )
    return conn.execute(stmt).first()


def report_by_id(conn: Connection, report_id: int) -> Any:
    return conn.execute(select(reports).where(reports.c.id == report_id)).first()


def find_reports(
    conn: Connection,
    account_id: int,
    kind: str,
    list_id: int | None,
    sort: str,
    descending: bool,
    offset: int,
    limit: int | None,
) -> tuple[list[Any], int]:
    where = and_(reports.c.account_id == account_id, reports.c.kind == kind)
    if list_id is not None:
        where = and_(where, reports.c.list_id == list_id)
    total = int(conn.scalar(select(func.count()).select_from(reports).where(where)) or 0)
    column = reports.c[sort]
    stmt = (
        select(reports)
        .where(where)
        .order_by(column.desc() if descending else column.asc(), reports.c.id)
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    return list(conn.execute(stmt).all()), total


def finish_report(conn: Connection, report_id: int, values: dict[str, Any]) -> bool:
    """Set a pending report's outcome; False when it is gone or already finished."""
    result = conn.execute(
        update(reports).where(reports.c.id == report_id, reports.c.status == 1).values(**values)
    )
    return bool(result.rowcount)


def update_report(conn: Connection, report_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(reports).where(reports.c.id == report_id).values(**values))


def delete_report(conn: Connection, report_id: int) -> None:
    """The report and the rows it stored (an activity report's or a search's matches)."""
    conn.execute(delete(report_rows).where(report_rows.c.report_id == report_id))
    conn.execute(delete(search_results).where(search_results.c.report_id == report_id))
    conn.execute(delete(reports).where(reports.c.id == report_id))


# --- contact searches: the ids each found ---------------------------------------------------------


def store_search_results(conn: Connection, report_id: int, ids: Select[tuple[int]]) -> int:
    """Replace a search's matches by the ids `ids` selects, inside the database; their count."""
    conn.execute(delete(search_results).where(search_results.c.report_id == report_id))
    source = ids.with_only_columns(literal(report_id), *ids.selected_columns)
    conn.execute(insert(search_results).from_select(["report_id", "contact_id"], source))
    # Counted, not taken from rowcount: drivers differ on it for INSERT ... SELECT.
    counted = select(func.count()).where(search_results.c.report_id == report_id)
    return int(conn.execute(counted).scalar_one())


def search_result_ids(report_id: int) -> Select[tuple[int]]:
    """The ids a search found, as a subquery for contact reads."""
    return select(search_results.c.contact_id).where(search_results.c.report_id == report_id)


def newest_event_id(conn: Connection) -> int:
    return int(conn.scalar(select(func.coalesce(func.max(events.c.id), 0))) or 0)


# --- rows computed in the main database ----------------------------------------------------------


def _count(condition: ColumnElement[bool]) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _last(condition: ColumnElement[bool]) -> Any:
    return func.max(case((condition, events.c.at_ms), else_=None)) // 1000


def _window_totals(
    account_id: int, list_id: int, start_ms: int, end_ms: int, include_machine: bool
) -> Any:
    e = events.c
    person = e.machine.is_(False)
    opens = e.type == OPEN if include_machine else and_(e.type == OPEN, person)
    clicks = e.type == CLICK if include_machine else and_(e.type == CLICK, person)
    return (
        select(
            e.contact_id.label("contact_id"),
            _count(e.type == SENT).label("sent"),
            _count(opens).label("opens"),
            _count(clicks).label("clicks"),
            _count(and_(e.type == OPEN, e.machine.is_(True))).label("machine_opens"),
            _count(and_(e.type == CLICK, e.machine.is_(True))).label("machine_clicks"),
            _count(e.type == OPT_OUT).label("unsubscribe"),
            _count(e.type == COMPLAINT).label("complains"),
            _count(e.type == BOUNCE).label("bounces"),
            _last(e.type == SENT).label("last_sent_date"),
            _last(and_(e.type == OPEN, person)).label("last_open_date"),
            _last(and_(e.type == CLICK, person)).label("last_click_date"),
        )
        .where(
            e.account_id == account_id,
            e.list_id == list_id,
            e.at_ms >= start_ms,
            e.at_ms < end_ms,
        )
        .group_by(e.contact_id)
        .subquery("totals")
    )


def compute_rows(
    conn: Connection,
    report_id: int,
    where: ColumnElement[bool],
    *,
    account_id: int,
    list_id: int,
    window_ms: tuple[int, int] | None,
    include_machine: bool,
) -> int:
    """Store the report's rows in `report_rows` with one INSERT ... SELECT; return how many.

    Without a window the counters come from `contact_totals` (kept by ingest, untouched by
    retention); with one, from the events inside it.
    """
    c = contacts.c
    if window_ms is None:
        t = contact_totals.c
        opens = t.opens + t.machine_opens if include_machine else t.opens
        clicks = t.clicks + t.machine_clicks if include_machine else t.clicks
        counters = [
            t.sends, opens, clicks, t.machine_opens, t.machine_clicks, t.optouts,
            t.complaints, t.bounces,
        ]  # fmt: skip
        values = [func.coalesce(v, 0) for v in counters] + [
            t.last_sent_ms // 1000,
            t.last_open_ms // 1000,
            t.last_click_ms // 1000,
        ]
        source = contacts.outerjoin(contact_totals, contact_totals.c.contact_id == c.id)
    else:
        totals = _window_totals(account_id, list_id, *window_ms, include_machine)
        names = (
            "sent", "opens", "clicks", "machine_opens", "machine_clicks", "unsubscribe",
            "complains", "bounces",
        )  # fmt: skip
        values = [func.coalesce(totals.c[n], 0) for n in names] + [
            totals.c.last_sent_date,
            totals.c.last_open_date,
            totals.c.last_click_date,
        ]
        source = contacts.outerjoin(totals, totals.c.contact_id == c.id)
    chosen = (
        select(
            literal(report_id),
            c.id,
            *(c[n] for n in CONTACT_COLUMNS[:2]),
            backend.json_text(c.fields),
            *(c[n] for n in CONTACT_COLUMNS[2:]),
            *values,
        )
        .select_from(source)
        .where(where)
    )
    conn.execute(delete(report_rows).where(report_rows.c.report_id == report_id))
    columns = [
        "report_id", "contact_id", "email", "status", "fields", *CONTACT_COLUMNS[2:],
        "sent", "opens", "clicks", "machine_opens", "machine_clicks", "unsubscribe",
        "complains", "bounces", "last_sent_date", "last_open_date", "last_click_date",
    ]  # fmt: skip
    conn.execute(insert(report_rows).from_select(columns, chosen))
    count = conn.scalar(
        select(func.count()).select_from(report_rows).where(report_rows.c.report_id == report_id)
    )
    return int(count or 0)


def page_rows(conn: Connection, report_id: int, offset: int, limit: int) -> list[Any]:
    stmt = (
        select(*(report_rows.c[n] for n in ROW_COLUMNS))
        .where(report_rows.c.report_id == report_id)
        .order_by(report_rows.c.contact_id)
        .offset(offset)
        .limit(limit)
    )
    return list(conn.execute(stmt).all())


def rows_after(conn: Connection, report_id: int, after_contact: int, limit: int) -> list[Any]:
    """The next `limit` rows in contact order (keyset paging for exports)."""
    stmt = (
        select(*(report_rows.c[n] for n in ROW_COLUMNS))
        .where(report_rows.c.report_id == report_id, report_rows.c.contact_id > after_contact)
        .order_by(report_rows.c.contact_id)
        .limit(limit)
    )
    return list(conn.execute(stmt).all())


def detailed_events(
    conn: Connection, report_id: int, account_id: int, window_ms: tuple[int, int], through: int
) -> Iterator[Any]:
    """Each event of the report's contacts inside the window and up to event id `through`, by
    contact then time."""
    e = events.c
    stmt = (
        select(
            report_rows.c.email,
            e.type,
            e.at_ms,
            e.mailing_id,
            links.c.url,
            e.machine,
            backend.json_text(e.details).label("details"),
        )
        .select_from(report_rows)
        .join(events, and_(e.contact_id == report_rows.c.contact_id, e.account_id == account_id))
        .outerjoin(links, links.c.id == e.link_id)
        .where(
            report_rows.c.report_id == report_id,
            e.at_ms >= window_ms[0],
            e.at_ms < window_ms[1],
            e.id <= through,
        )
        .order_by(report_rows.c.contact_id, e.at_ms, e.id)
    )
    yield from conn.execution_options(yield_per=5000).execute(stmt)
