"""Reports over long windows read the replica's period totals: the same rows as from events."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from tests.reports.report_seed import DAY_MS, add_people

from mailroom.accounts.schemas import NewAccount
from mailroom.activity import service as activity_service
from mailroom.activity.types import Source
from mailroom.contacts import service as contacts_service
from mailroom.context import Context
from mailroom.mailings import service as mailings_service
from mailroom.replica import rollup, store
from mailroom.replica import service as replica_service
from mailroom.reports import aggregates, columnar
from mailroom.reports.schemas import ACTIVITY_FIELDS

COLUMNS = ["contact_id", "email", "status", *ACTIVITY_FIELDS]
KINDS = ("em_sends", "em_opens", "em_clicks", "em_bounces", "em_optouts")


def ingest_history(ctx: Context, account: NewAccount, people: list[Any], days: int) -> None:
    """About 300 events over `days` days: every kind, machine opens and clicks among them."""
    rng = random.Random(7)
    now = ctx.clock.now_ms()
    with ctx.db.write() as conn:
        mailing = mailings_service.create_mailing(
            conn, ctx.clock, account.account_id, "Long", list_id=account.default_list_id
        )
    items = []
    for _ in range(300):
        kind = rng.choices(KINDS, weights=(10, 8, 4, 1, 1))[0]
        item: dict[str, Any] = {
            "type": kind,
            "contact_id": rng.choice(people).uid,
            "mailing_id": mailing,
            "at": now - rng.randrange(days * DAY_MS),
        }
        if kind in ("em_opens", "em_clicks"):
            item["machine"] = rng.random() < 0.3
        if kind == "em_clicks":
            item["link_url"] = "https://shop.test/long"
        if kind == "em_bounces":
            item["bounce_type"] = "soft"
        items.append(item)
    with ctx.db.write() as conn:
        result = activity_service.ingest(
            conn, ctx.clock, account.account_id, items, source=Source.API
        )
    assert result.rejected == []


def report(ctx: Context, account: NewAccount, window_ms: tuple[int, int], machine: bool) -> Any:
    target = Path(str(store.path_of(ctx.settings)) + ".test.parquet")
    with store.connect(store.path_of(ctx.settings)) as duck:
        columnar.compute(
            duck,
            target,
            account_id=account.account_id,
            list_id=account.default_list_id,
            statuses=None,
            picked=None,
            window_ms=window_ms,
            include_machine=machine,
            columns=COLUMNS,
        )
    return columnar.page(target, 0, 100)


def windows(ctx: Context) -> list[tuple[int, int]]:
    now = ctx.clock.now_ms()
    return [
        (now - 200 * DAY_MS, now + DAY_MS),  # every event, several whole periods
        (now - 95 * DAY_MS + 7_777, now - 3 * DAY_MS),  # odd edges on both sides
        (now - 61 * DAY_MS, now - 31 * DAY_MS),  # at most one whole period
        (now - 20 * DAY_MS, now),  # none whole: the events alone
    ]


def with_and_without_periods(
    ctx: Context, account: NewAccount
) -> list[tuple[list[Any], list[Any]]]:
    """Each window's rows from the events alone, then read through the period totals."""
    pairs = []
    path = store.path_of(ctx.settings)
    for window_ms in windows(ctx):
        for machine in (False, True):
            with store.connect(path) as duck:
                kept = rollup.through(duck)
                store.put(duck, rollup.THROUGH, 0)
            raw = report(ctx, account, window_ms, machine)
            with store.connect(path) as duck:
                store.put(duck, rollup.THROUGH, kept)
            pairs.append((raw, report(ctx, account, window_ms, machine)))
    return pairs


@pytest.fixture
def people(ctx: Context, account: NewAccount) -> list[Any]:
    found = add_people(ctx, account)
    ingest_history(ctx, account, found, 150)
    replica_service.catch_up(ctx)
    return found


def test_period_totals_give_the_rows_the_events_give(
    ctx: Context, account: NewAccount, people: list[Any]
) -> None:
    with store.connect(store.path_of(ctx.settings)) as duck:
        assert rollup.stale(duck)
        newest = rollup.build(duck)
        assert newest and not rollup.stale(duck)
        periods = duck.execute("SELECT count(*), sum(sent) FROM contact_periods").fetchall()[0]
    assert 0 < periods[0] < 300  # fewer rows than events: one per contact and period
    now = ctx.clock.now_ms()
    assert aggregates.period_params(windows(ctx)[0], newest) is not None
    assert aggregates.period_params((now - 20 * DAY_MS, now), newest) is None
    pairs = with_and_without_periods(ctx, account)
    assert all(raw == mixed for raw, mixed in pairs)
    assert sum(r["sent"] for r in pairs[0][0]) == periods[1]  # all events: all the sends
    assert any(r["machine_opens"] for r in pairs[0][0])


def test_newer_events_and_deletions_are_counted_from_the_events(
    ctx: Context, account: NewAccount, people: list[Any]
) -> None:
    with store.connect(store.path_of(ctx.settings)) as duck:
        built = rollup.build(duck)
    ingest_history(ctx, account, people, 120)  # newer than the table: read from the events
    replica_service.catch_up(ctx)
    with store.connect(store.path_of(ctx.settings)) as duck:
        assert rollup.through(duck) == built
    pairs = with_and_without_periods(ctx, account)
    assert all(raw == mixed for raw, mixed in pairs)
    with ctx.db.write() as conn:
        contacts_service.delete_contacts(conn, account.default_list_id, [people[0].uid])
    replica_service.catch_up(ctx)
    with store.connect(store.path_of(ctx.settings)) as duck:
        assert rollup.through(duck) == 0  # a deletion: no period totals until the next build
        assert rollup.stale(duck)
    assert replica_service.refresh_rollup(ctx)
    pairs = with_and_without_periods(ctx, account)
    assert all(raw == mixed for raw, mixed in pairs)
    assert all(r["email"] != people[0].email for r in pairs[0][1])


def test_a_rebuild_builds_the_period_totals(ctx: Context, people: list[Any]) -> None:
    caught = replica_service.rebuild(ctx)
    with store.connect(store.path_of(ctx.settings)) as duck:
        assert rollup.through(duck) == caught.through
    assert not replica_service.refresh_rollup(ctx)  # nothing newer: not built again
