"""Sending connections: a Private SMTP server (Ongage esp_id 59) or an outbox folder of .eml files.

The password is stored for the SMTP login and never rendered again (reads say only whether one
is set). An outbox connection (esp_id 0, mailroom's own) writes each message as a file, for demos
and tests; it has no host.
"""

from __future__ import annotations

import os
from typing import Any

from sqlalchemy import Connection

from mailroom.errors import NotFound, ValidationFailed
from mailroom.esp import repository
from mailroom.kit.bounds import MAX_INT32
from mailroom.kit.clock import Clock, now_s

SMTP_ESP = 59
OUTBOX_ESP = 0
ESP_NAMES = {SMTP_ESP: "Private SMTP", OUTBOX_ESP: "Outbox"}
ENCRYPTIONS = ("none", "starttls", "tls")
CONNECTION_NOT_FOUND = "ESP connection not found"

MAX_RATE = 100_000  # messages per second: far past any server, and a pace that stays exact
_TEXT = ("name", "host", "username", "from_address", "from_name", "reply_address", "folder")


def _error(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message}


def _validated(data: Any, current: Any = None) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise ValidationFailed(
            "The request body must be a JSON object", errors=[_error("", "expected an object")]
        )
    errors: list[dict[str, str]] = []
    values: dict[str, Any] = {}
    esp_raw: Any = data.get("esp_id", current.esp_id if current is not None else None)
    try:
        esp_id = int(esp_raw)
    except (TypeError, ValueError):
        esp_id = -1
    if esp_id not in ESP_NAMES:
        errors.append(_error("esp_id", "esp_id must be 59 (Private SMTP) or 0 (Outbox)"))
    elif current is not None and esp_id != current.esp_id:
        errors.append(_error("esp_id", "esp_id cannot be changed"))
    values["esp_id"] = esp_id
    for key in _TEXT:
        if key in data:
            value = data[key]
            if value is not None and not isinstance(value, str):
                errors.append(_error(key, f"{key} must be a string"))
            else:
                values[key] = value or ""
    if "password" in data:
        if data["password"] is not None and not isinstance(data["password"], str):
            errors.append(_error("password", "password must be a string"))
        else:
            values["password"] = data["password"] or None
    if "port" in data:
        port = data["port"]
        if (
            isinstance(port, bool)
            or not isinstance(port, int | str)
            or not str(port).isdigit()
            or not 0 < int(port) < 65536
        ):
            errors.append(_error("port", "port must be a whole number 1-65535"))
        else:
            values["port"] = int(port)
    if "encryption" in data:
        if data["encryption"] not in ENCRYPTIONS:
            errors.append(_error("encryption", "encryption must be none, starttls or tls"))
        else:
            values["encryption"] = data["encryption"]
    if "rate_per_second" in data:
        rate = data["rate_per_second"]
        if rate is not None and (isinstance(rate, bool) or not isinstance(rate, int | float)):
            errors.append(_error("rate_per_second", "rate_per_second must be a number"))
        elif rate is not None and not 0 < rate <= MAX_RATE:
            message = f"rate_per_second must be above 0 and at most {MAX_RATE}"
            errors.append(_error("rate_per_second", message))
        else:
            values["rate_per_second"] = rate
    if "daily_quota" in data:
        quota = data["daily_quota"]
        if quota is not None and (isinstance(quota, bool) or not isinstance(quota, int)):
            errors.append(_error("daily_quota", "daily_quota must be a whole number"))
        elif quota is not None and not 0 <= quota <= MAX_INT32:
            errors.append(_error("daily_quota", f"daily_quota must be from 0 to {MAX_INT32}"))
        else:
            values["daily_quota"] = quota
    if "active" in data:
        if data["active"] not in (True, False, 0, 1, "0", "1"):
            errors.append(_error("active", "active must be true or false"))
        else:
            values["active"] = data["active"] in (True, 1, "1")
    merged = {**(dict(current._mapping) if current is not None else {}), **values}
    if not str(merged.get("name") or "").strip():
        errors.append(_error("name", "name is required"))
    if esp_id == SMTP_ESP and not str(merged.get("host") or "").strip():
        errors.append(_error("host", "host is required for an SMTP connection"))
    if esp_id == OUTBOX_ESP and not str(merged.get("folder") or "").strip():
        errors.append(_error("folder", "folder is required for an outbox connection"))
    elif esp_id == OUTBOX_ESP and not os.path.isabs(str(merged["folder"])):
        # a relative folder would be found from each worker's own working directory
        errors.append(_error("folder", "folder must be an absolute path"))
    if errors:
        raise ValidationFailed(
            "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors
        )
    return values


def create_connection(conn: Connection, clock: Clock, account_id: int, data: Any) -> Any:
    values = _validated(data)
    now = now_s(clock)
    new_id = repository.insert_connection(
        conn, {**values, "account_id": account_id, "created": now, "modified": now}
    )
    return repository.get_connection(conn, account_id, new_id)


def get_connection(conn: Connection, account_id: int, connection_id: int) -> Any:
    row = repository.get_connection(conn, account_id, connection_id)
    if row is None:
        raise NotFound(CONNECTION_NOT_FOUND)
    return row


def update_connection(
    conn: Connection, clock: Clock, account_id: int, connection_id: int, data: Any
) -> Any:
    current = get_connection(conn, account_id, connection_id)
    values = _validated(data, current)
    repository.update_connection(conn, connection_id, {**values, "modified": now_s(clock)})
    return repository.get_connection(conn, account_id, connection_id)


def delete_connection(conn: Connection, account_id: int, connection_id: int) -> Any:
    row = get_connection(conn, account_id, connection_id)
    repository.delete_connection(conn, connection_id)
    return row


def list_connections(conn: Connection, account_id: int, *, active_only: bool = False) -> list[Any]:
    return repository.connections(conn, account_id, active_only=active_only)


def connections_by_id(conn: Connection, account_id: int) -> dict[int, Any]:
    return {row.id: row for row in repository.connections(conn, account_id, active_only=False)}
