"""Use cases of the list-fields domain, and the typed field schema contacts are checked against."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from mailroom.fields import repository
from mailroom.kit.clock import Clock, now_s


@dataclass(frozen=True)
class FieldDef:
    id: int
    name: str
    type: str
    format: str
    default: Any
    mandatory: bool


@dataclass(frozen=True)
class FieldSchema:
    """The fields of one list, by name; `email` is always present."""

    list_id: int
    fields: dict[str, FieldDef]

    def custom(self) -> list[FieldDef]:
        return [f for f in self.fields.values() if f.name != "email"]


def create_email_field(conn: Connection, clock: Clock, account_id: int, list_id: int) -> int:
    now = now_s(clock)
    return repository.insert_field(
        conn,
        {
            "account_id": account_id,
            "list_id": list_id,
            "name": "email",
            "title": "Email",
            "type": "email",
            "format": "",
            "mandatory": True,
            "position": 0,
            "created": now,
            "modified": now,
        },
    )


def schema_of_list(conn: Connection, list_id: int) -> FieldSchema:
    rows = repository.fields_of_list(conn, list_id)
    return FieldSchema(
        list_id,
        {
            r.name: FieldDef(r.id, r.name, r.type, r.format, r.default, bool(r.mandatory))
            for r in rows
        },
    )
