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
