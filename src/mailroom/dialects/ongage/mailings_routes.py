"""Ongage Mailings API: ``/api/mailings`` collection, one mailing, create (send now, scheduled,
or ``register_only`` for a campaign sent elsewhere), and cancel, pause, resume."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from starlette.requests import Request

from mailroom.accounts.schemas import Principal
from mailroom.context import Context
from mailroom.dialects.ongage.auth import ongage_principal
from mailroom.dialects.ongage.envelope import ok
from mailroom.dialects.ongage.ids import path_id
from mailroom.dialects.ongage.params import json_body, paging
from mailroom.dialects.ongage.scope import resolve_list
from mailroom.kit.jsonx import JSONResponse
from mailroom.mailings import service
from mailroom.mailings.schemas import MAILING_NOT_FOUND, STATUS_DESC
from mailroom.sending import campaigns
from mailroom.web.deps import get_ctx

router = APIRouter(tags=["ongage: mailings"])


def render_mailing(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "list_id": str(row.list_id) if row.list_id is not None else None,
        "name": row.name,
        "description": row.description,
        "type": row.type,
        "campaign_activity_id": row.campaign_activity_id,
        "status": str(row.status),
        "status_desc": STATUS_DESC.get(row.status, ""),
        "email_message": [str(m) for m in (row.email_messages or [])],
        "segments": [str(s) for s in (row.segments or [])],
        "segments_excluded": [str(s) for s in (row.segments_excluded or [])],
        "distribution": row.distribution or [],
        "schedule_date": str(row.schedule_date) if row.schedule_date else None,
        "register_only": bool(row.register_only),
        "recipients": str(row.recipients),
        "sent_count": str(row.sent_count),
        "failed_count": str(row.failed_count),
        "sending_start_date": str(row.sent) if row.sent else None,
        "created": str(row.created),
        "modified": str(row.modified or row.created),
    }


@router.get("/api/mailings")
def get_mailings(
    request: Request,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    page = paging(request, ("id",))
    with ctx.db.read() as conn:
        rows, total = service.page_mailings(
            conn, principal.account_id, page.offset, page.limit, page.descending
        )
    return ok([render_mailing(r) for r in rows], total=total)


@router.get("/api/mailings/{mailing_id}")
def get_mailing(
    mailing_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.read() as conn:
        row = service.get_mailing(
            conn, principal.account_id, path_id(mailing_id, MAILING_NOT_FOUND)
        )
    return ok(render_mailing(row))


@router.post("/api/mailings")
def create_mailing(
    request: Request,
    principal: Principal = Depends(ongage_principal),
    body: Any = Depends(json_body),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.write() as conn:
        target = resolve_list(conn, request, principal, body)
        row = campaigns.create_mailing(conn, ctx.clock, principal.account_id, target.id, body)
    return ok(render_mailing(row))


def _action(ctx: Context, principal: Principal, raw_id: str, action: str) -> JSONResponse:
    act = {"cancel": campaigns.cancel, "pause": campaigns.pause, "resume": campaigns.resume}[action]
    with ctx.db.write() as conn:
        row = act(conn, ctx.clock, principal.account_id, path_id(raw_id, MAILING_NOT_FOUND))
    return ok(render_mailing(row))


@router.put("/api/mailings/{mailing_id}/cancel")
def cancel_mailing(
    mailing_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    return _action(ctx, principal, mailing_id, "cancel")


@router.put("/api/mailings/{mailing_id}/pause")
def pause_mailing(
    mailing_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    return _action(ctx, principal, mailing_id, "pause")


@router.put("/api/mailings/{mailing_id}/resume")
def resume_mailing(
    mailing_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    return _action(ctx, principal, mailing_id, "resume")
