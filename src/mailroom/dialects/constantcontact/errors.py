"""Constant Contact's error bodies for everything under ``/v3``.

Two shapes, as Constant Contact itself answers:

* 401 comes from its API gateway: one object, ``{"error_key": "unauthorized", "error_message":
  "Unauthorized"}`` (59 bytes, the length the vendor's gateway is seen to send) with
  ``WWW-Authenticate: Bearer realm=api.cc.email``.
* Every other error is the documented API error array, ``[{"error_key", "error_message"}]``.
  The key is the error's own dotted code when it has one (``contacts.api.not_found``), else
  ``http.status.<reason>`` for the status (``http.status.bad_request``).
"""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from mailroom.kit.jsonx import JSONResponse
from mailroom.web import errors as web_errors

PREFIX = "/v3"
REALM = "Bearer realm=api.cc.email"

_STATUS_KEYS = {
    400: "http.status.bad_request",
    401: "unauthorized",
    403: "http.status.forbidden",
    404: "http.status.not_found",
    405: "http.status.method_not_allowed",
    406: "http.status.not_acceptable",
    409: "http.status.conflict",
    413: "http.status.payload_too_large",
    415: "http.status.unsupported_media_type",
    429: "http.status.too_many_requests",
    500: "http.status.internal_server_error",
}

_STATUS_MESSAGES = {
    403: (
        "Forbidden request. You lack the necessary scopes, you lack the necessary user "
        "privileges, or the application is deactivated."
    ),
    404: "The requested resource was not found.",
    405: "The requested resource does not support the method used.",
    500: "There was a problem with our internal service.",
}


def error_key(status: int, code: str) -> str:
    if "." in code:
        return code
    return _STATUS_KEYS.get(status, f"http.status.{status}")


def render(status: int, message: str, errors: Any, code: str) -> Response:
    """The web.errors renderer for ``/v3``: gateway object for 401, API error array otherwise."""
    if status == 401:
        return JSONResponse(
            {"error_key": "unauthorized", "error_message": "Unauthorized"},
            status_code=401,
            headers={"WWW-Authenticate": REALM},
        )
    if status in _STATUS_MESSAGES and code in ("http_error", "internal_error"):
        message = _STATUS_MESSAGES[status]
    return JSONResponse(
        [{"error_key": error_key(status, code), "error_message": message}], status_code=status
    )


def install() -> None:
    """Register the renderer once per process (app factories may run many times in tests)."""
    if web_errors.renderer_for(PREFIX + "/") is not render:
        web_errors.register_renderer(PREFIX, render)
