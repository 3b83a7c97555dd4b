"""Liveness: the process answers and the database is reachable."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy import text

from mailroom.context import Context
from mailroom.web.deps import get_ctx

router = APIRouter(tags=["mailroom"])


@router.get("/mailroom/health")
def health(ctx: Context = Depends(get_ctx)) -> dict[str, str]:
    with ctx.db.read() as conn:
        conn.execute(text("SELECT 1"))
    return {"status": "ok"}
