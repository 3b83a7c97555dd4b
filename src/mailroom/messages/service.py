"""Use cases of email messages: save (refusing unknown dynamic fields), read, compile, delete."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection

from mailroom.errors import NotFound, ValidationFailed
from mailroom.fields import service as fields_service
from mailroom.kit.clock import Clock, now_s
from mailroom.messages import merge, repository
from mailroom.messages.schemas import BODY_KEYS, MESSAGE_NOT_FOUND, TEXT_KEYS, Compiled

# API key -> column
_COLUMNS = {"content_html": "html", "content_text": "text"}
_MAX_NAME = 255


def _fail(errors: list[dict[str, str]]) -> None:
    if errors:
        message = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        raise ValidationFailed(message, errors=errors)


def _validated(conn: Connection, list_id: int, data: Any, current: Any = None) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValidationFailed(
            "The request body must be a JSON object",
            errors=[{"field": "", "message": "expected a JSON object"}],
        )
    errors: list[dict[str, str]] = []
    values: dict[str, Any] = {}
    for key in (*TEXT_KEYS, *BODY_KEYS):
        if key not in data:
            continue
        value = data[key]
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors.append({"field": key, "message": f"{key} must be a string"})
            continue
        values[_COLUMNS.get(key, key)] = value
    name = values.get("name", current.name if current is not None else "")
    if not str(name).strip():
        errors.append({"field": "name", "message": "name is required"})
    elif len(name) > _MAX_NAME:
        errors.append({"field": "name", "message": f"name is longer than {_MAX_NAME}"})
    for key in ("from_address", "reply_address"):
        address = values.get(key, "")
        if address and ("@" not in address or any(c.isspace() for c in address)):
            errors.append({"field": key, "message": f"{key} is not an email address"})
    known = [f.name for f in fields_service.fields_of_list(conn, list_id)]
    for key, column in (("subject", "subject"), *((k, _COLUMNS[k]) for k in BODY_KEYS)):
        text = values.get(column, getattr(current, column, "") if current is not None else "")
        unknown = merge.unknown_fields([text], known)
        if unknown:
            errors.append(
                {
                    "field": key,
                    "message": "unknown dynamic field(s) "
                    + ", ".join("{{" + n + "}}" for n in unknown)
                    + " (not a field of the list nor a system field)",
                }
            )
    _fail(errors)
    return values


def create_message(conn: Connection, clock: Clock, account_id: int, list_id: int, data: Any) -> Any:
    values = _validated(conn, list_id, data)
    now = now_s(clock)
    message_id = repository.insert_message(
        conn,
        {**values, "account_id": account_id, "list_id": list_id, "created": now, "modified": now},
    )
    return repository.get_message(conn, account_id, message_id)


def get_message(conn: Connection, account_id: int, message_id: int) -> Any:
    row = repository.get_message(conn, account_id, message_id)
    if row is None:
        raise NotFound(MESSAGE_NOT_FOUND)
    return row


def page_messages(
    conn: Connection, account_id: int, offset: int, limit: int | None, descending: bool
) -> tuple[list[Any], int]:
    return repository.page_messages(conn, account_id, offset, limit, descending)


def update_message(
    conn: Connection, clock: Clock, account_id: int, message_id: int, data: Any
) -> Any:
    current = get_message(conn, account_id, message_id)
    values = _validated(conn, current.list_id, data, current)
    repository.update_message(conn, message_id, {**values, "modified": now_s(clock)})
    return repository.get_message(conn, account_id, message_id)


def delete_message(conn: Connection, account_id: int, message_id: int) -> Any:
    row = get_message(conn, account_id, message_id)
    repository.delete_message(conn, message_id)
    return row


def missing_messages(conn: Connection, account_id: int, ids: Iterable[int]) -> list[int]:
    """The ids among `ids` that are not messages of the account."""
    wanted = set(ids)
    found = {row.id for row in repository.messages_by_ids(conn, account_id, wanted)}
    return sorted(wanted - found)


def compiled(conn: Connection, account_id: int, ids: Iterable[int]) -> dict[int, Compiled]:
    """The account's messages among `ids`, each template parsed once for rendering."""
    return {
        row.id: Compiled(
            row.id,
            row.list_id,
            row.name,
            merge.compile_template(row.subject),
            merge.compile_template(row.html),
            merge.compile_template(row.text),
            row.from_name,
            row.from_address,
            row.reply_address,
            row.html or "",
        )
        for row in repository.messages_by_ids(conn, account_id, ids)
    }
