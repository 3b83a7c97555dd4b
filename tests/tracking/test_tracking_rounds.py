"""`tracking.recorder`: hits that arrive together are stored in one round, per account."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from test_tracking_routes import add_contact, path

from conftest import make_account
from mailroom.accounts.schemas import NewAccount
from mailroom.activity import service as activity
from mailroom.context import Context
from mailroom.db.tables import events
from mailroom.tracking.links import Recipient, TrackingLinks
from mailroom.tracking.recorder import hit_recorder


def events_of(ctx: Context, account_id: int) -> list[Any]:
    with ctx.db.read() as conn:
        query = select(events.c.contact_id, events.c.type, events.c.at_ms).where(
            events.c.account_id == account_id
        )
        return list(conn.execute(query))


def count_events(ctx: Context) -> int:
    with ctx.db.read() as conn:
        return int(conn.scalar(select(func.count()).select_from(events)) or 0)


async def hit_all(app: Any, urls: list[str]) -> list[httpx.Response]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await asyncio.gather(*(client.get(url) for url in urls))


def test_concurrent_hits_of_two_accounts_are_stored_in_few_rounds(
    app: Any, ctx: Context, account: NewAccount
) -> None:
    other = make_account(ctx, "Other")
    tracking = TrackingLinks.for_context(ctx)
    mine = [add_contact(ctx, account, f"p{i}@example.com") for i in range(15)]
    theirs = [add_contact(ctx, other, f"o{i}@example.com") for i in range(15)]
    urls = [path(tracking.open_url(Recipient(account.account_id, c.uid, None))) for c in mine]
    urls += [path(tracking.open_url(Recipient(other.account_id, c.uid, None))) for c in theirs]
    urls.append(
        path(
            tracking.click_url(
                Recipient(other.account_id, theirs[0].uid, None), "https://x.example/"
            )
        )
    )

    responses = asyncio.run(hit_all(app, urls))

    assert [r.status_code for r in responses] == [200] * 30 + [302]
    recorder = hit_recorder(ctx)
    assert 1 <= recorder.rounds <= 3, recorder.rounds  # not one per hit
    assert sorted(row.contact_id for row in events_of(ctx, account.account_id)) == sorted(
        c.id for c in mine
    )
    assert len(events_of(ctx, other.account_id)) == 16
    # Each open keeps the time of its own request.
    assert {row.at_ms for row in events_of(ctx, account.account_id)} == {ctx.clock.now_ms()}


def test_a_failed_round_fails_its_hits_and_stores_none(
    app: Any, ctx: Context, account: NewAccount, monkeypatch: pytest.MonkeyPatch
) -> None:
    tracking = TrackingLinks.for_context(ctx)
    people = [add_contact(ctx, account, f"q{i}@example.com") for i in range(3)]
    urls = [path(tracking.open_url(Recipient(account.account_id, c.uid, None))) for c in people]
    real_ingest = activity.ingest
    calls = 0

    def ingest_then_fail(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        real_ingest(*args, **kwargs)  # written, then the transaction must roll back
        raise RuntimeError("database went away")

    monkeypatch.setattr(activity, "ingest", ingest_then_fail)
    app_failing = app
    transport_errors = asyncio.run(_hit_tolerating_errors(app_failing, urls))

    assert calls >= 1
    assert transport_errors == [500, 500, 500]
    assert count_events(ctx) == 0
    monkeypatch.setattr(activity, "ingest", real_ingest)
    assert [r.status_code for r in asyncio.run(hit_all(app, urls))] == [200, 200, 200]
    assert count_events(ctx) == 3


async def _hit_tolerating_errors(app: Any, urls: list[str]) -> list[int]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        responses = await asyncio.gather(*(client.get(url) for url in urls))
    return [r.status_code for r in responses]
