"""Request-level access to the app context and request bodies."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from mailroom.context import Context
from mailroom.errors import BadRequest
from mailroom.kit import jsonx


def get_ctx(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


async def read_json(request: Request, *, required: bool = True) -> Any:
    """The parsed JSON body; a malformed one is a 400 in the caller's dialect."""
    raw = await request.body()
    if not raw.strip():
        if required:
            raise BadRequest("Request body is empty; a JSON body is required.")
        return None
    try:
        return jsonx.loads(raw)
    except ValueError as exc:
        raise BadRequest(f"Invalid JSON in request body: {exc}") from None
