"""Ongage Lists API: ``/api/lists`` collection, one list, create, update, delete."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from starlette.requests import Request

from mailroom.accounts.schemas import Principal
from mailroom.context import Context
from mailroom.dialects.ongage.auth import ongage_principal
from mailroom.dialects.ongage.envelope import ok
from mailroom.dialects.ongage.params import json_body, paging
from mailroom.errors import ValidationFailed
from mailroom.kit.bounds import MAX_BIGINT, whole_number
from mailroom.kit.clock import now_s
from mailroom.kit.jsonx import JSONResponse
from mailroom.lists import service
from mailroom.lists.schemas import LIST_TYPES, SORTABLE, ListQuery, ListView
from mailroom.web.bearer import credential_cache
from mailroom.web.deps import get_ctx
from mailroom.web.inputs import path_id

router = APIRouter(tags=["ongage: lists"])

# Keys of Ongage's list object that mailroom keeps but does not act on, with Ongage's defaults
# (from the vendor's GET /api/lists/<id> example). Clients may set them; they round-trip.
EXTRA_DEFAULTS: dict[str, Any] = {
    "hash_type": "",
    "unsubscribe_default_link": True,
    "unsubscribe_success_html": None,
    "unsubscribe_confirmation_html": None,
    "unsubscribe_confirmation_button": "",
    "unsubscribe_redirect_url": None,
    "frequencies": None,
    "frequency_active": False,
    "frequency_html": None,
    "frequency_button": "",
    "frequency_field_id": None,
    "external_url_wrapper": "",
    "expiration_date": 0,
    "default_transactional_id": None,
    "welcome_email_id": None,
    "welcome_email_active": False,
    "welcome_email_esp_connection_id": None,
    "welcome_sms_id": None,
    "welcome_sms_active": False,
    "welcome_sms_connection_id": None,
    "welcome_sms_per_segment": None,
    "allowed_provider_connection_ids": None,
    "public_key": None,
    "image_host_base": None,
    "tracking_domain": None,
    "sms_field_id": None,
    "archive": False,
    "segment_welcome_emails": None,
    "included_segment_cache": None,
    "excluded_segment_cache": None,
    "header_template_id": None,
    "footer_template_id": None,
    "cke_keep_spaces_empty_blocks": False,
    "preprocess_minutes": None,
    "imports_concurrent_limit": 2,
    "demo_list_step": "",
    "link_query_params": None,
}
_CORE_KEYS = ("name", "description", "type", "scope", "notification_email")


def _list_id(raw: str) -> int:
    return path_id(raw, service.LIST_NOT_FOUND, "list_id")


def _extra_value(key: str, value: Any) -> Any:
    default = EXTRA_DEFAULTS[key]
    if isinstance(default, bool):
        if value in (True, False, 0, 1, "0", "1", "true", "false"):
            return value in (True, 1, "1", "true")
        raise ValueError(f"{key} must be true or false")
    if isinstance(default, int) or key.endswith("_id"):
        if value is None and not isinstance(default, int):
            return None
        if isinstance(value, bool):
            raise ValueError(f"{key} must be a number")
        return whole_number(value, key, low=-MAX_BIGINT)
    return value


def parse_list_body(body: Any) -> dict[str, Any]:
    """An Ongage list body → the lists service's input (unmodelled keys go to `settings`)."""
    if not isinstance(body, dict):
        raise ValidationFailed(
            "The request body must be a JSON object",
            errors=[{"field": "", "message": "expected a JSON object"}],
        )
    data = {key: body[key] for key in _CORE_KEYS if key in body}
    settings: dict[str, Any] = {}
    errors: list[dict[str, str]] = []
    for key in EXTRA_DEFAULTS.keys() & body.keys():
        try:
            settings[key] = _extra_value(key, body[key])
        except ValueError as exc:
            errors.append({"field": key, "message": str(exc)})
    if "default" in body:
        flag = body["default"]
        if flag in (True, False, 0, 1, "0", "1", "true", "false"):
            data["default"] = flag in (True, 1, "1", "true")
        else:
            errors.append({"field": "default", "message": "default must be true or false"})
    if errors:
        messages = "; ".join(e["message"] for e in errors)
        raise ValidationFailed(f"Invalid list: {messages}", errors=errors)
    if settings:
        data["settings"] = settings
    return data


