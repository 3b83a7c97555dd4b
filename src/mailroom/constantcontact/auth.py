"""Bearer-token auth for ``/v3``: a valid token carrying the ``contact_data`` scope."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends
from starlette.requests import Request

from mailroom.accounts.schemas import Principal
from mailroom.context import Context
from mailroom.errors import Forbidden
from mailroom.web.bearer import bearer_principal
from mailroom.web.deps import get_ctx
from mailroom.web.ratelimit import RateLimiter

SCOPE = "contact_data"
FORBIDDEN = (
    "Forbidden request. You lack the necessary scopes, you lack the necessary user privileges, "
    "or the application is deactivated."
)


def _limiter(ctx: Context) -> RateLimiter:
    # One per-account budget across dialects: the key is shared with the Ongage dialect.
    found = ctx.services.get("rate_limiter")
    if found is None:
        found = ctx.services["rate_limiter"] = RateLimiter(
            ctx.clock, ctx.settings.rate_limit_per_minute, ctx.settings.rate_limit_in_flight
        )
    return found  # type: ignore[no-any-return]


def cc_principal(request: Request, ctx: Context = Depends(get_ctx)) -> Iterator[Principal]:
    """FastAPI dependency: the caller (401 without a valid token, 403 without the scope),
    holding one rate-limit slot for the call."""
    principal = bearer_principal(request, ctx)
    if SCOPE not in principal.scopes:
        raise Forbidden(FORBIDDEN)
    with _limiter(ctx).call(
        principal.account_id, principal.rate_limit_per_minute, principal.rate_limit_in_flight
    ):
        yield principal
