"""Templates and the response headers every console page carries."""

from __future__ import annotations

import time
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

# Scripts and styles come from this origin only; nothing inline runs (chart data travels in
# JSON data blocks, which browsers never execute).
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def _number(value: Any) -> str:
    return f"{int(value or 0):,}"


def _percent(value: Any) -> str:
    return f"{float(value or 0) * 100:.1f}%"


def day_label(seconds: Any) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(int(seconds))) if seconds else "—"


def _moment(seconds: Any) -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(int(seconds))) if seconds else "—"


def _moment_ms(ms: Any) -> str:
    return _moment(int(ms) // 1000) if ms else "—"


def _iso_ms(ms: Any) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(ms) // 1000)) if ms else ""


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("mailroom.console", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        number=_number, percent=_percent, day=day_label, moment=_moment, moment_ms=_moment_ms,
        iso_ms=_iso_ms,
    )  # fmt: skip
    return env


ENV = _environment()


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a console template; `request` gives the templates the current path."""
    html = ENV.get_template(template).render(path=request.url.path, **context)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def error_page(status: int, message: str, errors: Any, code: str) -> Response:
    """A domain error on a console path, as a page (the web layer's renderer signature)."""
    html = ENV.get_template("error.html").render(status=status, message=message, user=None)
    return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
