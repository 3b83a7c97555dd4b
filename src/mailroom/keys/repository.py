"""All SQL of the server keys."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, update

from mailroom.db import backend
from mailroom.db.tables import server_keys

k = server_keys


def all_keys(conn: Connection) -> list[Any]:
    """Every key, newest first."""
    return list(conn.execute(select(k).order_by(k.c.id.desc())).all())


def insert_first(conn: Connection, secret: str, now_s: int) -> None:
    """Key 1, unless a process starting at the same moment stored it first."""
    row = {"id": 1, "secret": secret, "created": now_s, "retired": None}
    backend.insert_ignore(conn, k, [row], index_elements=["id"])


def insert_next(conn: Connection, key_id: int, secret: str, now_s: int) -> None:
    conn.execute(insert(k).values(id=key_id, secret=secret, created=now_s, retired=None))


def retire(conn: Connection, key_id: int, now_s: int) -> None:
    conn.execute(update(k).where(k.c.id == key_id).values(retired=now_s))
