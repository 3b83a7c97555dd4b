"""A deadlocked write is run again; a conflict that persists is a 503 with Retry-After."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from mailroom.lists import service as lists_service


class _Deadlock(Exception):
    sqlstate = "40P01"


def _failing(monkeypatch: pytest.MonkeyPatch, times: int) -> list[int]:
    """Make the next `times` list creations fail as PostgreSQL's deadlock victim."""
    calls = [0]
    real = lists_service.create_list

    def create(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] <= times:
            raise OperationalError("INSERT INTO lists ...", {}, _Deadlock("deadlock detected"))
        return real(*args, **kwargs)

    monkeypatch.setattr(lists_service, "create_list", create)
    return calls


def test_deadlock_is_retried(
    client: Any, ongage_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _failing(monkeypatch, 2)
    response = client.post("/api/lists", headers=ongage_headers, json={"name": "after"})
    assert response.status_code == 200, response.text
    assert calls[0] == 3
    names = [x["name"] for x in client.get("/api/lists", headers=ongage_headers).json()["payload"]]
    assert names.count("after") == 1


def test_persisting_conflict_is_503_in_the_dialect_shape(
    client: Any,
    ongage_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _failing(monkeypatch, 100)
    response = client.post("/api/lists", headers=ongage_headers, json={"name": "never"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["metadata"]["error"] is True
    assert response.json()["payload"]["code"] == 503


def test_sqlite_busy_is_503_in_the_native_shape(
    client: Any, bearer_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mailroom.dialects.native import events

    def busy(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))

    monkeypatch.setattr(events, "ingest_body", busy)
    response = client.post(
        "/mailroom/v1/events", headers=bearer_headers, json=[{"type": "em_opens"}]
    )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.json()["error"]["code"] == "unavailable"


def test_errors_of_the_drivers_own_cursor_are_recognised() -> None:
    """Bulk paths run on the driver's cursor, whose errors SQLAlchemy does not wrap."""
    import sqlite3

    import psycopg

    from mailroom.web.conflicts import is_conflict, is_refused_value

    nul = psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")
    assert is_refused_value(nul) and not is_conflict(nul)
    assert is_conflict(psycopg.errors.DeadlockDetected("deadlock detected"))
    assert is_conflict(sqlite3.OperationalError("database is locked"))
    assert not is_conflict(sqlite3.OperationalError("no such table: x"))
    assert not is_refused_value(ValueError("not a database error"))


def test_a_nul_reaching_a_bulk_lookup_is_400_not_500(
    client: Any, bearer_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import psycopg

    from mailroom.tracking import handout

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise psycopg.DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")

    monkeypatch.setattr(handout, "make_links", refused)
    body = {"contact_id": "f" * 24, "mailing_id": 1}
    response = client.post("/mailroom/v1/links", json=body, headers=bearer_headers)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
