"""Bearer-token auth for mailroom's own routes, sharing the process-wide credential cache."""

from __future__ import annotations

from fastapi import Depends
from starlette.requests import Request

from mailroom.accounts import service as accounts_service
from mailroom.accounts.schemas import Principal
from mailroom.context import Context
from mailroom.errors import Unauthorized
from mailroom.web.deps import get_ctx

INVALID = "A valid API token is required: Authorization: Bearer <token>."


def credential_cache(ctx: Context) -> accounts_service.CredentialCache:
    """The one cache every dialect uses (key ``credential_cache``), so a revoke clears one place."""
    cache = ctx.services.get("credential_cache")
    if cache is None:
        cache = ctx.services["credential_cache"] = accounts_service.CredentialCache(
            ctx.settings.auth_cache_s
        )
    return cache  # type: ignore[no-any-return]


def token_of(request: Request) -> str:
    """The token of ``Authorization: Bearer <token>`` (scheme case-insensitive), or ''."""
    scheme, _, token = request.headers.get("authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def bearer_principal(request: Request, ctx: Context = Depends(get_ctx)) -> Principal:
    """FastAPI dependency: the account of a valid API token, or 401."""
    token = token_of(request)
    if not token:
        raise Unauthorized(INVALID)
    cache = credential_cache(ctx)
    cached = cache.get(cache.key("token", token))
    if cached is not None:
        return cached
    try:
        with ctx.db.read() as conn:
            return accounts_service.authenticate_token(conn, cache, token)
    except Unauthorized:
        raise Unauthorized(INVALID) from None
