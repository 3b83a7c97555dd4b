"""PostgreSQL: a pooled connection the server dropped while idle is replaced, not handed out."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from mailroom.db import engine as engine_module
from mailroom.db.database import Database


def test_a_connection_dropped_while_idle_is_replaced(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite has no server to drop connections")
    db = Database(db_url, pool_size=1, max_overflow=0)
    killer = Database(db_url)
    try:
        with db.single() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with killer.single() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})

        monkeypatch.setattr(engine_module, "IDLE_PING_S", 0.0)
        with db.single() as conn:
            again = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert again != pid
    finally:
        db.dispose()
        killer.dispose()


def test_a_busy_connection_is_not_pinged(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite connections are not pinged")
    db = Database(db_url, pool_size=1, max_overflow=0)
    pings: list[object] = []
    real = db.engine.dialect.do_ping
    monkeypatch.setattr(db.engine.dialect, "do_ping", lambda c: pings.append(c) or real(c))
    try:
        for _ in range(3):
            with db.read() as conn:
                conn.execute(text("SELECT 1"))
        assert pings == []
        monkeypatch.setattr(engine_module, "IDLE_PING_S", 0.0)
        with db.read() as conn:
            conn.execute(text("SELECT 1"))
        assert len(pings) == 1
    finally:
        db.dispose()
