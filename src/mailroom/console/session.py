"""Who is signed in: the console's cookies over the shared server-side session store.

Two cookies: the session id (HttpOnly, SameSite=Lax, Secure over https) and the session's first
XSRF token, which every form carries back in a hidden field. The store accepts a session's first
token for its whole life, so pages never need to issue new ones; the cookie only lets the server
put the token in the forms it renders (the store keeps digests, not tokens).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mailroom.accounts import service as accounts_service
from mailroom.context import Context
from mailroom.errors import BadRequest, Forbidden, NotFound, PayloadTooLarge, Unauthorized
from mailroom.sessions import service as sessions
from mailroom.sessions.schemas import Issued, SessionPolicy

SESSION_COOKIE = "mailroom_console"
XSRF_COOKIE = "mailroom_console_xsrf"
CSRF_FIELD = "csrf"
MAX_FORM_BYTES = 65_536
HOME = "/console"


@dataclass(frozen=True)
class ConsoleUser:
    """The signed-in user: every page's queries are scoped to `account_id`."""

    account_id: int
    account_name: str
    username: str
    csrf: str


class SignInNeeded(Exception):
    """Raised by pages without a live signed-in session; answered with a redirect to login."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def context(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def policy(ctx: Context) -> SessionPolicy:
    found = ctx.services.get(__name__)
    if found is None:
        found = ctx.services[__name__] = SessionPolicy.from_settings(ctx.settings)
    return found  # type: ignore[no-any-return]


def _secure(request: Request, ctx: Context) -> bool:
    return request.url.scheme == "https" or ctx.settings.public_url.startswith("https://")


def set_cookies(request: Request, response: Response, issued: Issued) -> None:
    """The session and XSRF cookies; a remembered session's outlive the browser."""
    ctx = context(request)
    age = policy(ctx).remember_s if issued.remember else None
    for name, value in ((SESSION_COOKIE, issued.session_id), (XSRF_COOKIE, issued.xsrf)):
        response.set_cookie(
            name,
            value,
            max_age=age,
            path=HOME,
            httponly=True,
            samesite="lax",
            secure=_secure(request, ctx),
        )


def clear_cookies(request: Request, response: Response) -> None:
    secure = _secure(request, context(request))
    for name in (SESSION_COOKIE, XSRF_COOKIE):
        response.delete_cookie(name, path=HOME, httponly=True, samesite="lax", secure=secure)


async def read_form(request: Request) -> dict[str, str]:
    """An urlencoded form body (the console's forms post nothing else), first value per name."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise PayloadTooLarge("The form is too large.")
    try:
        form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise BadRequest("The form is not UTF-8.") from None
    if any("\x00" in text for pair in form.items() for text in pair):
        raise BadRequest("The form contains a NUL character.")
    return form


def safe_next(value: str | None) -> str:
    """Where to go after signing in: a console path only (never another site)."""
    if value and value.startswith(HOME) and not value.startswith("//") and "\\" not in value:
        return value
    return HOME


def login_redirect(next_path: str) -> RedirectResponse:
    return RedirectResponse(f"{HOME}/login?next={quote(next_path, safe='/')}", status_code=303)


def current_user(request: Request) -> ConsoleUser:
    """The signed-in user of this request, or SignInNeeded (pages redirect to the login form)."""
    ctx = context(request)
    session_id = request.cookies.get(SESSION_COOKIE)
    token = request.cookies.get(XSRF_COOKIE, "")
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    if not session_id or not token:
        raise SignInNeeded(wanted)
    try:
        with ctx.db.write() as conn:
            view = sessions.check(
                conn, ctx.clock, policy(ctx), session_id, None, need_user=True, need_xsrf=False
            )
            if view.account_id is None or view.user_id is None:
                raise SignInNeeded(wanted)
            who = accounts_service.user_info(conn, view.user_id)
    except (Unauthorized, NotFound):
        raise SignInNeeded(wanted) from None
    if who["account_id"] != view.account_id:
        raise SignInNeeded(wanted)
    return ConsoleUser(view.account_id, str(who["account_name"]), str(who["username"]), token)


def check_csrf(request: Request, form: dict[str, str], *, need_user: bool = True) -> None:
    """Refuse (403) a post whose hidden token is not its session's: forged from another site."""
    ctx = context(request)
    session_id = request.cookies.get(SESSION_COOKIE)
    token = form.get(CSRF_FIELD, "")
    if not session_id or not token:
        raise Forbidden("This form has expired or was not sent by the console; reload the page.")
    try:
        with ctx.db.write() as conn:
            sessions.check(conn, ctx.clock, policy(ctx), session_id, token, need_user=need_user)
    except Unauthorized:
        raise SignInNeeded(HOME) from None
