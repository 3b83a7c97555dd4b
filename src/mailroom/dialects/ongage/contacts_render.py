"""Ongage contact shapes: request items in, contact objects and write counters out."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from mailroom.contacts.schemas import Contact, StatusResult, WriteResult
from mailroom.contacts.status import OCX_STATUS
from mailroom.errors import BadRequest, PayloadTooLarge, ValidationFailed
from mailroom.fields.formats import render_value
from mailroom.fields.service import FieldSchema

# Keys of a contact object that are not list fields (`list_id` routes, `id` names the contact).
RESERVED = frozenset({"email", "id", "overwrite", "fields", "list_id"})
TRUE = frozenset({True, "1", "true", "True", "TRUE", "yes", "on"})


def contact_object(schema: FieldSchema, c: Contact) -> dict[str, Any]:
    """Ongage's contact: email, every list field (null when empty), id, then the ocx_* keys."""
    out: dict[str, Any] = {"email": c.email}
    values = c.fields or {}
    for f in schema.custom():
        stored = values.get(f.name)
        out[f.name] = None if stored is None else render_value(f.type, f.format, stored)
    out["id"] = c.uid
    out["ocx_status"] = OCX_STATUS.get(c.status, c.status)
    out["ocx_created_date"] = c.created
    out["ocx_unsubscribe_date"] = c.unsubscribe_date
    out["ocx_resubscribe_date"] = c.resubscribe_date
    out["ocx_bounce_date"] = c.bounce_date
    out["ocx_complaint_date"] = c.complaint_date
    out["ocx_import_id"] = c.import_id
    return out


def path_email(raw: str) -> str:
    """The email from a path segment: raw or URL-encoded (even twice, as some clients do)."""
    text = raw.strip()
    if "%" in text:
        text = unquote(text)
    return text


def items_of(body: Any, max_items: int) -> tuple[list[dict[str, Any]], bool]:
    """The contact objects of a v2 body (one object or an array) and whether it was one."""
    if isinstance(body, dict):
        return [body], True
    if isinstance(body, list):
        if not body:
            raise ValidationFailed("No contacts in request", errors=[])
        if len(body) > max_items:
            raise PayloadTooLarge(f"At most {max_items} contacts per call; got {len(body)}")
        for i, item in enumerate(body):
            if not isinstance(item, dict):
                raise BadRequest(f"Invalid data in request: item {i} is not a JSON object")
        return body, False
    raise BadRequest("Invalid data in request: expected a contact object or an array of them")


def list_hint(items: list[dict[str, Any]]) -> dict[str, Any] | None:
    """A body-level `list_id` for routing: the one all items that name a list agree on."""
    named = {str(i["list_id"]) for i in items if i.get("list_id") not in (None, "")}
    if not named:
        return None
    if len(named) > 1:
        raise ValidationFailed(
            "All contacts of one call must belong to the same list",
            errors=[{"field": "list_id", "message": f"several lists named: {sorted(named)}"}],
        )
    return {"list_id": named.pop()}


def split_fields(item: dict[str, Any]) -> dict[str, Any]:
    """List-field values of an item: flat keys, then the nested `fields` object over them."""
    values = {k: v for k, v in item.items() if k not in RESERVED}
    nested = item.get("fields")
    if nested is None or nested == []:  # PHP clients serialise an empty object as []
        return values
    if not isinstance(nested, dict):
        raise BadRequest("Invalid data in request: 'fields' must be an object")
    values.update(nested)
    return values


def is_true(value: Any) -> bool:
    return isinstance(value, bool | int | str) and value in TRUE


def write_payload(result: WriteResult) -> dict[str, Any]:
    return {
        "rows": result.rows,
        "success": result.success,
        "created": result.created,
        "updated": result.updated,
        "revived": result.revived,
        "failed": result.failed,
        "created_emails": result.created_emails,
        "updated_emails": result.updated_emails,
        "success_emails": {**result.created_emails, **result.updated_emails},
        "failed_emails": dict(result.failures),
    }


def invalid_error(result: WriteResult) -> ValidationFailed:
    errors = [{"email": e.key, "field": e.field, "message": e.message} for e in result.invalid]
    first = result.invalid[0]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return ValidationFailed(f"Invalid data in request: {first.reason}{more}", errors=errors)


def status_payload(result: StatusResult) -> dict[str, Any]:
    return {
        "rows": result.rows,
        "success": result.success,
        "failed": len(result.failures),
        "success_emails": result.changed,
        "failed_emails": dict(result.failures),
    }
