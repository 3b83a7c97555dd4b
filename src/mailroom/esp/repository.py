"""All SQL of the esp domain."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from mailroom.db.tables import sending_connections


def insert_connection(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(sending_connections).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def get_connection(conn: Connection, account_id: int, connection_id: int) -> Any:
    query = select(sending_connections).where(
        sending_connections.c.account_id == account_id,
        sending_connections.c.id == connection_id,
    )
    return conn.execute(query).first()


def connections(conn: Connection, account_id: int, *, active_only: bool) -> list[Any]:
    query = select(sending_connections).where(sending_connections.c.account_id == account_id)
    if active_only:
        query = query.where(sending_connections.c.active.is_(True))
    return list(conn.execute(query.order_by(sending_connections.c.id)))


def update_connection(conn: Connection, connection_id: int, values: dict[str, Any]) -> None:
    conn.execute(
        update(sending_connections)
        .where(sending_connections.c.id == connection_id)
        .values(**values)
    )


def delete_connection(conn: Connection, connection_id: int) -> None:
    conn.execute(delete(sending_connections).where(sending_connections.c.id == connection_id))
