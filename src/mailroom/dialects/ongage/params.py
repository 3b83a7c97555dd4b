"""Bodies and query parameters shared by Ongage's routes (collections: sort, order, paging)."""

from __future__ import annotations

from typing import Any, overload

from starlette.requests import Request

from mailroom.errors import ValidationFailed
from mailroom.lists.schemas import ListQuery
from mailroom.web.deps import read_json
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


async def json_body(request: Request) -> Any:
    """The request's JSON body (None when empty), read before a sync handler runs."""
    return await read_json(request, required=False)


def paging(request: Request, sortable: tuple[str, ...], default_sort: str = "id") -> ListQuery:
    """Ongage's collection parameters: sort, order (ASC/DESC), offset, limit."""
    sort = request.query_params.get("sort") or default_sort
    if sort not in sortable:
        message = f"sort must be one of: {', '.join(sortable)}"
        raise ValidationFailed(message, errors=[{"field": "sort", "message": message}])
    order = (request.query_params.get("order") or "ASC").upper()
    if order not in ("ASC", "DESC"):
        message = "order must be ASC or DESC"
        raise ValidationFailed(message, errors=[{"field": "order", "message": message}])
    return ListQuery(
        sort=sort,
        descending=order == "DESC",
        offset=int_param(request, "offset", 0),
        limit=int_param(request, "limit", None),
    )
