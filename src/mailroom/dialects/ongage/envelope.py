"""Ongage's response envelope: ``{metadata: {error, total?}, payload}``."""

from __future__ import annotations

from typing import Any

from mailroom.kit.jsonx import JSONResponse


def ok(payload: Any, *, total: int | None = None, **metadata: Any) -> JSONResponse:
    meta: dict[str, Any] = {"error": False, **metadata}
    if total is not None:
        meta["total"] = total
    return JSONResponse({"metadata": meta, "payload": payload})
