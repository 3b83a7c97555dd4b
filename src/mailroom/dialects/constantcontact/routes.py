"""Constant Contact v3 contact reporting: activity details, activity summary, open/click rates.

``contact_id`` is the contact's public id (the same 24-hex id Ongage returns). A malformed id
is a 404 ``contacts.api.not_found`` "contact_id is in an invalid format." (the glossary's own
example); an unknown id, or another account's contact, is the same 404 with "Contact not found.".
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from sqlalchemy import Connection
from starlette.requests import Request

from mailroom.accounts.schemas import Principal
from mailroom.activity import history
from mailroom.activity.types import CONSTANT_CONTACT_TYPES
from mailroom.dialects.constantcontact import errors, params, render
from mailroom.dialects.constantcontact.auth import cc_principal
from mailroom.errors import NotFound
from mailroom.kit import ids
from mailroom.kit.jsonx import JSONResponse
from mailroom.web.deps import get_ctx

NOT_FOUND = "contacts.api.not_found"

errors.install()
router = APIRouter(prefix=render.REPORTS, tags=["constant-contact"])


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


_TYPES = {"type": "array", "items": {"type": "string", "enum": list(CONSTANT_CONTACT_TYPES)}}
_DETAILS_PARAMS = [
    _query(
        "tracking_activities_list",
        "Activity types, comma-joined or repeated. Exclusive with tracking_activity_type; "
        "neither means em_clicks.",
        _TYPES,
    ),
    _query("tracking_activity_type", "Activity types, repeated or comma-joined.", _TYPES),
    _query("include_campaign_activity_names", "true (default) or false", {"type": "boolean"}),
    _query("limit", "Page size, 1 to 100 (default 100).", {"type": "integer"}),
    _query("cursor", "Opaque position from _links.next.href.", {"type": "string"}),
]
_RANGE_PARAMS = [
    {
        **_query("start", "ISO 8601, e.g. 2019-01-01T00:00:00-0500", {"type": "string"}),
        "required": True,
    },
    {
        **_query("end", "ISO 8601, e.g. 2019-12-01T00:00:00-0500", {"type": "string"}),
        "required": True,
    },
]


def _contact(conn: Connection, principal: Principal, contact_id: str) -> tuple[str, int]:
    uid = contact_id.strip().lower()
    if not ids.is_object_id(uid):
        raise NotFound("contact_id is in an invalid format.", code=NOT_FOUND)
    key = history.contact_key(conn, principal.account_id, uid)
    if key is None:
        raise NotFound("Contact not found.", code=NOT_FOUND)
    return uid, key


@router.get(
    "/{contact_id}/activity_details",
    summary="A contact's tracking activities, newest first",
    openapi_extra={"parameters": _DETAILS_PARAMS},
)
def activity_details(
    contact_id: str,
    request: Request,
    principal: Principal = Depends(cc_principal),
) -> JSONResponse:
    ctx = get_ctx(request)
    query = params.parse_details(request.query_params.multi_items())
    with ctx.db.read() as conn:
        uid, key = _contact(conn, principal, contact_id)
        page = history.event_page(
            conn,
            key,
            query.types,
            limit=query.limit,
            after=query.after,
            with_names=query.include_names,
        )
    return JSONResponse(render.activity_details(uid, query, page))


@router.get(
    "/{contact_id}/activity_summary",
    summary="Per-campaign activity counts for the contact's most recent 200 campaigns",
    openapi_extra={"parameters": _RANGE_PARAMS},
)
def activity_summary(
    contact_id: str,
    request: Request,
    principal: Principal = Depends(cc_principal),
) -> JSONResponse:
    ctx = get_ctx(request)
    start_ms, end_ms = params.parse_range(request.query_params.multi_items())
    with ctx.db.read() as conn:
        uid, key = _contact(conn, principal, contact_id)
        campaigns = history.campaign_counts(conn, key, start_ms, end_ms)
    return JSONResponse(render.activity_summary(uid, campaigns))


@router.get(
    "/{contact_id}/open_and_click_rates",
    summary="Share of the campaigns sent in the range that the contact opened and clicked",
    openapi_extra={"parameters": _RANGE_PARAMS},
)
def open_and_click_rates(
    contact_id: str,
    request: Request,
    principal: Principal = Depends(cc_principal),
) -> JSONResponse:
    ctx = get_ctx(request)
    start_ms, end_ms = params.parse_range(
        request.query_params.multi_items(), max_years=params.MAX_RATE_RANGE_YEARS
    )
    with ctx.db.read() as conn:
        uid, key = _contact(conn, principal, contact_id)
        found = history.rates(conn, key, start_ms, end_ms)
    return JSONResponse(render.open_and_click_rates(uid, found))
