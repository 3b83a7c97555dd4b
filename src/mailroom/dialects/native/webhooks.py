"""`POST /mailroom/webhooks/{provider}/{token}`: sending providers report deliveries and more."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from mailroom.web.deps import get_ctx
from mailroom.webhooks import service

router = APIRouter(tags=["webhooks"])


@router.post("/mailroom/webhooks/{provider}/{token}")
async def receive(provider: str, token: str, request: Request) -> dict[str, Any]:
    """Verify the provider's signature (or credentials) and ingest its events.

    Answers 200 with counts (accepted, duplicates, rejected by reason, ignored event types);
    404 for an unknown endpoint, 401/403 when the signature does not verify, 400 for a body
    that is not the provider's JSON. Nothing is recorded unless the answer is 200.
    """
    body = await request.body()
    ctx = get_ctx(request)
    return await run_in_threadpool(service.receive, ctx, provider, token, body, request.headers)
