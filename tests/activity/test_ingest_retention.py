"""Retention keeps every total; `rebuild_aggregates` reproduces them from events."""

from __future__ import annotations

from typing import Any

import pytest
from activity_seed import add_mailing, people_fixture  # noqa: F401 (fixtures)
from sqlalchemy import func, select

from mailroom.accounts.schemas import NewAccount
from mailroom.activity import retention, service
from mailroom.activity.types import Source
from mailroom.context import Context
from mailroom.db.tables import activity_hourly, contact_mailing_totals, contact_totals, events
from mailroom.errors import Conflict
from mailroom.kit.clock import FrozenClock

DAY = 86_400_000


def history(people: list[Any], mailings: list[int], now_ms: int) -> list[dict[str, Any]]:
    """Sixty days of sends, opens (some by machines), clicks and bounces for five contacts."""
    items: list[dict[str, Any]] = []
    for day in range(60, 0, -3):
        at = now_ms - day * DAY
        mailing = mailings[day % 2]
        for n, person in enumerate(people):
            items.append(
                {"type": "em_sends", "contact_id": person.uid, "mailing_id": mailing, "at": at}
            )
            if n % 2 == 0:
                items.append(
                    {
                        "type": "em_opens",
                        "contact_id": person.uid,
                        "mailing_id": mailing,
                        "at": at + 3_600_000,
                        "user_agent": "Mozilla/5.0",
                    }
                )
            if n == 1:
                items.append(
                    {
                        "type": "em_opens",
                        "contact_id": person.uid,
                        "mailing_id": mailing,
                        "at": at + 500,
                    }
                )  # a scanner
            if n == 2 and day % 9 == 0:
                items.append(
                    {
                        "type": "em_clicks",
                        "contact_id": person.uid,
                        "mailing_id": mailing,
                        "at": at + 7_200_000,
                        "link_url": f"https://x.test/{day}",
                    }
                )
            if n == 3 and day == 30:
                items.append(
                    {
                        "type": "em_bounces",
                        "contact_id": person.uid,
                        "mailing_id": mailing,
                        "bounce_type": "soft",
                        "at": at + 10,
                    }
                )
    return items


def snapshot(ctx: Context, acc: NewAccount, people: list[Any]) -> dict[str, Any]:
    with ctx.db.read() as conn:
        return {
            "contacts": [
                service.contact_totals(conn, acc.account_id, p.id, include_machine=m)
                for p in people
                for m in (False, True)
            ],
            "summary": service.list_summary(conn, acc.account_id),
            "summary_all": service.list_summary(conn, acc.account_id, include_machine=True),
            "recent": service.list_summary(
                conn, acc.account_id, start_ms=ctx.clock.now_ms() - 20 * DAY
            ),
            "per_mailing": [
                tuple(row)
                for row in conn.execute(
                    select(contact_mailing_totals).order_by(
                        contact_mailing_totals.c.contact_id, contact_mailing_totals.c.mailing_id
                    )
                )
            ],
            "hourly": [
                tuple(row)
                for row in conn.execute(
                    select(activity_hourly).order_by(
                        activity_hourly.c.list_id,
                        activity_hourly.c.hour,
                    )
                )
            ],
        }


@pytest.fixture
def loaded(ctx: Context, account: NewAccount, people: list[Any]) -> dict[str, Any]:
    mailings = [add_mailing(ctx, account, "A"), add_mailing(ctx, account, "B")]
    with ctx.db.write() as conn:
        result = service.ingest(
            conn,
            ctx.clock,
            account.account_id,
            history(people, mailings, ctx.clock.now_ms()),
            source=Source.IMPORT,
        )
    assert result.rejected == []
    return snapshot(ctx, account, people)


def count_events(ctx: Context) -> int:
    with ctx.db.read() as conn:
        return int(conn.scalar(select(func.count()).select_from(events)) or 0)


def test_prune_keeps_every_total(
    ctx: Context, clock: FrozenClock, account: NewAccount, people: list[Any], loaded: dict[str, Any]
) -> None:
    before_count = count_events(ctx)
    assert loaded["summary"]["em_sends"] == 100
    assert loaded["summary_all"]["em_opens"] > loaded["summary"]["em_opens"] > 0
    with ctx.db.write() as conn:
        deleted = retention.prune(conn, clock, 30, chunk=7)
    assert 0 < deleted < before_count
    assert count_events(ctx) == before_count - deleted
    with ctx.db.read() as conn:
        oldest = conn.scalar(select(func.min(events.c.at_ms)))
    assert oldest >= clock.now_ms() - 30 * DAY
    assert snapshot(ctx, account, people) == loaded


def test_prune_requires_a_positive_age(ctx: Context, clock: FrozenClock) -> None:
    with ctx.db.write() as conn, pytest.raises(ValueError):
        retention.prune(conn, clock, 0)


def test_rebuild_reproduces_the_running_totals(
    ctx: Context,
    account: NewAccount,
    other_account: NewAccount,
    people: list[Any],
    loaded: dict[str, Any],
) -> None:
    with ctx.db.write() as conn:
        conn.execute(contact_totals.delete())
        conn.execute(contact_mailing_totals.delete())
        conn.execute(activity_hourly.delete())
    assert snapshot(ctx, account, people) != loaded
    with ctx.db.write() as conn:
        service.rebuild_aggregates(conn, account.account_id)
    assert snapshot(ctx, account, people) == loaded
    # rebuilding another account touches nothing of this one
    with ctx.db.write() as conn:
        service.rebuild_aggregates(conn, other_account.account_id)
    assert snapshot(ctx, account, people) == loaded


def test_rebuild_refuses_after_pruning(
    ctx: Context, clock: FrozenClock, account: NewAccount, people: list[Any], loaded: dict[str, Any]
) -> None:
    with ctx.db.write() as conn:
        retention.prune(conn, clock, 30)
    with ctx.db.write() as conn, pytest.raises(Conflict):
        service.rebuild_aggregates(conn, account.account_id)
    assert snapshot(ctx, account, people) == loaded
    with ctx.db.write() as conn:
        service.rebuild_aggregates(conn, account.account_id, allow_pruned=True)
    after = snapshot(ctx, account, people)
    assert after["summary"]["em_sends"] < loaded["summary"]["em_sends"]
