"""Ongage ESP connections: ``/api/esp_connections`` (Private SMTP and mailroom's outbox) and
``/api/esp_connections/options?active_only=``. The password is never rendered."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from starlette.requests import Request

from mailroom.accounts.schemas import Principal
from mailroom.context import Context
from mailroom.dialects.ongage.auth import ongage_principal
from mailroom.dialects.ongage.envelope import ok
from mailroom.dialects.ongage.ids import path_id
from mailroom.dialects.ongage.params import json_body
from mailroom.errors import ValidationFailed
from mailroom.esp import service
from mailroom.esp.service import CONNECTION_NOT_FOUND, ESP_NAMES
from mailroom.kit.jsonx import JSONResponse
from mailroom.web.deps import get_ctx

router = APIRouter(tags=["ongage: esp connections"])


def render_connection(row: Any) -> dict[str, Any]:
    return {
        "id": str(row.id),
        "esp_id": str(row.esp_id),
        "esp_name": ESP_NAMES.get(row.esp_id, ""),
        "name": row.name,
        "host": row.host,
        "port": row.port,
        "encryption": row.encryption,
        "username": row.username,
        "has_password": bool(row.password),
        "from_address": row.from_address,
        "from_name": row.from_name,
        "reply_address": row.reply_address,
        "rate_per_second": row.rate_per_second,
        "daily_quota": row.daily_quota,
        "folder": row.folder,
        "active": bool(row.active),
        "support_transactional": "1" if row.support_transactional else "0",
        "created": str(row.created),
        "modified": str(row.modified or row.created),
    }


def _active_only(request: Request) -> bool:
    raw = (request.query_params.get("active_only") or "false").lower()
    if raw not in ("true", "false", "1", "0"):
        message = "active_only must be true or false"
        raise ValidationFailed(message, errors=[{"field": "active_only", "message": message}])
    return raw in ("true", "1")


@router.get("/api/esp_connections/options")
def get_options(
    request: Request,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    active_only = _active_only(request)
    with ctx.db.read() as conn:
        rows = service.list_connections(conn, principal.account_id, active_only=active_only)
    return ok(
        [
            {
                "id": str(r.id),
                "esp_id": str(r.esp_id),
                "esp_name": ESP_NAMES.get(r.esp_id, ""),
                "support_transactional": "1" if r.support_transactional else "0",
                "name": r.name,
            }
            for r in rows
        ]
    )


@router.get("/api/esp_connections")
def get_connections(
    request: Request,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    active_only = _active_only(request)
    with ctx.db.read() as conn:
        rows = service.list_connections(conn, principal.account_id, active_only=active_only)
    return ok([render_connection(r) for r in rows], total=len(rows))


@router.get("/api/esp_connections/{connection_id}")
def get_connection(
    connection_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.read() as conn:
        row = service.get_connection(
            conn, principal.account_id, path_id(connection_id, CONNECTION_NOT_FOUND)
        )
    return ok(render_connection(row))


@router.post("/api/esp_connections")
def create_connection(
    principal: Principal = Depends(ongage_principal),
    body: Any = Depends(json_body),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.write() as conn:
        row = service.create_connection(conn, ctx.clock, principal.account_id, body)
    return ok(render_connection(row))


@router.put("/api/esp_connections/{connection_id}")
def update_connection(
    connection_id: str,
    principal: Principal = Depends(ongage_principal),
    body: Any = Depends(json_body),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.write() as conn:
        row = service.update_connection(
            conn,
            ctx.clock,
            principal.account_id,
            path_id(connection_id, CONNECTION_NOT_FOUND),
            body,
        )
    return ok(render_connection(row))


@router.delete("/api/esp_connections/{connection_id}")
def delete_connection(
    connection_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.write() as conn:
        row = service.delete_connection(
            conn, principal.account_id, path_id(connection_id, CONNECTION_NOT_FOUND)
        )
    return ok(render_connection(row))
