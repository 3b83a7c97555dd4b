"""All SQL of the list-fields domain (field values live in each contact's `fields` JSON)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from mailroom.db import backend
from mailroom.db.tables import contacts, list_fields, lists


def _changed(conn: Connection, list_id: int) -> None:
    """Bump the list's fields_version, so cached schemas of the list are seen to be stale."""
    conn.execute(
        update(lists).where(lists.c.id == list_id).values(fields_version=lists.c.fields_version + 1)
    )


def insert_field(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(list_fields).values(**values))
    _changed(conn, values["list_id"])
    return int(result.inserted_primary_key[0])  # type: ignore[index]


# Built once: every contact read renders through the list's fields (hot path).
_FIELDS_OF_LIST = (
    select(list_fields)
    .where(list_fields.c.list_id == bindparam("list_id"))
    .order_by(list_fields.c.position, list_fields.c.id)
)


def fields_of_list(conn: Connection, list_id: int) -> list[Any]:
    return list(conn.execute(_FIELDS_OF_LIST, {"list_id": list_id}).all())


def get_field(conn: Connection, account_id: int, field_id: int) -> Any:
    return conn.execute(
        select(list_fields).where(
            list_fields.c.id == field_id, list_fields.c.account_id == account_id
        )
    ).first()


def field_named(conn: Connection, list_id: int, name: str) -> Any:
    return conn.execute(
        select(list_fields).where(list_fields.c.list_id == list_id, list_fields.c.name == name)
    ).first()


def next_position(conn: Connection, list_id: int) -> int:
    value = conn.execute(
        select(func.max(list_fields.c.position)).where(list_fields.c.list_id == list_id)
    ).scalar_one_or_none()
    return int(value) + 1 if value is not None else 0


def update_field(conn: Connection, list_id: int, field_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(list_fields).where(list_fields.c.id == field_id).values(**values))
    _changed(conn, list_id)


def delete_field(conn: Connection, list_id: int, field_id: int) -> None:
    conn.execute(delete(list_fields).where(list_fields.c.id == field_id))
    _changed(conn, list_id)


def _holding(list_id: int, name: str) -> Any:
    return (contacts.c.list_id == list_id, contacts.c.fields[name].as_string().isnot(None))


def field_has_values(conn: Connection, list_id: int, name: str) -> bool:
    stmt = select(contacts.c.id).where(*_holding(list_id, name)).limit(1)
    return conn.execute(stmt).first() is not None


def drop_field_values(conn: Connection, list_id: int, name: str) -> int:
    """Remove the field's key from every contact of the list that holds a value for it."""
    stmt = (
        update(contacts)
        .where(*_holding(list_id, name))
        .values(fields=backend.json_without_key(conn, contacts.c.fields, name))
    )
    return int(conn.execute(stmt).rowcount)
