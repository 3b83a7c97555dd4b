"""One exception handler for all dialects: the path says whose error shape to render."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from mailroom.errors import MailroomError
from mailroom.kit.jsonx import JSONResponse

log = logging.getLogger("mailroom")

Renderer = Callable[[int, str, Any, str], Response]


def ongage_error(status: int, message: str, errors: Any, code: str) -> Response:
    body = {
        "metadata": {"error": True},
        "payload": {"code": status, "message": message, "errors": errors},
    }
    return JSONResponse(body, status_code=status)


def native_error(status: int, message: str, errors: Any, code: str) -> Response:
    return JSONResponse(
        {"error": {"code": code, "message": message, "errors": errors}}, status_code=status
    )


_HTML_ERROR = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="robots" content="noindex">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title></head>
<body style="font-family:sans-serif;max-width:32em;margin:3em auto;padding:0 1em">
<h1 style="font-size:1.4em">{title}</h1><p>{message}</p></body></html>
"""


def html_error(status: int, message: str, errors: Any, code: str) -> Response:
    """A small page for people: links in mail are opened in browsers, not by API clients."""
    title = "Link not valid" if status == 404 else "Something went wrong"
    page = _HTML_ERROR.format(title=title, message=html.escape(message))
    return HTMLResponse(page, status_code=status, headers={"Cache-Control": "no-store"})


_renderers: list[tuple[str, Renderer]] = []


def register_renderer(prefix: str, renderer: Renderer) -> None:
    """Dialects register the path prefix whose errors they render."""
    _renderers.append((prefix, renderer))
    _renderers.sort(key=lambda item: -len(item[0]))


def renderer_for(path: str) -> Renderer:
    for prefix, renderer in _renderers:
        if path.startswith(prefix):
            return renderer
    return ongage_error


def render(
    request: Request, status: int, message: str, errors: Any = None, code: str = "error"
) -> Response:
    return renderer_for(request.url.path)(
        status, message, errors if errors is not None else [], code
    )


def error_response(request: Request, exc: MailroomError) -> Response:
    """A domain error in the dialect of the request's path, with the error's own headers."""
    response = render(request, exc.status, exc.message, exc.errors, exc.code)
    response.headers.update(exc.headers)
    return response


def install(app: FastAPI) -> None:
    register_renderer("/mailroom", native_error)
    register_renderer("/t/", html_error)

    @app.exception_handler(MailroomError)
    async def _domain(request: Request, exc: MailroomError) -> Response:
        return error_response(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        details = [
            {
                "field": ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "query")),
                "message": e.get("msg", ""),
            }
            for e in exc.errors()
        ]
        message = "; ".join(f"{d['field']}: {d['message']}" for d in details) or "Invalid request"
        return render(request, 400, message, details, "bad_request")

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException) -> Response:
        message = {404: "Not found", 405: "Method not allowed"}.get(
            exc.status_code, str(exc.detail)
        )
        return render(request, exc.status_code, message, [], "http_error")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return render(request, 500, "General error", [], "internal_error")
