"""All SQL of the list-fields domain."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select

from mailroom.db.tables import list_fields


def insert_field(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(list_fields).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def fields_of_list(conn: Connection, list_id: int) -> list[Any]:
    query = (
        select(list_fields)
        .where(list_fields.c.list_id == list_id)
        .order_by(list_fields.c.position, list_fields.c.id)
    )
    return list(conn.execute(query).all())
