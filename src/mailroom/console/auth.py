"""Signing in and out of the console, and `/` sending visitors to it."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mailroom.console import session
from mailroom.console.render import page
from mailroom.errors import RateLimited
from mailroom.sessions import service as sessions
from mailroom.sessions.schemas import Issued

router = APIRouter(include_in_schema=False)

WRONG_CREDENTIALS = "The account code, username or password is wrong."


@router.get("/")
def root() -> RedirectResponse:
    return RedirectResponse(session.HOME, status_code=307)


def _login_form(request: Request, *, status: int = 200, error: str | None = None,
                values: dict[str, str] | None = None) -> Response:  # fmt: skip
    """The form with a token of the caller's (anonymous, until it signs in) session."""
    ctx = session.context(request)
    with ctx.db.write() as conn:
        issued = sessions.issue_xsrf(
            conn, ctx.clock, session.policy(ctx), request.cookies.get(session.SESSION_COOKIE)
        )
    response = page(
        request,
        "login.html",
        status=status,
        user=None,
        csrf=issued.xsrf,
        error=error,
        values=values or {},
        next=session.safe_next(request.query_params.get("next")),
    )
    session.set_cookies(request, response, issued)
    return response


@router.get("/console/login")
def login_form(request: Request) -> Response:
    try:
        session.current_user(request)
    except session.SignInNeeded:
        return _login_form(request)
    return RedirectResponse(session.safe_next(request.query_params.get("next")), status_code=303)


@router.post("/console/login")
async def login(request: Request) -> Response:
    form = await session.read_form(request)
    session.check_csrf(request, form, need_user=False)
    ctx = session.context(request)
    policy = session.policy(ctx)
    username = form.get("username", "").strip()
    account_code = form.get("account", "").strip() or None
    address = request.client.host if request.client else ""
    values = {"username": username, "account": account_code or ""}
    try:
        with ctx.db.write() as conn:
            principal = sessions.authenticate(
                conn,
                ctx.clock,
                policy,
                username=username,
                password=form.get("password", ""),
                address=address,
                account_code=account_code,
            )
            if principal is None:
                sessions.record_failure(conn, ctx.clock, policy, username=username, address=address)
            else:
                issued = sessions.login(
                    conn,
                    ctx.clock,
                    policy,
                    request.cookies.get(session.SESSION_COOKIE),
                    principal,
                    remember=form.get("remember") == "on",
                    username=username,
                    address=address,
                )
    except RateLimited as exc:
        return _login_form(request, status=429, error=exc.message, values=values)
    if principal is None:
        return _login_form(request, status=401, error=WRONG_CREDENTIALS, values=values)
    response = RedirectResponse(session.safe_next(form.get("next")), status_code=303)
    # The session's XSRF tokens carry over to its new id: the form's stays the console's.
    token = issued.xsrf or form[session.CSRF_FIELD]
    session.set_cookies(request, response, Issued(issued.session_id, token, issued.remember))
    return response


@router.post("/console/logout")
async def logout(request: Request) -> Response:
    form = await session.read_form(request)
    session.check_csrf(request, form)
    ctx = session.context(request)
    with ctx.db.write() as conn:
        sessions.logout(conn, request.cookies.get(session.SESSION_COOKIE, ""))
    response = RedirectResponse(f"{session.HOME}/login", status_code=303)
    session.clear_cookies(request, response)
    return response
