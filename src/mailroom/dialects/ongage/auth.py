"""Ongage header auth (X_USERNAME, X_PASSWORD, X_ACCOUNT_CODE) plus the per-account call limits."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from mailroom.accounts import service as accounts_service
from mailroom.accounts.schemas import Principal
from mailroom.context import Context
from mailroom.web.bearer import credential_cache
from mailroom.web.deps import get_ctx
from mailroom.web.ratelimit import RateLimiter, limiter_for


def _header(request: Request, name: str) -> str:
    # Starlette compares lower-cased names; uvicorn keeps underscores. Hyphens are taken too,
    # for proxies that can only forward X-Username style names.
    headers = request.headers
    return headers.get(name) or headers.get(name.replace("_", "-")) or ""


def limiter(ctx: Context) -> RateLimiter:
    return limiter_for(ctx)


def _credentials(request: Request) -> tuple[str, str, str]:
    return (
        _header(request, "x_account_code"),
        _header(request, "x_username"),
        _header(request, "x_password"),
    )


def cached_caller(request: Request) -> Principal | None:
    """The caller if its credentials are in the credential cache, else None (nothing checked)."""
    cache = credential_cache(get_ctx(request))
    return cache.get(cache.key("user", *_credentials(request)))


def _authenticate(request: Request, ctx: Context) -> Principal:
    with ctx.db.read() as conn:
        return accounts_service.authenticate_user(
            conn, credential_cache(ctx), *_credentials(request)
        )


async def ongage_caller(request: Request) -> Principal:
    """The authenticated caller; only a credential-cache miss (argon2, database) leaves the loop."""
    principal = cached_caller(request)
    if principal is None:
        principal = await run_in_threadpool(_authenticate, request, get_ctx(request))
    return principal


def call_slot(request: Request, principal: Principal) -> AbstractAsyncContextManager[None]:
    """One of the account's rate-limit slots, held for the block (429 when none is free)."""
    return limiter(get_ctx(request)).acall(
        principal.account_id, principal.rate_limit_per_minute, principal.rate_limit_in_flight
    )


async def ongage_principal(request: Request) -> AsyncIterator[Principal]:
    """FastAPI dependency: the authenticated caller, holding one rate-limit slot for the call.

    The two hottest reads (`ongage.hot`) call `ongage_caller` and `call_slot` themselves
    instead: a generator dependency costs about as much as their query.
    """
    principal = await ongage_caller(request)
    async with call_slot(request, principal):
        yield principal
