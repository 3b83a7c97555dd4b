"""Use cases of the lists domain."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from mailroom.errors import NotFound
from mailroom.fields import service as fields_service
from mailroom.kit.clock import Clock, now_s
from mailroom.lists import repository

LIST_NOT_FOUND = "List not found"


def create_list(
    conn: Connection, clock: Clock, account_id: int, data: dict[str, Any]
) -> dict[str, Any]:
    """A new list with its mandatory `email` field."""
    now = now_s(clock)
    values = {
        "account_id": account_id,
        "name": str(data["name"]),
        "description": str(data.get("description") or ""),
        "type": str(data.get("type") or "sending"),
        "scope": data.get("scope"),
        "notification_email": data.get("notification_email"),
        "settings": data.get("settings") or {},
        "created": now,
        "modified": now,
    }
    list_id = repository.insert_list(conn, values)
    fields_service.create_email_field(conn, clock, account_id, list_id)
    return {"id": list_id, **values}


def get_list(conn: Connection, account_id: int, list_id: int) -> Any:
    """The list row, only if it belongs to the account; otherwise Ongage's 404."""
    row = repository.get_list(conn, account_id, list_id)
    if row is None:
        raise NotFound(LIST_NOT_FOUND)
    return row
