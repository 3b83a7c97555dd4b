"""All SQL of the lists domain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, case, delete, func, insert, select, text, update

from mailroom.contacts import status
from mailroom.db import backend
from mailroom.db.tables import (
    LIST_HOURLY_COUNTERS,
    accounts,
    automation_events,
    contacts,
    list_fields,
    list_hourly,
    lists,
    mailings,
    reports,
    segments,
)
from mailroom.lists.schemas import ListCounts, ListQuery


def insert_list(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(lists).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def get_list(conn: Connection, account_id: int, list_id: int) -> Any:
    return conn.execute(
        select(lists).where(lists.c.id == list_id, lists.c.account_id == account_id)
    ).first()


def _filtered(account_id: int, query: ListQuery) -> Any:
    where = [lists.c.account_id == account_id]
    if query.name:
        where.append(func.lower(lists.c.name).contains(query.name.lower(), autoescape=True))
    if query.type:
        where.append(lists.c.type == query.type)
    return where


def find_lists(conn: Connection, account_id: int, query: ListQuery) -> list[Any]:
    column = lists.c[query.sort]
    stmt = (
        select(lists)
        .where(*_filtered(account_id, query))
        .order_by(column.desc() if query.descending else column.asc(), lists.c.id.asc())
        .offset(query.offset)
    )
    if query.limit is not None:
        stmt = stmt.limit(query.limit)
    return list(conn.execute(stmt).all())


def count_lists(conn: Connection, account_id: int, query: ListQuery) -> int:
    stmt = select(func.count()).select_from(lists).where(*_filtered(account_id, query))
    return int(conn.execute(stmt).scalar_one())


def list_ids_of_account(conn: Connection, account_id: int) -> list[int]:
    stmt = select(lists.c.id).where(lists.c.account_id == account_id).order_by(lists.c.id)
    return [int(i) for i in conn.execute(stmt).scalars()]


def _status_sum(name: str) -> Any:
    return func.sum(case((contacts.c.status == name, 1), else_=0))


def contact_counts(conn: Connection, list_ids: Sequence[int]) -> dict[int, ListCounts]:
    """Contacts per list and status, for many lists in one grouped query."""
    if not list_ids:
        return {}
    stmt = (
        select(
            contacts.c.list_id,
            func.count(),
            _status_sum(status.ACTIVE),
            _status_sum(status.UNSUBSCRIBED),
            _status_sum(status.BOUNCED),
            _status_sum(status.COMPLAINT),
        )
        .where(contacts.c.list_id.in_(list(list_ids)))
        .group_by(contacts.c.list_id)
    )
    return {int(r[0]): ListCounts(*(int(v or 0) for v in r[1:])) for r in conn.execute(stmt).all()}


def update_list(conn: Connection, list_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(lists).where(lists.c.id == list_id).values(**values))


def delete_list(conn: Connection, list_id: int) -> None:
    # Contacts, fields, segments, reports and automation events go with it (ON DELETE CASCADE).
    conn.execute(delete(lists).where(lists.c.id == list_id))


def default_list_id(conn: Connection, account_id: int) -> int | None:
    value = conn.execute(
        select(accounts.c.default_list_id).where(accounts.c.id == account_id)
    ).scalar_one_or_none()
    return int(value) if value is not None else None


def set_default_list(conn: Connection, account_id: int, list_id: int) -> None:
    conn.execute(
        update(accounts).where(accounts.c.id == account_id).values(default_list_id=list_id)
    )


def _count_where(conn: Connection, table: Table, list_id: int) -> int:
    stmt = select(func.count()).select_from(table).where(table.c.list_id == list_id)
    return int(conn.execute(stmt).scalar_one())


def dependants(conn: Connection, list_id: int) -> dict[str, int]:
    """How many rows of each kind refer to the list."""
    return {
        "contacts": _count_where(conn, contacts, list_id),
        "list_fields": _count_where(conn, list_fields, list_id),
        "segments": _count_where(conn, segments, list_id),
        "automation_events": _count_where(conn, automation_events, list_id),
        "reports": _count_where(conn, reports, list_id),
        "mailings_detached": _count_where(conn, mailings, list_id),
    }


LIST_HOURLY_COLUMNS = ("list_id", "hour", "account_id", *LIST_HOURLY_COUNTERS)


def add_list_hourly(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Add rows (LIST_HOURLY_COLUMNS order, keys unique and ascending) to ``list_hourly``."""
    backend.upsert_add_many(
        conn,
        list_hourly,
        LIST_HOURLY_COLUMNS,
        rows,
        keys=("list_id", "hour"),
        add=LIST_HOURLY_COUNTERS,
    )


# The counters as the tables stand: contacts by `created`, opt-outs by the current status and
# its date, lists by `created` (migration 0015b counts every account the same way).
_LIST_HOURLY_FROM_ROWS = text("""
INSERT INTO list_hourly (list_id, hour, account_id, contacts_added, contacts_blocked, lists_added)
SELECT list_id, hour, account_id, sum(added), sum(blocked), sum(made) FROM (
    SELECT list_id, created / 3600 * 3600 AS hour, account_id, 1 AS added, 0 AS blocked,
           0 AS made
    FROM contacts WHERE account_id = :account_id
    UNION ALL
    SELECT list_id,
           coalesce(CASE status WHEN 'unsubscribed' THEN unsubscribe_date
                    ELSE complaint_date END, modified) / 3600 * 3600,
           account_id, 0, 1, 0
    FROM contacts
    WHERE account_id = :account_id AND status IN ('unsubscribed', 'complaint')
    UNION ALL
    SELECT id, created / 3600 * 3600, account_id, 0, 0, 1 FROM lists
    WHERE account_id = :account_id
) AS counted
GROUP BY list_id, hour, account_id
""")


def rebuild_list_hourly(conn: Connection, account_id: int) -> None:
    conn.execute(delete(list_hourly).where(list_hourly.c.account_id == account_id))
    conn.execute(_LIST_HOURLY_FROM_ROWS, {"account_id": account_id})
