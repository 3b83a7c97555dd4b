"""Ongage List Fields API: ``[/<list_id>]/api/list_fields`` read, create, update, delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from starlette.requests import Request

from mailroom.accounts.schemas import Principal
from mailroom.context import Context
from mailroom.dialects.ongage.auth import ongage_principal
from mailroom.dialects.ongage.envelope import ok
from mailroom.dialects.ongage.params import json_body, paging
from mailroom.dialects.ongage.scope import resolve_list
from mailroom.errors import PayloadTooLarge, ValidationFailed
from mailroom.fields import service
from mailroom.fields.schemas import FIELD_NOT_FOUND
from mailroom.kit.jsonx import JSONResponse
from mailroom.lists import service as lists_service
from mailroom.web.deps import get_ctx
from mailroom.web.inputs import path_id

router = APIRouter(tags=["ongage: list fields"])

# A list has tens of fields; a larger array is a mistake or an attack, and its one write
# transaction would hold SQLite's write lock (every account's writes) for as long as it runs.
MAX_FIELDS_PER_CALL = 200


def render_field(row: Any) -> dict[str, Any]:
    """Ongage's list-field object."""
    return {
        "id": row.id,
        "account_id": row.account_id,
        "list_id": row.list_id,
        "name": row.name,
        "title": row.title,
        "type": row.type,
        "format": row.format,
        "default": row.default,
        "mandatory": bool(row.mandatory),
        "position": row.position,
        "created": row.created,
        "modified": row.modified,
        "deleted": None,
        "is_sms": bool(row.is_sms),
    }


def _field_id(raw: str) -> int:
    return path_id(raw, FIELD_NOT_FOUND, "field_id")


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ValidationFailed(
            "The request body must be a JSON object",
            errors=[{"field": "", "message": "expected a JSON object"}],
        )
    return body


@router.get("/api/list_fields")
def get_fields(
    request: Request,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    page = paging(request, ("position", "id", "name"), default_sort="position")
    with ctx.db.read() as conn:
        target = resolve_list(conn, request, principal)
        rows = service.fields_of_list(conn, target.id)
    rows.sort(key=lambda r: getattr(r, page.sort), reverse=page.descending)
    end = None if page.limit is None else page.offset + page.limit
    return ok([render_field(r) for r in rows[page.offset : end]], total=len(rows))


@router.get("/api/list_fields/{field_id}")
def get_field(
    field_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.read() as conn:
        row = service.get_field(conn, principal.account_id, _field_id(field_id))
    return ok(render_field(row))


@router.post("/api/list_fields/all_lists")
def create_in_all_lists(
    principal: Principal = Depends(ongage_principal),
    body: Any = Depends(json_body),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    data = _object(body)
    with ctx.db.write() as conn:
        list_ids = lists_service.list_ids(conn, principal.account_id)
        created, failed = service.create_in_lists(
            conn, ctx.clock, principal.account_id, list_ids, data
        )
    return ok(
        {
            "success_list_fields": [render_field(r) for r in created],
            "failed_lists_errors": {str(k): v for k, v in failed.items()},
        }
    )


@router.post("/api/list_fields")
def create_fields(
    request: Request,
    principal: Principal = Depends(ongage_principal),
    body: Any = Depends(json_body),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    items = body if isinstance(body, list) else [_object(body)]
    if not items:
        raise ValidationFailed("No list fields given", errors=[])
    if len(items) > MAX_FIELDS_PER_CALL:
        raise PayloadTooLarge(f"At most {MAX_FIELDS_PER_CALL} list fields per call")
    with ctx.db.write() as conn:
        targets = [
            (resolve_list(conn, request, principal, _object(item)).id, item) for item in items
        ]
        rows = service.create_fields(conn, ctx.clock, principal.account_id, targets)
    rendered = [render_field(r) for r in rows]
    return ok(rendered if isinstance(body, list) else rendered[0])


@router.put("/api/list_fields/{field_id}")
def update_field(
    field_id: str,
    principal: Principal = Depends(ongage_principal),
    body: Any = Depends(json_body),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    data = _object(body)
    with ctx.db.write() as conn:
        row = service.update_field(conn, ctx.clock, principal.account_id, _field_id(field_id), data)
    return ok(render_field(row))


@router.delete("/api/list_fields/{field_id}")
def delete_field(
    field_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.write() as conn:
        row = service.delete_field(conn, principal.account_id, _field_id(field_id))
    return ok({**render_field(row), "deleted": ctx.clock.now_ms() // 1000})
