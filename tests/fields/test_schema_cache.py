"""Contact reads keep list field schemas in memory and see every change, from any process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from mailroom.accounts.schemas import NewAccount
from mailroom.app import create_app
from mailroom.context import Context
from mailroom.db.database import Database
from mailroom.db.tables import lists
from mailroom.fields.cache import SchemaCache


@pytest.fixture
def second(ctx: Context) -> Iterator[TestClient]:
    """Another server process on the same database: its own context, caches and pool."""
    other = Context(settings=ctx.settings, db=Database(ctx.settings.database_url), clock=ctx.clock)
    with TestClient(create_app(other)) as test_client:
        yield test_client
    other.db.dispose()


def version_of(ctx: Context, list_id: int) -> int:
    with ctx.db.read() as conn:
        return int(
            conn.execute(select(lists.c.fields_version).where(lists.c.id == list_id)).scalar_one()
        )


def read(client: Any, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get("/api/contacts/by_email/ann@example.com", headers=headers)
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()["payload"]
    return payload


def test_every_field_change_bumps_the_list_version(
    client: Any, ctx: Context, account: NewAccount, ongage_headers: dict[str, str]
) -> None:
    start = version_of(ctx, account.default_list_id)
    made = client.post(
        "/api/list_fields", json={"name": "city", "type": "string"}, headers=ongage_headers
    )
    assert made.status_code == 200, made.text
    field_id = made.json()["payload"]["id"]
    assert version_of(ctx, account.default_list_id) == start + 1
    client.put(f"/api/list_fields/{field_id}", json={"title": "Town"}, headers=ongage_headers)
    assert version_of(ctx, account.default_list_id) == start + 2
    client.delete(f"/api/list_fields/{field_id}", headers=ongage_headers)
    assert version_of(ctx, account.default_list_id) == start + 3


def test_a_field_added_by_another_process_shows_in_cached_reads(
    client: Any, second: TestClient, ongage_headers: dict[str, str]
) -> None:
    created = client.post(
        "/api/v2/contacts", json={"email": "ann@example.com"}, headers=ongage_headers
    )
    assert created.status_code == 200, created.text
    assert "city" not in read(client, ongage_headers)  # this process now holds the schema

    made = second.post(
        "/api/list_fields", json={"name": "city", "type": "string"}, headers=ongage_headers
    )
    assert made.status_code == 200, made.text
    updated = second.put(
        "/api/v2/contacts",
        json={"email": "ann@example.com", "fields": {"city": "Lyon"}},
        headers=ongage_headers,
    )
    assert updated.status_code == 200, updated.text

    assert read(client, ongage_headers)["city"] == "Lyon"
    field_id = made.json()["payload"]["id"]
    gone = second.delete(f"/api/list_fields/{field_id}", headers=ongage_headers)
    assert gone.status_code == 200, gone.text
    assert "city" not in read(client, ongage_headers)


def test_the_cache_reads_the_database_only_when_the_version_moved(
    ctx: Context, account: NewAccount
) -> None:
    cache = SchemaCache()
    list_id = account.default_list_id
    with ctx.db.single() as conn:
        first = cache.get(conn, list_id, 7)
        assert cache.get(conn, list_id, 7) is first
        assert cache.get(conn, list_id, 8) is not first
        assert set(first.fields) == {"email"}


def test_the_cache_stays_bounded(ctx: Context, account: NewAccount) -> None:
    cache = SchemaCache(max_lists=2)
    with ctx.db.single() as conn:
        for list_id in (account.default_list_id, 10_001, 10_002):
            cache.get(conn, list_id, 0)
    assert len(cache._schemas) <= 2
