"""All SQL of the messages domain."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from mailroom.db.tables import email_messages


def insert_message(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(email_messages).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def get_message(conn: Connection, account_id: int, message_id: int) -> Any:
    query = select(email_messages).where(
        email_messages.c.account_id == account_id, email_messages.c.id == message_id
    )
    return conn.execute(query).first()


def messages_by_ids(conn: Connection, account_id: int, ids: Iterable[int]) -> list[Any]:
    query = select(email_messages).where(
        email_messages.c.account_id == account_id, email_messages.c.id.in_(list(ids))
    )
    return list(conn.execute(query))


def page_messages(
    conn: Connection, account_id: int, offset: int, limit: int | None, descending: bool
) -> tuple[list[Any], int]:
    mine = email_messages.c.account_id == account_id
    order = email_messages.c.id.desc() if descending else email_messages.c.id
    rows = conn.execute(
        select(email_messages).where(mine).order_by(order).offset(offset).limit(limit)
    )
    total = conn.execute(select(func.count()).select_from(email_messages).where(mine)).scalar()
    return list(rows), int(total or 0)


def update_message(conn: Connection, message_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(email_messages).where(email_messages.c.id == message_id).values(**values))


def delete_message(conn: Connection, message_id: int) -> None:
    conn.execute(delete(email_messages).where(email_messages.c.id == message_id))
