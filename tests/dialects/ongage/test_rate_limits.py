"""Ongage call limits over HTTP: calls per minute and calls in flight, per account.

Settings here keep Ongage's default of 300 calls per minute and lower the in-flight limit
to 2, so a few held slots exercise it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from sqlalchemy import update

from conftest import make_account, ongage_headers_for
from mailroom.accounts.schemas import NewAccount, Principal
from mailroom.app import create_app
from mailroom.config import Settings
from mailroom.context import Context
from mailroom.db.database import Database
from mailroom.db.tables import accounts
from mailroom.dialects.ongage.auth import limiter, ongage_principal

LIMITED = {
    "metadata": {"error": True},
    "payload": {"code": 429, "errors": [], "message": "Calls per minute exceeded"},
}


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(database_url=db_url, rate_limit_in_flight=2, inprocess_worker=False)


# A route that stays in flight until the test lets it go, to hold real concurrent calls.
release = threading.Event()
entered = threading.Semaphore(0)
slow = APIRouter()


@slow.get("/api/test_slow_call")
def slow_call(principal: Principal = Depends(ongage_principal)) -> dict[str, int]:
    entered.release()
    release.wait(timeout=10)
    return {"account_id": principal.account_id}


@pytest.fixture
def app(ctx: Context) -> Any:
    application = create_app(ctx)
    application.include_router(slow)
    return application


def call(client: Any, acc: NewAccount) -> Any:
    return client.get(f"/api/lists/{acc.default_list_id}", headers=ongage_headers_for(acc))


def set_limits(
    ctx: Context, acc: NewAccount, per_minute: int | None, in_flight: int | None
) -> None:
    with ctx.db.write() as conn:
        conn.execute(
            update(accounts)
            .where(accounts.c.id == acc.account_id)
            .values(rate_limit_per_minute=per_minute, rate_limit_in_flight=in_flight)
        )


def test_the_301st_call_in_a_minute_is_refused_with_ongage_envelope(
    client: Any, account: NewAccount, clock: Any
) -> None:
    clock.advance(seconds=15)
    for n in range(300):
        assert call(client, account).status_code == 200, n

    refused = call(client, account)

    assert refused.status_code == 429
    assert refused.json() == LIMITED
    assert refused.headers["Retry-After"] == "45"
    assert call(client, account).status_code == 429


def test_the_budget_comes_back_when_the_minute_turns(
    client: Any, ctx: Context, account: NewAccount, clock: Any
) -> None:
    set_limits(ctx, account, 3, None)
    assert [call(client, account).status_code for _ in range(4)] == [200, 200, 200, 429]
    clock.advance(seconds=59)
    assert call(client, account).status_code == 429
    clock.advance(seconds=1)
    assert [call(client, account).status_code for _ in range(4)] == [200, 200, 200, 429]


def test_accounts_have_their_own_budgets_and_overrides(
    client: Any, ctx: Context, account: NewAccount, other_account: NewAccount
) -> None:
    set_limits(ctx, account, 2, None)
    assert [call(client, account).status_code for _ in range(3)] == [200, 200, 429]
    # The other account keeps the server's default of 300.
    assert [call(client, other_account).status_code for _ in range(5)] == [200] * 5
    assert call(client, account).json() == LIMITED


def test_limits_come_from_settings(db_url: str, clock: Any) -> None:
    settings = Settings(database_url=db_url, rate_limit_per_minute=2, inprocess_worker=False)
    ctx = Context(settings=settings, db=Database(db_url), clock=clock)
    acc = make_account(ctx, "Tight")
    try:
        with TestClient(create_app(ctx)) as client:
            assert [call(client, acc).status_code for _ in range(3)] == [200, 200, 429]
    finally:
        ctx.db.dispose()


def test_held_slots_refuse_calls_beyond_the_in_flight_limit(
    client: Any, ctx: Context, account: NewAccount, other_account: NewAccount
) -> None:
    set_limits(ctx, other_account, None, 1)  # before its first call: principals are cached
    slots = limiter(ctx)
    with slots.call(account.account_id), slots.call(account.account_id):
        refused = call(client, account)
        assert refused.status_code == 429
        assert refused.json()["payload"]["message"] == "Concurrent calls exceeded"
        assert refused.headers["Retry-After"] == "1"
        assert call(client, other_account).status_code == 200
    assert call(client, account).status_code == 200
    assert slots.in_flight_now(account.account_id) == 0
    with slots.call(other_account.account_id, None, 1):
        assert call(client, other_account).status_code == 429


def test_real_concurrent_calls_beyond_the_limit_get_429(
    live_url: str, ctx: Context, account: NewAccount
) -> None:
    headers = ongage_headers_for(account)
    url = f"{live_url}/api/test_slow_call"
    release.clear()
    with ThreadPoolExecutor(max_workers=2) as pool:
        held = [pool.submit(httpx.get, url, headers=headers, timeout=20) for _ in range(2)]
        for _ in range(2):
            assert entered.acquire(timeout=10), "the slow calls did not start"
        try:
            extra = httpx.get(url, headers=headers, timeout=20)
            assert extra.status_code == 429
            assert extra.json()["payload"]["message"] == "Concurrent calls exceeded"
        finally:
            release.set()
        assert [f.result().status_code for f in held] == [200, 200]
    assert limiter(ctx).in_flight_now(account.account_id) == 0
    after = httpx.get(f"{live_url}/api/lists", headers=headers, timeout=20)
    assert after.status_code == 200


@pytest.fixture(autouse=True)
def _let_slow_calls_go() -> Iterator[None]:
    yield
    release.set()


def test_the_limit_holds_across_processes(
    client: Any, ctx: Context, account: NewAccount, clock: Any
) -> None:
    """Two apps over one database (two server processes) share the account's minute budget."""
    set_limits(ctx, account, 40, None)
    other = Context(settings=ctx.settings, db=Database(ctx.settings.database_url), clock=clock)
    try:
        with TestClient(create_app(other)) as second:
            codes = [call(client if n % 2 else second, account).status_code for n in range(100)]
    finally:
        other.db.dispose()
    granted = codes.count(200)
    assert granted <= 40
    assert granted >= 40 - 2 * 4  # at most one unspent block (a tenth of the limit) each
    assert set(codes) == {200, 429}
    clock.advance(seconds=60)
    assert call(client, account).status_code == 200
