"""Tellody's CampaignCloud routes: ping, login, logout, UserInfo and Report/ContactChart.

Handlers read the body, run the session checks and the chart in a worker thread (database and
argon2 work), and render Tellody's shapes. Order of checks for a report: session cookie (401),
XSRF token (403), body (400).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from mailroom.accounts import service as accounts_service
from mailroom.charts import service as charts_service
from mailroom.context import Context
from mailroom.dialects.tellody import errors, params
from mailroom.dialects.tellody import session as web_session
from mailroom.kit.jsonx import JSONResponse
from mailroom.sessions import service as sessions
from mailroom.sessions.schemas import SessionView
from mailroom.web.deps import get_ctx

errors.install()
router = APIRouter(prefix=errors.PREFIX, tags=["tellody"])

LOGGED_IN = {"message": "You have logged in with success.", "status": "success"}
LOGGED_OUT = {"message": "You have logged out with success.", "status": "success"}


def _check(
    ctx: Context, request: Request, body: bytes, *, need_user: bool, need_xsrf: bool = True
) -> SessionView:
    # A read: on SQLite a write transaction would wait behind any ingest in progress. The idle
    # deadline is written apart, at most once a minute per session.
    policy, session_id = web_session.policy(ctx), web_session.session_id(request)
    with ctx.db.read() as conn:
        view = sessions.check(
            conn,
            ctx.clock,
            policy,
            session_id,
            web_session.xsrf_of(request, body),
            need_user=need_user,
            need_xsrf=need_xsrf,
            touch=False,
        )
    if view.stale:
        with ctx.db.write() as conn:
            sessions.touch(conn, ctx.clock, policy, session_id)
    return view


@router.get("/RememberMeController/ping")
async def ping(request: Request) -> Response:
    """A new XSRF token (header X-XSRF-TOKEN) for the caller's session, opening one if needed."""
    ctx = get_ctx(request)
    current = web_session.session_id(request)

    def issue() -> tuple[Any, bool]:
        with ctx.db.write() as conn:
            issued = sessions.issue_xsrf(conn, ctx.clock, web_session.policy(ctx), current)
            view = sessions.check(
                conn,
                ctx.clock,
                web_session.policy(ctx),
                issued.session_id,
                None,
                need_user=False,
                need_xsrf=False,
            )
        return issued, view.user_id is not None

    issued, signed_in = await run_in_threadpool(issue)
    response = JSONResponse({"status": "success", "authenticated": signed_in})
    response.headers[web_session.XSRF_HEADER] = issued.xsrf
    if issued.session_id != current:
        web_session.set_cookie(request, response, ctx, issued.session_id, issued.remember)
    return response


@router.post("/login")
async def login(request: Request) -> Response:
    """Sign the session in with form fields username, password, remember-me (any Content-Type)."""
    ctx = get_ctx(request)
    body = await request.body()
    username, password, remember = params.login_fields(body)
    address = web_session.address_of(request)
    policy = web_session.policy(ctx)

    def sign_in() -> Any:
        _check(ctx, request, body, need_user=False)
        with ctx.db.read() as conn:
            principal = sessions.authenticate(
                conn, ctx.clock, policy, username=username, password=password, address=address
            )
        with ctx.db.write() as conn:
            if principal is None:
                sessions.record_failure(conn, ctx.clock, policy, username=username, address=address)
                return None
            return sessions.login(
                conn,
                ctx.clock,
                policy,
                web_session.session_id(request),
                principal,
                remember=remember,
                username=username,
                address=address,
            )

    issued = await run_in_threadpool(sign_in)
    if issued is None:
        return errors.bad_credentials()
    response = JSONResponse(LOGGED_IN)
    web_session.set_cookie(request, response, ctx, issued.session_id, issued.remember)
    if issued.xsrf:
        response.headers[web_session.XSRF_HEADER] = issued.xsrf
    return response


@router.post("/logout")
async def logout(request: Request) -> Response:
    """End the session: its cookie is refused afterwards."""
    ctx = get_ctx(request)
    body = await request.body()

    def end() -> None:
        _check(ctx, request, body, need_user=False)
        with ctx.db.write() as conn:
            sessions.logout(conn, web_session.session_id(request))

    await run_in_threadpool(end)
    response = JSONResponse(LOGGED_OUT)
    web_session.clear_cookie(request, response)
    return response


@router.get("/UserInfo")
async def user_info(request: Request) -> Response:
    """The signed-in user and its account (a safe GET: the session cookie is enough)."""
    ctx = get_ctx(request)

    def read() -> dict[str, Any]:
        view = _check(ctx, request, b"", need_user=True, need_xsrf=False)
        assert view.user_id is not None
        with ctx.db.read() as conn:
            return accounts_service.user_info(conn, view.user_id)

    info = await run_in_threadpool(read)
    username = str(info["username"])
    return JSONResponse(
        {
            "userId": info["user_id"],
            "username": username,
            "email": username if "@" in username else None,
            "role": info["role"],
            "accountId": info["account_id"],
            "accountCode": info["account_code"],
            "accountName": info["account_name"],
            "creditsSpent": 0,
            "creditsAvailable": 0,
        }
    )


def _cache(ctx: Context) -> charts_service.ChartCache:
    found = ctx.services.get("chart_cache")
    if found is None:
        found = ctx.services["chart_cache"] = charts_service.ChartCache()
    return found  # type: ignore[no-any-return]


@router.post("/Report/ContactChart")
async def contact_chart(request: Request) -> Response:
    """Contacts added, lists added, opt-outs and contacts sent to per bucket of the window."""
    ctx = get_ctx(request)
    body = await request.body()

    def report() -> dict[str, list[int]]:
        view = _check(ctx, request, body, need_user=True)
        assert view.account_id is not None
        window = params.chart_window(body)
        with ctx.db.read() as conn:
            chart = charts_service.contact_chart(
                conn, ctx.clock, view.account_id, window, _cache(ctx)
            )
        return {
            "contactsAdded": chart.contacts_added,
            "groupsAdded": chart.groups_added,
            "contactsBlocked": chart.contacts_blocked,
            "contactsServed": chart.contacts_served,
        }

    return JSONResponse(await run_in_threadpool(report))
