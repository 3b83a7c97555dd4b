"""Ongage Segments API: ``[/<list_id>]/api/segments`` collection, read, create, update, delete.

Read form as Ongage's: every value a string (null stays null), each rule's `operand` a
JSON-encoded string, rules with positions and parentheses. Write form: real arrays.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends
from starlette.requests import Request

from mailroom.accounts.schemas import Principal
from mailroom.context import Context
from mailroom.dialects.ongage.auth import ongage_principal
from mailroom.dialects.ongage.envelope import ok
from mailroom.dialects.ongage.ids import path_id
from mailroom.dialects.ongage.params import json_body, paging
from mailroom.dialects.ongage.scope import requested_list_id, resolve_list
from mailroom.errors import ValidationFailed
from mailroom.kit.jsonx import JSONResponse
from mailroom.segments import service
from mailroom.segments.schemas import SEGMENT_NOT_FOUND, SORTABLE, SegmentQuery
from mailroom.web.deps import get_ctx

router = APIRouter(tags=["ongage: segments"])

# Keys of Ongage's segment object mailroom does not act on, with the values it always shows.
_FIXED: dict[str, Any] = {
    "last_count_request_date": None,
    "isp_breakdown": "",
    "last_sent": "0",
    "segment_quota": "0",
    "is_quota_percent": "0",
    "created_by": None,
    "modified_by": None,
    "deleted": "0",
    "included_segment_cache": None,
    "excluded_segment_cache": None,
    "default_include_segment": "0",
    "default_exclude_segment": "0",
    "is_external": "0",
    "external_url": None,
    "external_insert_missing": "0",
    "external_include_unsubscribes": "0",
}


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def render_rule(segment_id: int, position: int, rule: dict[str, Any]) -> dict[str, Any]:
    """One stored rule in Ongage's read form (rule ids are the segment's id and position)."""
    return {
        "id": str(segment_id * 1000 + position + 1),
        "segment_id": str(segment_id),
        "position": str(position),
        "left_parenthesis": _text(rule.get("left_parenthesis", 0)),
        "field_id": _text(rule.get("field_id")),
        "field_name": _text(rule.get("field_name")),
        "operator": _text(rule.get("operator")),
        "operand": json.dumps(rule.get("operand", []), separators=(",", ":")),
        "is_external_operand": "0",
        "right_parenthesis": _text(rule.get("right_parenthesis", 0)),
        "condition": _text(rule.get("condition", "and")),
        "case_sensitive": _text(rule.get("case_sensitive", 0)),
        "type": _text(rule.get("type")),
        "group": "",
    }


def render_segment(row: Any) -> dict[str, Any]:
    """Ongage's segment object, read form."""
    rules = [render_rule(row.id, i, r) for i, r in enumerate(row.criteria or [])]
    return {
        "id": str(row.id),
        "list_id": str(row.list_id),
        "name": row.name,
        "type": row.type,
        "description": row.description or "",
        "favorite": _text(bool(row.favorite)),
        "last_count": _text(row.last_count if row.last_count is not None else 0),
        "last_count_date": _text(row.last_count_date),
        **_FIXED,
        "created": _text(row.created),
        "modified": _text(row.modified),
        "user_modified": _text(row.modified),
        "rules": rules,
    }


def _segment_id(raw: str) -> int:
    return path_id(raw, SEGMENT_NOT_FOUND)


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        message = "The request body must be a JSON object"
        raise ValidationFailed(message, errors=[{"field": "", "message": message}])
    return body


@router.get("/api/segments")
def get_segments(
    request: Request,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    page = paging(request, SORTABLE)
    query = SegmentQuery(
        list_id=requested_list_id(request, principal),
        sort=page.sort,
        descending=page.descending,
        offset=page.offset,
        limit=page.limit,
    )
    with ctx.db.read() as conn:
        rows, total = service.find_segments(conn, principal.account_id, query)
    return ok([render_segment(r) for r in rows], total=total)


@router.get("/api/segments/{segment_id}")
def get_segment(
    segment_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.read() as conn:
        row = service.get_segment(conn, principal.account_id, _segment_id(segment_id))
    return ok(render_segment(row))


@router.post("/api/segments")
def create_segment(
    request: Request,
    principal: Principal = Depends(ongage_principal),
    body: Any = Depends(json_body),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    data = _object(body)
    with ctx.db.write() as conn:
        target = resolve_list(conn, request, principal, data)
        row = service.create_segment(conn, ctx.clock, principal.account_id, target.id, data)
    return ok(render_segment(row))


@router.put("/api/segments/{segment_id}")
def update_segment(
    segment_id: str,
    principal: Principal = Depends(ongage_principal),
    body: Any = Depends(json_body),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    data = _object(body)
    with ctx.db.write() as conn:
        row = service.update_segment(
            conn, ctx.clock, principal.account_id, _segment_id(segment_id), data
        )
    return ok(render_segment(row))


@router.delete("/api/segments/{segment_id}")
def delete_segment(
    segment_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.write() as conn:
        row = service.delete_segment(conn, principal.account_id, _segment_id(segment_id))
    return ok({**render_segment(row), "deleted": "1"})
