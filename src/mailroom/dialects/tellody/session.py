"""The session cookie and XSRF token of Tellody's API over `mailroom.sessions`.

The cookie is ``JSESSIONID`` (Tellody runs on a Java servlet stack), HttpOnly, SameSite=Lax,
Secure when the request came over HTTPS, for the path ``/CampaignCloud``; it is persistent
(Max-Age) only for a remember-me sign-in. The XSRF token travels in the ``X-XSRF-TOKEN`` header.
Tellody's own report samples put it in a form body instead (a bug of the samples, see
docs/tellody.md): a form field of that name is accepted too, so those callers reach the body
check and learn what is wrong with their request.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import Response

from mailroom.context import Context
from mailroom.sessions.schemas import SessionPolicy

COOKIE = "JSESSIONID"
XSRF_HEADER = "X-XSRF-TOKEN"
PATH = "/CampaignCloud"


def policy(ctx: Context) -> SessionPolicy:
    found = ctx.services.get("session_policy")
    if found is None:
        found = ctx.services["session_policy"] = SessionPolicy.from_settings(ctx.settings)
    return found  # type: ignore[no-any-return]


def session_id(request: Request) -> str | None:
    return request.cookies.get(COOKIE) or None


def form_fields(raw: bytes) -> dict[str, str]:
    """A URL-encoded body's fields (the first of each), whatever Content-Type claims."""
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        return {}
    return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}


def xsrf_of(request: Request, body: bytes = b"") -> str | None:
    """The caller's XSRF token: the header, else a form field of the same name."""
    token = request.headers.get(XSRF_HEADER)
    if token:
        return token
    if body and not body.lstrip().startswith((b"{", b"[")):
        return form_fields(body).get(XSRF_HEADER) or None
    return None


def address_of(request: Request) -> str:
    return request.client.host if request.client is not None else ""


def set_cookie(
    request: Request, response: Response, ctx: Context, value: str, remember: bool
) -> None:
    response.set_cookie(
        COOKIE,
        value,
        max_age=ctx.settings.session_remember_s if remember else None,
        path=PATH,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )


def clear_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        COOKIE, path=PATH, httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )
