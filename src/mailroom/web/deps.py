"""Request-level access to the app context and request bodies."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from mailroom.context import Context
from mailroom.errors import BadRequest
from mailroom.kit import jsonx
from mailroom.kit.bounds import has_nul


def get_ctx(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


async def read_json(request: Request, *, required: bool = True, items: bool = False) -> Any:
    """The parsed JSON body; a malformed one is a 400 in the caller's dialect.

    A NUL character in any string is a 400 too (PostgreSQL cannot store one), except inside
    the items of an array when `items` is set: bulk routes reject those items one by one.
    """
    raw = await request.body()
    if not raw.strip():
        if required:
            raise BadRequest("Request body is empty; a JSON body is required.")
        return None
    try:
        body = jsonx.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"Invalid JSON in request body: {exc}") from None
    # JSON can only spell NUL as an escape, so bodies without one skip the walk.
    if b"\\u0000" in raw and not (items and isinstance(body, list)) and has_nul(body):
        raise BadRequest("Invalid data in request: a string contains a NUL character")
    return body
