"""mailroom's own bulk event endpoint: a JSON array or NDJSON of events in, counts out."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from mailroom.accounts.schemas import Principal
from mailroom.activity import intake
from mailroom.activity.parse import Invalid
from mailroom.activity.schemas import EventItem, IngestResponse
from mailroom.activity.types import Source
from mailroom.context import Context
from mailroom.errors import BadRequest, PayloadTooLarge
from mailroom.kit import gcpause
from mailroom.kit.jsonx import JSONResponse
from mailroom.web.bearer import bearer_principal
from mailroom.web.deps import get_ctx

router = APIRouter(tags=["mailroom"])

DESCRIPTION = """
Store up to `bulk_max_items` (default 10,000) engagement events in one call.

**Body**: a JSON array of event objects (`Content-Type: application/json`), or NDJSON, one
object per line (`Content-Type: application/x-ndjson`; also detected when the body is not one
JSON document). Each event names its contact by `contact_id`, or by `email` plus `list_id`
(default: the account's default list); only the token's account is searched.

**Validation is per item**: every item is checked and resolved, and each one that fails is
reported by its index (its position in the array, or its line among the non-empty NDJSON
lines) with a reason; the others are stored. An item whose `idempotency_key` was stored before,
or appears earlier in the same body, is a duplicate: it is not stored again and changes no count.

**Response**: always `200` when the body could be read, even if every item was rejected:
`{"accepted": n, "duplicates": n, "rejected": n, "errors": [{"index": i, "reason": "..."}]}`.
Accepted events are committed before the response is sent. A body that is not JSON is `400`,
more items than the limit `413`, a missing or invalid token `401`.

With `?create_mailings=true`, an item naming a mailing mailroom does not know (by `mailing_id`
or `campaign_activity_id`) registers that campaign (sent elsewhere) instead of being rejected:
a numeric id becomes the mailing's id, a uuid its `campaign_activity_id`.

Hard bounces, complaints and opt-outs change the contact's status as `change_status` does;
older or repeated events change nothing. Opens and clicks from privacy proxies and link scanners
are stored with `machine: true` and counted apart.
"""

_NDJSON = ("ndjson", "jsonlines", "json-seq", "jsonl")


def read_items(raw: bytes, content_type: str, max_items: int) -> list[Any]:
    """The body's items; a bad NDJSON line becomes an `Invalid` placeholder rejected by index."""
    body = raw.strip()
    if not body:
        raise BadRequest("Request body is empty; send a JSON array or NDJSON of events.")
    lowered = content_type.lower()
    if not any(marker in lowered for marker in _NDJSON):
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            if body[:1] == b"[":
                raise BadRequest(f"Invalid JSON in request body: {exc}") from None
            parsed = None  # not one document: read it as NDJSON below
        if isinstance(parsed, list):
            _check_size(len(parsed), max_items)
            return parsed
        if isinstance(parsed, dict):
            return [parsed]
        if parsed is not None:
            raise BadRequest("The body must be a JSON array of events, or NDJSON.")
    lines = [line for line in body.splitlines() if line.strip()]
    _check_size(len(lines), max_items)
    items: list[Any] = []
    for line in lines:
        try:
            items.append(orjson.loads(line))
        except orjson.JSONDecodeError as exc:
            items.append(Invalid(f"invalid JSON: {exc}"))
    return items


def _check_size(count: int, max_items: int) -> None:
    if count > max_items:
        raise PayloadTooLarge(
            f"Too many events: {count}; one request may carry at most {max_items}."
        )


def ingest_body(
    ctx: Context,
    principal: Principal,
    raw: bytes,
    content_type: str,
    create_mailings: bool = False,
) -> dict[str, Any]:
    """Read, validate and store a request body; only the storing holds a write transaction.

    The batch's objects are all freed before the collector comes back on: one still alive then
    would make its first collection walk every one of them (about 10% of the request's CPU).
    """
    with gcpause.paused():
        result = intake.ingest_request(
            ctx,
            principal.account_id,
            lambda: read_items(raw, content_type, ctx.settings.bulk_max_items),
            default_list_id=principal.default_list_id,
            source=Source.API,
            create_mailings=create_mailings,
        )
        return result.as_json()


_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {"type": "array", "items": EventItem.model_json_schema()}
            },
            "application/x-ndjson": {
                "schema": {"type": "string", "description": "One event object per line."}
            },
        },
    }
}


@router.post(
    "/mailroom/v1/events",
    summary="Ingest engagement events in bulk",
    description=DESCRIPTION,
    responses={200: {"model": IngestResponse, "description": "Counts and per-item errors"}},
    openapi_extra=_BODY_DOC,
)
async def post_events(
    request: Request,
    ctx: Context = Depends(get_ctx),
    principal: Principal = Depends(bearer_principal),
) -> JSONResponse:
    raw = await request.body()
    content_type = request.headers.get("content-type", "")
    create = request.query_params.get("create_mailings", "").lower() in ("1", "true", "yes")
    return JSONResponse(
        await run_in_threadpool(ingest_body, ctx, principal, raw, content_type, create)
    )