# Ongage's documented keys in their order, then mailroom's own `default` (is it the account's
# default list; Ongage documents no way to read or change that).
LIST_KEYS = (
    "id", "name", "notification_email", "description", "type", "hash_type", "last_count",
    "last_active_count", "unsubscribes", "unsubscribe_default_link", "complaints",
    "last_stats_date", "last_events_stats_date", "last_transactional_stats_date", "bounces",
    "unsubscribe_success_html", "unsubscribe_confirmation_html",
    "unsubscribe_confirmation_button", "unsubscribe_redirect_url", "frequencies",
    "frequency_active", "frequency_html", "frequency_button", "frequency_field_id",
    "external_url_wrapper", "expiration_date", "scope", "default_transactional_id",
    "welcome_email_id", "welcome_email_active", "welcome_email_esp_connection_id",
    "welcome_sms_id", "welcome_sms_active", "welcome_sms_connection_id",
    "welcome_sms_per_segment", "allowed_provider_connection_ids", "public_key",
    "image_host_base", "tracking_domain", "sms_field_id", "modified_counts", "archive",
    "segment_welcome_emails", "included_segment_cache", "excluded_segment_cache",
    "header_template_id", "footer_template_id", "cke_keep_spaces_empty_blocks",
    "preprocess_minutes", "imports_concurrent_limit", "demo_list_step", "link_query_params",
    "account_id", "created", "modified", "deleted",
    "default",
)  # fmt: skip


def render_list(view: ListView, now: int) -> dict[str, Any]:
    """The list object of Ongage's Lists API, every documented key in its documented order."""
    row, counts = view.row, view.counts
    settings = row.settings or {}
    values: dict[str, Any] = {
        **EXTRA_DEFAULTS,
        **{k: v for k, v in settings.items() if k in EXTRA_DEFAULTS},
        "id": row.id,
        "name": row.name,
        "notification_email": row.notification_email,
        "description": row.description,
        "type": row.type,
        "scope": row.scope,
        "last_count": counts.total,
        "last_active_count": counts.active,
        "unsubscribes": counts.unsubscribed,
        "bounces": counts.bounced,
        "complaints": counts.complaints,
        "last_stats_date": now,  # counts are computed live, at the time of the call
        "last_events_stats_date": None,
        "last_transactional_stats_date": None,
        "modified_counts": 0,
        "account_id": row.account_id,
        "created": row.created,
        "modified": row.modified,
        "deleted": None,
        "default": view.default,
    }
    return {key: values[key] for key in LIST_KEYS}


@router.get("/api/lists")
def get_lists(
    request: Request,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    query = paging(request, SORTABLE)
    list_type = request.query_params.get("type") or None
    if list_type is not None and list_type not in LIST_TYPES:
        message = f"type must be one of: {', '.join(LIST_TYPES)}"
        raise ValidationFailed(message, errors=[{"field": "type", "message": message}])
    query = ListQuery(
        name=request.query_params.get("name") or None,
        type=list_type,
        sort=query.sort,
        descending=query.descending,
        offset=query.offset,
        limit=query.limit,
    )
    with ctx.db.read() as conn:
        views, total = service.find_lists(conn, principal.account_id, query)
    now = now_s(ctx.clock)
    return ok([render_list(v, now) for v in views], total=total)


@router.get("/api/lists/{list_id}")
def get_one_list(
    list_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.read() as conn:
        view = service.view_list(conn, principal.account_id, _list_id(list_id))
    return ok(render_list(view, now_s(ctx.clock)))


@router.post("/api/lists")
def create_list(
    principal: Principal = Depends(ongage_principal),
    body: Any = Depends(json_body),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    data = parse_list_body(body)
    with ctx.db.write() as conn:
        created = service.create_list(conn, ctx.clock, principal.account_id, data)
        view = service.view_list(conn, principal.account_id, int(created["id"]))
    _default_changed(ctx, data)
    return ok(render_list(view, now_s(ctx.clock)))


@router.put("/api/lists/{list_id}")
def update_list(
    list_id: str,
    principal: Principal = Depends(ongage_principal),
    body: Any = Depends(json_body),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    data = parse_list_body(body)
    with ctx.db.write() as conn:
        view = service.update_list(conn, ctx.clock, principal.account_id, _list_id(list_id), data)
    _default_changed(ctx, data)
    return ok(render_list(view, now_s(ctx.clock)))


def _default_changed(ctx: Context, data: dict[str, Any]) -> None:
    # Cached callers carry their account's default list: drop them so the next call sees it.
    if data.get("default") is True:
        credential_cache(ctx).clear()


@router.delete("/api/lists/{list_id}")
def delete_list(
    list_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.write() as conn:
        view = service.delete_list(conn, principal.account_id, _list_id(list_id))
    now = now_s(ctx.clock)
    return ok({**render_list(view, now), "deleted": now})


@router.get("/api/lists/{list_id}/delete_implications")
def delete_implications(
    list_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.read() as conn:
        found = service.delete_implications(conn, principal.account_id, _list_id(list_id))
    return ok({"list_id": _list_id(list_id), **vars(found)})
