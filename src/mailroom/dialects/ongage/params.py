"""Query parameters shared by Ongage's collection routes."""

from __future__ import annotations

from typing import overload

from starlette.requests import Request

from mailroom.web.inputs import number_param


@overload
def int_param(request: Request, name: str, default: int) -> int: ...
@overload
def int_param(request: Request, name: str, default: None) -> int | None: ...
def int_param(request: Request, name: str, default: int | None) -> int | None:
    """A non-negative whole number from the query string (offset, limit), or a 412 naming it."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    return number_param(raw, name)
