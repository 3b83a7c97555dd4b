"""Checks at the edge that hold for every route: NUL characters, body size, numeric ids.

`EdgeChecks` is ASGI middleware in front of every dialect: a NUL in the path or the query string
is a 400 and a body larger than ``max_body_bytes`` a 413, each in the dialect's error shape,
before any route runs. JSON bodies are checked for NUL by `web.deps.read_json`; numbers by the
helpers below, which every dialect uses for ids and paging.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mailroom.errors import NotFound, PayloadTooLarge, ValidationFailed
from mailroom.kit.bounds import MAX_BIGINT, whole_number
from mailroom.web import errors

NUL_IN_REQUEST = "The request contains a NUL character"


def number_param(value: object, name: str, *, low: int = 0, high: int = MAX_BIGINT) -> int:
    """A whole number from a query, body or header value; 412 naming it otherwise."""
    try:
        return whole_number(value, name, low=low, high=high)
    except ValueError as exc:
        raise ValidationFailed(str(exc), errors=[{"field": name, "message": str(exc)}]) from None


def path_id(raw: str, not_found: str, name: str = "id") -> int:
    """A positive id from the path: text that is no number names nothing (404); a number out
    of the column's range is a 412."""
    text = raw.strip()
    if not (text.isascii() and text.isdigit()):
        raise NotFound(not_found)
    return number_param(text, name, low=0)


class EdgeChecks:
    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status, message = 0, ""
        if "\x00" in scope["path"] or b"%00" in scope.get("query_string", b""):
            status, message = 400, NUL_IN_REQUEST
        else:
            length = dict(scope["headers"]).get(b"content-length", b"")
            if length.isdigit() and int(length) > self.max_body_bytes:
                status = 413
                message = f"The request body is larger than {self.max_body_bytes} bytes"
        if status:
            await errors.render(Request(scope), status, message, [], "bad_request")(
                scope, receive, send
            )
            return
        await self.app(scope, self._bounded(receive), send)

    def _bounded(self, receive: Receive) -> Receive:
        """`receive` that stops a body without a length once it passes the limit."""
        seen = 0
        limit = self.max_body_bytes

        async def bounded() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise PayloadTooLarge(f"The request body is larger than {limit} bytes")
            return message

        return bounded
