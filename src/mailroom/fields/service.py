"""Use cases of the list-fields domain, and the typed field schema contacts are checked against."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from mailroom.errors import NotFound, ValidationFailed
from mailroom.fields import repository
from mailroom.fields.formats import DATE_FORMATS, InvalidValue, parse_value, render_value
from mailroom.fields.schemas import (
    CUSTOM_TYPES,
    EMAIL_FIELD,
    FIELD_NOT_FOUND,
    MAX_NAME,
    MAX_TITLE,
    NAME_PATTERN,
    RESERVED_NAMES,
    SYSTEM_PREFIX,
)
from mailroom.kit.bounds import MAX_INT32, whole_number
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


def fields_of_list(conn: Connection, list_id: int) -> list[Any]:
    """The list's field rows in display order (position, then id)."""
    return repository.fields_of_list(conn, list_id)


def get_field(conn: Connection, account_id: int, field_id: int) -> Any:
    row = repository.get_field(conn, account_id, field_id)
    if row is None:
        raise NotFound(FIELD_NOT_FOUND)
    return row


# --- validation ----------------------------------------------------------------------------------


class _Errors(list[dict[str, str]]):
    def add(self, field: str, message: str) -> None:
        self.append({"field": field, "message": message})


def _flag(errors: _Errors, data: dict[str, Any], key: str) -> bool | None:
    value = data[key]
    if isinstance(value, bool):
        return value
    if value in (0, 1, "0", "1", "true", "false"):
        return value in (1, "1", "true")
    errors.add(key, f"{key} must be true or false")
    return None


def _check_name(errors: _Errors, name: Any) -> None:
    if not isinstance(name, str) or not name:
        errors.add("name", "name is required")
    elif len(name) > MAX_NAME or not NAME_PATTERN.match(name):
        errors.add(
            "name",
            f"name '{name}' must start with a lower-case letter and contain only a-z, 0-9"
            f" and _ (at most {MAX_NAME} characters)",
        )
    elif name.startswith(SYSTEM_PREFIX):
        errors.add("name", f"names starting with '{SYSTEM_PREFIX}' are reserved for system fields")
    elif name in RESERVED_NAMES or name == EMAIL_FIELD:
        errors.add("name", f"'{name}' is a reserved name")


def _check_format(errors: _Errors, field_type: str, fmt: Any) -> str:
    if field_type != "date":
        return ""
    if not fmt:
        errors.add("format", "format is required for date fields")
    elif not isinstance(fmt, str) or fmt not in DATE_FORMATS:
        errors.add("format", f"format must be one of: {', '.join(DATE_FORMATS)}")
    return str(fmt or "")


def _default_text(errors: _Errors, field_type: str, fmt: str, value: Any) -> str | None:
    """The default as the field renders it, checked against the field's type."""
    try:
        stored = parse_value(field_type, fmt, value)
    except InvalidValue as exc:
        errors.add("default", f"default: {exc}")
        return None
    if stored is None:
        return None
    return str(render_value(field_type, fmt, stored))


def _validated(data: dict[str, Any], current: Any = None) -> dict[str, Any]:
    """Column values for a new field, or for the keys present in `data` when updating one."""
    errors = _Errors()
    values: dict[str, Any] = {}
    is_email = current is not None and current.type == "email"
    name = current.name if current is not None else None
    if current is None or ("name" in data and data["name"] != current.name):
        if is_email:
            errors.add("name", "the email field cannot be renamed")
        else:
            _check_name(errors, data.get("name"))
            name = values["name"] = data.get("name")
    field_type = current.type if current is not None else None
    if current is None or ("type" in data and data["type"] != current.type):
        field_type = data.get("type")
        if is_email:
            errors.add("type", "the email field cannot change its type")
        elif field_type == "email":
            errors.add("type", "a list has exactly one email field")
        elif field_type not in CUSTOM_TYPES:
            errors.add("type", f"type must be one of: {', '.join(CUSTOM_TYPES)}")
        else:
            values["type"] = field_type
    fmt = current.format if current is not None else ""
    if field_type in CUSTOM_TYPES or field_type == "email":
        given = data.get("format", fmt)
        fmt = values["format"] = _check_format(errors, str(field_type), given)
    if "title" in data or current is None:
        title = data.get("title")
        if title in (None, "") and current is None:
            # Ongage requires a title; deriving one from the name is kinder to old clients.
            title = str(name).replace("_", " ").title() if isinstance(name, str) else "-"
        if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE:
            errors.add("title", f"title must be a non-empty text of at most {MAX_TITLE} characters")
        else:
            values["title"] = title.strip()
    for key in ("mandatory", "is_sms"):
        if key in data:
            values[key] = _flag(errors, data, key)
    if is_email:
        values.pop("mandatory", None)
    if "position" in data:
        position = data["position"]
        if isinstance(position, bool) or not isinstance(position, int | str):
            errors.add("position", "position must be a whole number")
        else:
            try:
                values["position"] = whole_number(position, "position", high=MAX_INT32)
            except ValueError as exc:
                errors.add("position", str(exc))
    if not errors and field_type is not None:
        if "default" in data:
            values["default"] = _default_text(errors, field_type, fmt, data["default"])
        elif current is not None and current.default is not None:
            values["default"] = _rerendered_default(errors, current, field_type, fmt)
    if errors:
        messages = "; ".join(e["message"] for e in errors)
        raise ValidationFailed(f"Invalid list field: {messages}", errors=list(errors))
    return values


