"""Query parameters shared by Ongage's collection routes."""

from __future__ import annotations

from typing import overload

from starlette.requests import Request

from mailroom.errors import ValidationFailed


@overload
def int_param(request: Request, name: str, default: int) -> int: ...
@overload
def int_param(request: Request, name: str, default: None) -> int | None: ...
def int_param(request: Request, name: str, default: int | None) -> int | None:
    """A non-negative whole number from the query string (offset, limit), or a 412 naming it."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)  # type: ignore[arg-type]
    except ValueError:
        value = -1
    if value < 0:
        message = f"{name} must be a non-negative whole number"
        raise ValidationFailed(message, errors=[{"field": name, "message": message}])
    return value
