"""All SQL of the lists domain."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from mailroom.db.tables import lists


def insert_list(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(lists).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def get_list(conn: Connection, account_id: int, list_id: int) -> Any:
    return conn.execute(
        select(lists).where(lists.c.id == list_id, lists.c.account_id == account_id)
    ).first()
