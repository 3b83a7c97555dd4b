"""Bearer-token auth for ``/v3``: a valid token carrying the ``contact_data`` scope."""

from __future__ import annotations

from collections.abc import AsyncIterator

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from mailroom.accounts.schemas import Principal
from mailroom.context import Context
from mailroom.errors import Forbidden
from mailroom.web.bearer import bearer_principal, credential_cache, token_of
from mailroom.web.deps import get_ctx
from mailroom.web.ratelimit import RateLimiter, limiter_for

SCOPE = "contact_data"
FORBIDDEN = (
    "Forbidden request. You lack the necessary scopes, you lack the necessary user privileges, "
    "or the application is deactivated."
)


def _limiter(ctx: Context) -> RateLimiter:
    # One per-account budget across dialects: the same limiter as the Ongage dialect's.
    return limiter_for(ctx)


async def cc_principal(request: Request) -> AsyncIterator[Principal]:
    """FastAPI dependency: the caller (401 without a valid token, 403 without the scope),
    holding one rate-limit slot for the call.

    Async so that a cached token costs no thread hop; only a cache miss reads the database
    (in the thread pool).
    """
    ctx = get_ctx(request)
    token = token_of(request)
    cache = credential_cache(ctx)
    principal = cache.get(cache.key("token", token)) if token else None
    if principal is None:
        principal = await run_in_threadpool(bearer_principal, request, ctx)
    if SCOPE not in principal.scopes:
        raise Forbidden(FORBIDDEN)
    async with _limiter(ctx).acall(
        principal.account_id, principal.rate_limit_per_minute, principal.rate_limit_in_flight
    ):
        yield principal
