"""All SQL of the mailings domain."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from mailroom.db import backend
from mailroom.db.tables import mailings


def find_ids(
    conn: Connection, account_id: int, ids: Iterable[int], activity_ids: Iterable[str]
) -> list[tuple[Any, ...]]:
    """(id, campaign_activity_id) of the account's mailings among the given ids and uuids."""
    columns = ("id", "campaign_activity_id")
    mine = {"account_id": account_id}
    return [
        *backend.fetch_in(conn, mailings, columns, ("id",), [(i,) for i in set(ids)], equals=mine),
        *backend.fetch_in(
            conn,
            mailings,
            columns,
            ("campaign_activity_id",),
            [(u,) for u in set(activity_ids)],
            equals=mine,
        ),
    ]


def taken_ids(conn: Connection, ids: Iterable[int]) -> set[int]:
    """The ids among `ids` used by any account's mailing."""
    wanted = list(set(ids))
    if not wanted:
        return set()
    return set(conn.execute(select(mailings.c.id).where(mailings.c.id.in_(wanted))).scalars())


def taken_activity_ids(conn: Connection, activity_ids: Iterable[str]) -> set[str]:
    """The campaign_activity_ids among `activity_ids` used by any account's mailing."""
    wanted = list(set(activity_ids))
    if not wanted:
        return set()
    column = mailings.c.campaign_activity_id
    return set(conn.execute(select(column).where(column.in_(wanted))).scalars())


def insert_mailing(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(mailings).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def mailings_of_account(conn: Connection, account_id: int) -> list[Any]:
    columns = (mailings.c.id, mailings.c.name, mailings.c.list_id, mailings.c.sent)
    stmt = select(*columns).where(mailings.c.account_id == account_id).order_by(mailings.c.id)
    return list(conn.execute(stmt).all())


def insert_with_ids(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Mailings with ids chosen by the caller; the id sequence moves past them."""
    if rows:
        conn.execute(insert(mailings), rows)
        backend.advance_id_sequence(conn, mailings)


def get_mailing(conn: Connection, account_id: int, mailing_id: int) -> Any:
    query = select(mailings).where(mailings.c.account_id == account_id, mailings.c.id == mailing_id)
    return conn.execute(query).first()


def page_mailings(
    conn: Connection, account_id: int, offset: int, limit: int | None, descending: bool
) -> tuple[list[Any], int]:
    mine = (mailings.c.account_id == account_id) & mailings.c.trigger_id.is_(None)
    order = mailings.c.id.desc() if descending else mailings.c.id
    rows = conn.execute(select(mailings).where(mine).order_by(order).offset(offset).limit(limit))
    total = conn.execute(select(func.count()).select_from(mailings).where(mine)).scalar()
    return list(rows), int(total or 0)


def update_mailing(conn: Connection, mailing_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(mailings).where(mailings.c.id == mailing_id).values(**values))


def set_status_where(
    conn: Connection, mailing_id: int, status: int, current: Iterable[int], now: int
) -> bool:
    """Move the mailing to `status` if it is in one of `current` (True if it moved)."""
    result = conn.execute(
        update(mailings)
        .where(mailings.c.id == mailing_id, mailings.c.status.in_(list(current)))
        .values(status=status, modified=now)
    )
    return bool(result.rowcount)


def add_counts(conn: Connection, mailing_id: int, sent: int, failed: int) -> None:
    conn.execute(
        update(mailings)
        .where(mailings.c.id == mailing_id)
        .values(
            sent_count=mailings.c.sent_count + sent, failed_count=mailings.c.failed_count + failed
        )
    )


def get_by_id(conn: Connection, mailing_id: int) -> Any:
    return conn.execute(select(mailings).where(mailings.c.id == mailing_id)).first()


def statuses_of(conn: Connection, mailing_ids: Iterable[int]) -> dict[int, int]:
    """The status of each mailing among `mailing_ids`."""
    wanted = list(set(mailing_ids))
    if not wanted:
        return {}
    query = select(mailings.c.id, mailings.c.status).where(mailings.c.id.in_(wanted))
    return {int(i): int(status) for i, status in conn.execute(query)}
