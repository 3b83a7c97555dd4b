"""Use cases of the lists domain: create, read, query, update and delete lists."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection

from mailroom.accounts import service as accounts_service
from mailroom.db.tables import ACCOUNT_HOURLY_COUNTERS
from mailroom.errors import NotFound, ValidationFailed
from mailroom.fields import service as fields_service
from mailroom.fields.formats import InvalidValue, normalise_email
from mailroom.kit.clock import Clock, now_s
from mailroom.lists import hooks, repository
from mailroom.lists.schemas import (
    LIST_TYPES,
    MAX_DESCRIPTION,
    MAX_NAME,
    SENDING,
    SUPPRESSION,
    SUPPRESSION_SCOPES,
    DeleteImplications,
    ListCounts,
    ListQuery,
    ListView,
)

LIST_NOT_FOUND = "List not found"
DEFAULT_LIST_UNDELETABLE = (
    "The account's default list cannot be deleted; make another list the default first"
    " (update that list with default: true)."
)
DEFAULT_LIST_KEPT = (
    "A list stops being the default only when another one becomes it:"
    " update that list with default: true."
)
SUPPRESSION_NOT_DEFAULT = "A suppression list cannot be the account's default list."


def _error(field: str, message: str) -> dict[str, str]:
    return {"field": field, "message": message}


def _raise_if(errors: list[dict[str, str]]) -> None:
    if errors:
        message = "; ".join(e["message"] for e in errors)
        raise ValidationFailed(f"Invalid list: {message}", errors=errors)


def _validated(data: dict[str, Any], current: Any = None) -> dict[str, Any]:
    """Column values for the keys present in `data` (all required ones when creating)."""
    errors: list[dict[str, str]] = []
    values: dict[str, Any] = {}
    if current is None or "name" in data:
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            errors.append(_error("name", "name is required"))
        elif len(name.strip()) > MAX_NAME:
            errors.append(_error("name", f"name is longer than {MAX_NAME} characters"))
        else:
            values["name"] = name.strip()
    if "description" in data:
        description = data["description"]
        if description is not None and not isinstance(description, str):
            errors.append(_error("description", "description must be a string"))
        elif description is not None and len(description) > MAX_DESCRIPTION:
            message = f"description is longer than {MAX_DESCRIPTION} characters"
            errors.append(_error("description", message))
        else:
            values["description"] = description or ""
    if "notification_email" in data:
        email = data["notification_email"]
        try:
            values["notification_email"] = normalise_email(email) if email else None
        except InvalidValue as exc:
            errors.append(_error("notification_email", str(exc)))
    list_type = current.type if current is not None else SENDING
    if "type" in data or current is None:
        list_type = data.get("type") or SENDING
        if list_type not in LIST_TYPES:
            errors.append(_error("type", f"type must be one of {', '.join(LIST_TYPES)}"))
        values["type"] = list_type
    scope = data.get("scope", current.scope if current is not None else None)
    if list_type == SUPPRESSION:
        values["scope"] = scope or "global"
        if values["scope"] not in SUPPRESSION_SCOPES:
            errors.append(_error("scope", f"scope must be one of {', '.join(SUPPRESSION_SCOPES)}"))
    elif scope not in (None, "") and "scope" in data:
        errors.append(_error("scope", "scope applies to suppression lists only"))
    else:
        values["scope"] = None
    if "settings" in data:
        settings = data["settings"]
        if not isinstance(settings, dict):
            errors.append(_error("settings", "settings must be an object"))
        else:
            base = dict(current.settings or {}) if current is not None else {}
            values["settings"] = {**base, **settings}
    _raise_if(errors)
    return values


def create_list(
    conn: Connection, clock: Clock, account_id: int, data: dict[str, Any]
) -> dict[str, Any]:
    """A new list with its mandatory `email` field."""
    now = now_s(clock)
    values = {
        "description": "",
        "notification_email": None,
        "settings": {},
        **_validated(data),
        "account_id": account_id,
        "created": now,
        "modified": now,
    }
    list_id = repository.insert_list(conn, values)
    fields_service.create_email_field(conn, clock, account_id, list_id)
    if data.get("default") is True:
        make_default(conn, account_id, list_id)
    count_hourly(conn, account_id, [(now, "lists_added", 1)])  # shared row: written last
    return {"id": list_id, **values}


HOUR_S = 3600


def rebuild_hourly(conn: Connection, account_id: int) -> None:
    """Recount the account's chart counters from its contacts and lists (after a bulk load).

    Opt-outs are counted from each contact's current status and its date, so earlier opt-outs
    since undone are not counted; the live counters count every one.
    """
    repository.rebuild_account_hourly(conn, account_id)


def count_hourly(conn: Connection, account_id: int, items: Iterable[tuple[int, str, int]]) -> None:
    """Add to the contacts chart's counters: (Unix seconds, counter name, amount).

    Counters are ``account_hourly``'s: contacts_added, contacts_blocked, lists_added. Call it in
    the transaction that makes the change, so a chart never counts what was rolled back, and
    late in it: concurrent writers of one account wait for each other on the hour's row.
    """
    rows: dict[int, list[int]] = {}
    for at_s, name, amount in items:
        row = rows.setdefault(at_s // HOUR_S * HOUR_S, [0, 0, 0])
        row[ACCOUNT_HOURLY_COUNTERS.index(name)] += amount
    repository.add_account_hourly(
        conn, [(account_id, hour, *rows[hour]) for hour in sorted(rows) if any(rows[hour])]
    )


def get_list(conn: Connection, account_id: int, list_id: int) -> Any:
    """The list row, only if it belongs to the account; otherwise Ongage's 404."""
    row = repository.get_list(conn, account_id, list_id)
    if row is None:
        raise NotFound(LIST_NOT_FOUND)
    return row


