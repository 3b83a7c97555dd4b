"""ASGI middleware: Ongage's ``/<list_id>/api/...`` prefix and trailing slashes.

``/1111/api/contacts/`` is served by the route ``/api/contacts`` with 1111 remembered as the
route's list id (precedence: body, then query, then this prefix, then the account default).
"""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

_PREFIX = re.compile(r"^/(\d+)(/api(?:/.*)?)$")
ROUTE_LIST_ID = "mailroom.route_list_id"


class OngagePaths:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            match = _PREFIX.match(path)
            if match:
                scope = dict(scope)
                scope[ROUTE_LIST_ID] = int(match.group(1))
                path = match.group(2)
            if len(path) > 1 and path.endswith("/"):
                path = path.rstrip("/") or "/"
            if path != scope["path"]:
                scope = dict(scope)
                scope["path"] = path
                scope["raw_path"] = path.encode()
        await self.app(scope, receive, send)


def route_list_id(scope: MutableMapping[str, Any]) -> int | None:
    value = scope.get(ROUTE_LIST_ID)
    return int(value) if value is not None else None
