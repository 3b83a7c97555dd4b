"""Which list an Ongage call acts on: body, then query, then path prefix, then account default."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from starlette.requests import Request

from mailroom.accounts.schemas import Principal
from mailroom.dialects.ongage.routing import route_list_id
from mailroom.errors import NotFound
from mailroom.lists import service as lists_service
from mailroom.web.inputs import number_param


def _as_list_id(value: Any) -> int:
    return number_param(value, "list_id")


def requested_list_id(request: Request, principal: Principal, body: Any = None) -> int:
    if isinstance(body, dict) and body.get("list_id") not in (None, ""):
        return _as_list_id(body["list_id"])
    query_value = request.query_params.get("list_id")
    if query_value not in (None, ""):
        return _as_list_id(query_value)
    from_path = route_list_id(request.scope)
    if from_path is not None:
        return number_param(from_path, "list_id")
    if principal.default_list_id is None:
        raise NotFound(lists_service.LIST_NOT_FOUND)
    return principal.default_list_id


def resolve_list(conn: Connection, request: Request, principal: Principal, body: Any = None) -> Any:
    """The list row the call acts on; a list of another account is as unknown as a missing one."""
    return lists_service.get_list(
        conn, principal.account_id, requested_list_id(request, principal, body)
    )
