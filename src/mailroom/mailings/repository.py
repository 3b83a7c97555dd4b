"""All SQL of the mailings domain."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, insert, select

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


def insert_mailing(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(mailings).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def mailings_of_account(conn: Connection, account_id: int) -> list[Any]:
    columns = (mailings.c.id, mailings.c.name, mailings.c.list_id, mailings.c.sent)
    stmt = select(*columns).where(mailings.c.account_id == account_id).order_by(mailings.c.id)
    return list(conn.execute(stmt).all())


def mailing_of_account(conn: Connection, account_id: int, mailing_id: int) -> Any:
    stmt = select(mailings.c.id, mailings.c.name).where(
        mailings.c.account_id == account_id, mailings.c.id == mailing_id
    )
    return conn.execute(stmt).first()