def _rerendered_default(errors: _Errors, current: Any, field_type: str, fmt: str) -> str | None:
    """A kept default, rewritten when the field's type or date format changes."""
    try:
        stored = parse_value(current.type, current.format, current.default)
    except InvalidValue:
        return str(current.default)
    if field_type == "date" and current.type == "date":
        return str(render_value(field_type, fmt, stored)) if stored is not None else None
    return _default_text(errors, field_type, fmt, current.default)


# --- use cases -----------------------------------------------------------------------------------


def _insert(
    conn: Connection, clock: Clock, account_id: int, list_id: int, values: dict[str, Any]
) -> Any:
    if repository.field_named(conn, list_id, values["name"]) is not None:
        message = f"The list already has a field named '{values['name']}'"
        raise ValidationFailed(message, errors=[{"field": "name", "message": message}])
    now = now_s(clock)
    row = {
        "mandatory": False,
        "is_sms": False,
        "default": None,
        **values,
        "account_id": account_id,
        "list_id": list_id,
        "created": now,
        "modified": now,
    }
    if row.get("position") is None:
        row["position"] = repository.next_position(conn, list_id)
    field_id = repository.insert_field(conn, row)
    return repository.get_field(conn, account_id, field_id)


def create_field(
    conn: Connection, clock: Clock, account_id: int, list_id: int, data: dict[str, Any]
) -> Any:
    """A new custom field in one list."""
    return _insert(conn, clock, account_id, list_id, _validated(data))


def create_fields(
    conn: Connection, clock: Clock, account_id: int, items: Sequence[tuple[int, dict[str, Any]]]
) -> list[Any]:
    """Several new fields, all or none; every item's errors are reported at once."""
    errors: list[dict[str, Any]] = []
    rows: list[Any] = []
    for index, (list_id, data) in enumerate(items):
        try:
            rows.append(_insert(conn, clock, account_id, list_id, _validated(data)))
        except ValidationFailed as exc:
            errors.extend({"index": index, **e} for e in exc.errors)
    if errors:
        messages = "; ".join(f"item {e['index']}: {e['message']}" for e in errors)
        raise ValidationFailed(f"Invalid list fields: {messages}", errors=errors)
    return rows


def create_in_lists(
    conn: Connection, clock: Clock, account_id: int, list_ids: Sequence[int], data: dict[str, Any]
) -> tuple[list[Any], dict[int, str]]:
    """The same new field in each list; lists where it cannot be added are reported, not fatal."""
    values = _validated(data)
    created: list[Any] = []
    failed: dict[int, str] = {}
    for list_id in list_ids:
        if repository.field_named(conn, list_id, values["name"]) is not None:
            failed[list_id] = f"The list already has a field named '{values['name']}'"
            continue
        created.append(_insert(conn, clock, account_id, list_id, values))
    return created, failed


def update_field(
    conn: Connection, clock: Clock, account_id: int, field_id: int, data: dict[str, Any]
) -> Any:
    """Change the keys present in `data`; a field holding values keeps its name and type."""
    current = get_field(conn, account_id, field_id)
    values = _validated(data, current)
    renamed = "name" in values and values["name"] != current.name
    retyped = "type" in values and values["type"] != current.type
    if (renamed or retyped) and repository.field_has_values(conn, current.list_id, current.name):
        message = (
            f"Field '{current.name}' holds contact values: its name and type cannot change."
            " Create a new field instead."
        )
        raise ValidationFailed(message, errors=[{"field": "name", "message": message}])
    if renamed and repository.field_named(conn, current.list_id, values["name"]) is not None:
        message = f"The list already has a field named '{values['name']}'"
        raise ValidationFailed(message, errors=[{"field": "name", "message": message}])
    values["modified"] = now_s(clock)
    repository.update_field(conn, current.list_id, field_id, values)
    return repository.get_field(conn, account_id, field_id)


def delete_field(conn: Connection, account_id: int, field_id: int) -> Any:
    """Remove a custom field and its values from every contact of the list."""
    current = get_field(conn, account_id, field_id)
    if current.type == "email":
        message = "The email field cannot be deleted"
        raise ValidationFailed(message, errors=[{"field": "id", "message": message}])
    repository.drop_field_values(conn, current.list_id, current.name)
    repository.delete_field(conn, current.list_id, field_id)
    return current
