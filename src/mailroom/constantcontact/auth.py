"""Bearer-token auth for ``/v3``: a valid token carrying the ``contact_data`` scope."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import Depends
from starlette.requests import Request

from mailroom.accounts import service as accounts_service
from mailroom.accounts.schemas import Principal
from mailroom.context import Context
from mailroom.errors import Forbidden, Unauthorized
from mailroom.web.deps import get_ctx
from mailroom.web.ratelimit import RateLimiter

SCOPE = "contact_data"
FORBIDDEN = (
    "Forbidden request. You lack the necessary scopes, you lack the necessary user privileges, "
    "or the application is deactivated."
)


def _cache(ctx: Context) -> accounts_service.CredentialCache:
    # The same process-wide cache the other dialects use, so a revoke clears one place.
    cache = ctx.services.get("credential_cache")
    if cache is None:
        cache = ctx.services["credential_cache"] = accounts_service.CredentialCache(
            ctx.settings.auth_cache_s
        )
    return cache  # type: ignore[no-any-return]


def _limiter(ctx: Context) -> RateLimiter:
    # One per-account budget across dialects: the key is shared with the Ongage dialect.
    found = ctx.services.get("rate_limiter")
    if found is None:
        found = ctx.services["rate_limiter"] = RateLimiter(
            ctx.clock, ctx.settings.rate_limit_per_minute, ctx.settings.rate_limit_in_flight
        )
    return found  # type: ignore[no-any-return]


def bearer_token(request: Request) -> str:
    """The token of ``Authorization: Bearer <token>`` (scheme case-insensitive), or ''."""
    scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return token.strip()


def authenticate(request: Request, ctx: Context) -> Principal:
    token = bearer_token(request)
    if not token:
        raise Unauthorized("The Access Token used is invalid.")
    cache = _cache(ctx)
    cached = cache.get(cache.key("token", token))
    if cached is None:
        with ctx.db.read() as conn:
            cached = accounts_service.authenticate_token(conn, cache, token)
    if SCOPE not in cached.scopes:
        raise Forbidden(FORBIDDEN)
    return cached


def cc_principal(request: Request, ctx: Context = Depends(get_ctx)) -> Iterator[Principal]:
    """FastAPI dependency: the authenticated caller, holding one rate-limit slot for the call."""
    principal = authenticate(request, ctx)
    with _limiter(ctx).call(
        principal.account_id, principal.rate_limit_per_minute, principal.rate_limit_in_flight
    ):
        yield principal
