"""Tracking endpoints under `/t/`: no login, the signed token is the credential.

* `GET /t/o/{token}` - the open pixel: always a 1x1 GIF, so a mail never shows a broken image;
  only a genuine token records an open.
* `GET /t/c/{token}` - the click redirect: 302 to exactly the URL inside the signed token; a
  forged or altered token is a 404 and never redirects anywhere.
* `GET /t/u/{token}` - a confirmation page with a button; it changes nothing, because mail
  scanners follow links.
* `POST /t/u/{token}` - unsubscribes: RFC 8058 one-click (`List-Unsubscribe=One-Click`) or the
  page's button. Repeating it changes nothing.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from mailroom.context import Context
from mailroom.errors import NotFound
from mailroom.tracking import service
from mailroom.tracking.tokens import Claims, Kind, check_link_url
from mailroom.web.deps import get_ctx
from mailroom.web.templates import render_page

router = APIRouter(tags=["tracking"])

# The smallest transparent 1x1 GIF89a.
PIXEL = (
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00"
    b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
)
NO_STORE = {"Cache-Control": "no-store, no-cache, must-revalidate, max-age=0", "Pragma": "no-cache"}
INVALID_LINK = "This link is not valid."


def client_address(request: Request) -> str | None:
    """The first X-Forwarded-For hop (a reverse proxy's client), else the peer address."""
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded:
        return forwarded.split(",", 1)[0].strip()[:64] or None
    return request.client.host if request.client else None


def _claims(ctx: Context, token: str, kind: Kind) -> Claims | None:
    return service.verify(ctx, token.removesuffix(".gif"), kind)


@router.get("/t/o/{token}", tags=["tracking"])
async def open_pixel(token: str, request: Request) -> Response:
    ctx = get_ctx(request)
    claims = _claims(ctx, token, Kind.OPEN)
    if claims is not None:
        await service.record_open(
            ctx, claims, user_agent=request.headers.get("user-agent"), ip=client_address(request)
        )
    return Response(PIXEL, media_type="image/gif", headers=NO_STORE)


@router.get("/t/c/{token}", tags=["tracking"])
async def click(token: str, request: Request) -> Response:
    ctx = get_ctx(request)
    claims = _claims(ctx, token, Kind.CLICK)
    if claims is None or claims.url is None or not _redirectable(claims.url):
        raise NotFound(INVALID_LINK, code="invalid_link")
    await service.record_click(
        ctx, claims, user_agent=request.headers.get("user-agent"), ip=client_address(request)
    )
    return RedirectResponse(claims.url, status_code=302, headers=NO_STORE)


def _redirectable(url: str) -> bool:
    """Checked again at redirect time: a token signed under an older, laxer rule, or with a
    leaked key, still never sends anyone to a `javascript:` or scheme-relative URL."""
    try:
        check_link_url(url)
    except ValueError:
        return False
    return True


@router.get("/t/u/{token}", tags=["tracking"])
def unsubscribe_page(token: str, request: Request) -> HTMLResponse:
    if _claims(get_ctx(request), token, Kind.UNSUBSCRIBE) is None:
        raise NotFound(INVALID_LINK, code="invalid_link")
    page = render_page("unsubscribe_confirm.html", title="Unsubscribe", action=f"/t/u/{token}")
    return HTMLResponse(page, headers=NO_STORE)


@router.post("/t/u/{token}", tags=["tracking"])
async def unsubscribe(token: str, request: Request) -> HTMLResponse:
    ctx = get_ctx(request)
    claims = _claims(ctx, token, Kind.UNSUBSCRIBE)
    if claims is None:
        raise NotFound(INVALID_LINK, code="invalid_link")
    body = (await request.body())[:4096]
    reason = service.ONE_CLICK if _is_one_click(body) else service.LINK
    await run_in_threadpool(_unsubscribe, ctx, claims, reason)
    page = render_page(
        "message.html", title="Unsubscribed", message="You will no longer receive these emails."
    )
    return HTMLResponse(page, headers=NO_STORE)


def _is_one_click(body: bytes) -> bool:
    """RFC 8058's `List-Unsubscribe=One-Click`, url-encoded or as a multipart form field."""
    text = body.decode("utf-8", "replace")
    if "One-Click" not in text:
        return False
    if "One-Click" in parse_qs(text.strip()).get("List-Unsubscribe", []):
        return True
    return 'name="List-Unsubscribe"' in text


def _unsubscribe(ctx: Context, claims: Claims, reason: str) -> None:
    with ctx.db.write() as conn:
        service.unsubscribe(conn, ctx.clock, claims, reason=reason)
