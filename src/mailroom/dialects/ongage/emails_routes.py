"""Ongage Email Messages API: ``/api/emails`` collection, one message, create, update, delete."""

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
from mailroom.messages import service
from mailroom.messages.schemas import MESSAGE_NOT_FOUND
from mailroom.web.deps import get_ctx

router = APIRouter(tags=["ongage: email messages"])


def render_message(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "list_id": str(row.list_id) if row.list_id is not None else None,
        "type": "email_message",
        "name": row.name,
        "subject": row.subject,
        "from_name": row.from_name,
        "from_address": row.from_address,
        "reply_address": row.reply_address,
        "content_html": row.html,
        "content_text": row.text,
        "created": str(row.created),
        "modified": str(row.modified),
    }


@router.get("/api/emails")
def get_messages(
    request: Request,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    page = paging(request, ("id",))
    with ctx.db.read() as conn:
        rows, total = service.page_messages(
            conn, principal.account_id, page.offset, page.limit, page.descending
        )
    return ok([render_message(r) for r in rows], total=total)


@router.get("/api/emails/{message_id}")
def get_message(
    message_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.read() as conn:
        row = service.get_message(
            conn, principal.account_id, path_id(message_id, MESSAGE_NOT_FOUND)
        )
    return ok(render_message(row))


@router.post("/api/emails")
def create_message(
    request: Request,
    principal: Principal = Depends(ongage_principal),
    body: Any = Depends(json_body),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.write() as conn:
        target = resolve_list(conn, request, principal, body)
        row = service.create_message(conn, ctx.clock, principal.account_id, target.id, body)
    return ok(render_message(row))


@router.put("/api/emails/{message_id}")
def update_message(
    message_id: str,
    principal: Principal = Depends(ongage_principal),
    body: Any = Depends(json_body),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.write() as conn:
        row = service.update_message(
            conn, ctx.clock, principal.account_id, path_id(message_id, MESSAGE_NOT_FOUND), body
        )
    return ok(render_message(row))


@router.delete("/api/emails/{message_id}")
def delete_message(
    message_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.write() as conn:
        row = service.delete_message(
            conn, principal.account_id, path_id(message_id, MESSAGE_NOT_FOUND)
        )
    return ok(render_message(row))
