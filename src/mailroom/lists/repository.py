"""All SQL of the lists domain."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, delete, func, insert, select, text, update

from mailroom.db import backend
from mailroom.db.tables import (
    ACCOUNT_HOURLY_COUNTERS,
    account_hourly,
    automation_events,
    contacts,
    list_fields,
    lists,
    mailings,
    reports,
    segments,
)
from mailroom.lists.schemas import ListQuery


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


def update_list(conn: Connection, list_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(lists).where(lists.c.id == list_id).values(**values))


def delete_list(conn: Connection, list_id: int) -> None:
    # Contacts, fields, segments, reports and automation events go with it (ON DELETE CASCADE).
    conn.execute(delete(lists).where(lists.c.id == list_id))


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


ACCOUNT_HOURLY_COLUMNS = ("account_id", "hour", *ACCOUNT_HOURLY_COUNTERS)


def add_account_hourly(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Add rows (ACCOUNT_HOURLY_COLUMNS order, keys unique and ascending) to ``account_hourly``."""
    backend.upsert_add_many(
        conn,
        account_hourly,
        ACCOUNT_HOURLY_COLUMNS,
        rows,
        keys=("account_id", "hour"),
        add=ACCOUNT_HOURLY_COUNTERS,
    )


# The counters as the tables stand: contacts by `created`, opt-outs by the current status and
# its date, lists by `created` (migration 0015b counts every account the same way).
_ACCOUNT_HOURLY_FROM_ROWS = text("""
INSERT INTO account_hourly (account_id, hour, contacts_added, contacts_blocked, lists_added)
SELECT account_id, hour, sum(added), sum(blocked), sum(made) FROM (
    SELECT account_id, created / 3600 * 3600 AS hour, 1 AS added, 0 AS blocked, 0 AS made
    FROM contacts WHERE account_id = :account_id
    UNION ALL
    SELECT account_id,
           coalesce(CASE status WHEN 'unsubscribed' THEN unsubscribe_date
                    ELSE complaint_date END, modified) / 3600 * 3600,
           0, 1, 0
    FROM contacts
    WHERE account_id = :account_id AND status IN ('unsubscribed', 'complaint')
    UNION ALL
    SELECT account_id, created / 3600 * 3600, 0, 0, 1 FROM lists
    WHERE account_id = :account_id
) AS counted
GROUP BY account_id, hour
""")


def rebuild_account_hourly(conn: Connection, account_id: int) -> None:
    conn.execute(delete(account_hourly).where(account_hourly.c.account_id == account_id))
    conn.execute(_ACCOUNT_HOURLY_FROM_ROWS, {"account_id": account_id})
