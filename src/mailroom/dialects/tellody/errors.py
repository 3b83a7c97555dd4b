"""Tellody's error bodies for everything under ``/CampaignCloud``.

Tellody's documentation says errors are mostly just the HTTP status. Bodies follow the Spring
servlet default its stack answers with (``status``, ``error``, ``message``), except a failed
login, which has Tellody's own documented body (``LOGIN_FAILED``).
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from starlette.responses import Response

from mailroom.kit.jsonx import JSONResponse
from mailroom.web import errors as web_errors

PREFIX = "/CampaignCloud"
LOGIN_FAILED = {"access-denied": True, "cause": "badCredentials", "message": "Bad credentials"}


def render(status: int, message: str, errors: Any, code: str) -> Response:
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    return JSONResponse({"status": status, "error": reason, "message": message}, status_code=status)


def bad_credentials() -> Response:
    return JSONResponse(LOGIN_FAILED, status_code=401)


def install() -> None:
    """Register the renderer once per process (app factories may run many times in tests)."""
    if web_errors.renderer_for(PREFIX + "/") is not render:
        web_errors.register_renderer(PREFIX, render)