def view_list(conn: Connection, account_id: int, list_id: int) -> ListView:
    row = get_list(conn, account_id, list_id)
    counts = hooks.contact_counts(conn, [row.id]).get(row.id, ListCounts())
    return ListView(row, counts, row.id == accounts_service.default_list_id(conn, account_id))


def find_lists(conn: Connection, account_id: int, query: ListQuery) -> tuple[list[ListView], int]:
    """One page of the account's lists with their counts, and the total matching."""
    rows = repository.find_lists(conn, account_id, query)
    counts = hooks.contact_counts(conn, [r.id for r in rows])
    total = repository.count_lists(conn, account_id, query)
    default = accounts_service.default_list_id(conn, account_id)
    views = [ListView(r, counts.get(r.id, ListCounts()), r.id == default) for r in rows]
    return views, total


def list_rows(conn: Connection, account_id: int) -> list[Any]:
    """The account's lists by id, without counting their contacts (the console reads counts
    from the charts rollup instead)."""
    return repository.find_lists(conn, account_id, ListQuery())


def list_ids(conn: Connection, account_id: int) -> list[int]:
    return repository.list_ids_of_account(conn, account_id)


def update_list(
    conn: Connection, clock: Clock, account_id: int, list_id: int, data: dict[str, Any]
) -> ListView:
    """Change the keys present in `data`; the rest stays as it was.

    `default: true` makes the list the account's default; `default: false` is refused on the
    default list itself, since an account always has one.
    """
    current = get_list(conn, account_id, list_id)
    values = _validated(data, current)
    wanted = data.get("default")
    is_default = accounts_service.default_list_id(conn, account_id) == list_id
    if wanted is False and is_default:
        raise ValidationFailed(DEFAULT_LIST_KEPT, errors=[_error("default", DEFAULT_LIST_KEPT)])
    if wanted is True and values.get("type", current.type) != SENDING:
        raise ValidationFailed(
            SUPPRESSION_NOT_DEFAULT, errors=[_error("default", SUPPRESSION_NOT_DEFAULT)]
        )
    values["modified"] = now_s(clock)
    repository.update_list(conn, list_id, values)
    if wanted is True and not is_default:
        accounts_service.set_default_list(conn, account_id, list_id)
    return view_list(conn, account_id, list_id)


def make_default(conn: Connection, account_id: int, list_id: int) -> None:
    """Make a sending list the account's default (where calls that name no list act)."""
    row = get_list(conn, account_id, list_id)
    if row.type != SENDING:
        raise ValidationFailed(
            SUPPRESSION_NOT_DEFAULT, errors=[_error("default", SUPPRESSION_NOT_DEFAULT)]
        )
    accounts_service.set_default_list(conn, account_id, list_id)


def default_list_id(conn: Connection, account_id: int) -> int | None:
    return accounts_service.default_list_id(conn, account_id)  # kept: callers name it here


def delete_implications(conn: Connection, account_id: int, list_id: int) -> DeleteImplications:
    get_list(conn, account_id, list_id)
    is_default = accounts_service.default_list_id(conn, account_id) == list_id
    return DeleteImplications(can_delete=not is_default, **repository.dependants(conn, list_id))


def delete_list(conn: Connection, account_id: int, list_id: int) -> ListView:
    """Remove a list and everything in it, its activity too; the account's default list stays."""
    view = view_list(conn, account_id, list_id)
    if accounts_service.default_list_id(conn, account_id) == list_id:
        raise ValidationFailed(
            DEFAULT_LIST_UNDELETABLE,
            errors=[_error("list_id", DEFAULT_LIST_UNDELETABLE)],
        )
    hooks.deleting(conn, account_id, list_id)  # activity finds events through the contacts
    repository.delete_list(conn, list_id)
    return view
