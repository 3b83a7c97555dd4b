"""Ongage Events & Triggers API: ``/api/events`` collection, one event, create, update, delete,
``PUT /api/events/{id}/status`` (a toggle) and ``GET /api/events/{id}/preview``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from starlette.requests import Request

from mailroom.accounts.schemas import Principal
from mailroom.automation import preview, service
from mailroom.automation.schemas import EVENT_NOT_FOUND
from mailroom.context import Context
from mailroom.dialects.ongage.auth import ongage_principal
from mailroom.dialects.ongage.envelope import ok
from mailroom.dialects.ongage.ids import path_id
from mailroom.dialects.ongage.params import json_body, paging
from mailroom.dialects.ongage.scope import resolve_list
from mailroom.kit.jsonx import JSONResponse
from mailroom.web.deps import get_ctx

router = APIRouter(tags=["ongage: events"])


def _ids(values: Any) -> list[str]:
    return [str(v) for v in values or []]


def render_trigger(row: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": str(row.id),
        "event_id": str(row.event_id),
        "position": row.position,
        "based_on": row.based_on,
        "email_messages": _ids(row.email_messages),
        "schedule_hour": row.schedule_hour,
        "schedule_minute": row.schedule_minute,
        "mailing_id": str(row.mailing_id) if row.mailing_id is not None else None,
    }
    if row.based_on == "list":
        out["recurrence"] = row.recurrence
        return out
    out.update(days_diff=row.days_diff, operator=row.operator)
    if row.based_on == "list_field":
        out["send_on_days"] = row.send_on_days
    else:
        out["email_operator"] = row.email_operator
    if row.based_on == "trigger":
        out["based_on_trigger"] = row.based_on_trigger
    return out


def render_event(found: tuple[Any, list[Any]]) -> dict[str, Any]:
    row, triggers = found
    return {
        "id": str(row.id),
        "list_id": str(row.list_id),
        "name": row.name,
        "description": row.description,
        "based_on": row.based_on,
        "mailing_id": str(row.mailing_id) if row.mailing_id is not None else None,
        "date_field_name": row.date_field_name,
        "annually_event": bool(row.annually_event),
        "ongoing_event": bool(row.ongoing_event),
        "start_date": str(row.start_date) if row.start_date is not None else None,
        "end_date": str(row.end_date) if row.end_date is not None else None,
        "status": bool(row.active),
        "segments": _ids(row.segments),
        "segments_excluded": _ids(row.segments_excluded),
        "distribution": row.distribution,
        "esp_connections_quota": row.esp_connections_quota,
        "emails_limit": row.emails_limit,
        "triggers": [render_trigger(t) for t in triggers],
        "created": str(row.created),
        "modified": str(row.modified),
    }


@router.get("/api/events")
def get_events(
    request: Request,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    page = paging(request, ("id", "name", "created", "modified"))
    name = request.query_params.get("name") or None  # documented "required": a filter here
    with ctx.db.read() as conn:
        found = service.page_events(
            conn,
            principal.account_id,
            name=name,
            sort=page.sort,
            descending=page.descending,
            offset=page.offset,
            limit=page.limit,
        )
        total = service.count_events(conn, principal.account_id, name)
    return ok([render_event(f) for f in found], total=total)


@router.get("/api/events/{event_id}")
def get_event(
    event_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.read() as conn:
        found = service.get_event(conn, principal.account_id, path_id(event_id, EVENT_NOT_FOUND))
    return ok(render_event(found))


@router.post("/api/events")
def create_event(
    request: Request,
    principal: Principal = Depends(ongage_principal),
    body: Any = Depends(json_body),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.write() as conn:
        target = resolve_list(conn, request, principal, body)
        found = service.create_event(conn, ctx.clock, principal.account_id, target.id, body)
    return ok(render_event(found))


@router.put("/api/events/{event_id}/status")
def toggle_event(
    event_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.write() as conn:
        found = service.toggle_event(
            conn, ctx.clock, principal.account_id, path_id(event_id, EVENT_NOT_FOUND)
        )
    return ok(render_event(found))


@router.put("/api/events/{event_id}")
def update_event(
    event_id: str,
    principal: Principal = Depends(ongage_principal),
    body: Any = Depends(json_body),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.write() as conn:
        found = service.update_event(
            conn, ctx.clock, principal.account_id, path_id(event_id, EVENT_NOT_FOUND), body
        )
    return ok(render_event(found))


@router.delete("/api/events/{event_id}")
def delete_event(
    event_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.write() as conn:
        found = service.delete_event(
            conn, ctx.clock, principal.account_id, path_id(event_id, EVENT_NOT_FOUND)
        )
    return ok(render_event(found))


@router.get("/api/events/{event_id}/preview")
def preview_event(
    event_id: str,
    request: Request,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    params = request.query_params
    with ctx.db.read() as conn:
        items = preview.preview(
            conn,
            ctx.clock,
            principal.account_id,
            path_id(event_id, EVENT_NOT_FOUND),
            params.get("from"),
            params.get("to"),
        )
    return ok([item.as_json() for item in items], total=len(items))
