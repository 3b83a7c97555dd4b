"""Ingest resolved in a read transaction before the write one: changes made in between count."""

from __future__ import annotations

from typing import Any

import orjson
from activity_seed import mailing_fixture, people_fixture  # noqa: F401 (fixtures)
from sqlalchemy import func, select

from mailroom.accounts.schemas import NewAccount
from mailroom.activity import service
from mailroom.activity.schemas import IngestResult
from mailroom.activity.types import Source
from mailroom.contacts import service as contacts_service
from mailroom.context import Context
from mailroom.db.tables import contact_mailing_totals, contact_totals, contacts, events, links

NOW = 1_767_225_600_000  # the FrozenClock's start


def resolved(ctx: Context, acc: NewAccount, items: list[Any]) -> service.Batch:
    batch = service.validate(ctx.clock, items, acc.default_list_id)
    with ctx.db.read() as conn:
        service.resolve(conn, acc.account_id, batch)
    return batch


def store(ctx: Context, acc: NewAccount, batch: service.Batch) -> IngestResult:
    with ctx.db.write() as conn:
        return service.store(conn, acc.account_id, batch, source=Source.API)


def count(ctx: Context, table: Any, contact_id: int) -> int:
    with ctx.db.read() as conn:
        query = select(func.count()).select_from(table).where(table.c.contact_id == contact_id)
        return int(conn.scalar(query) or 0)


def test_status_changed_after_resolving_is_read_again(
    ctx: Context, account: NewAccount, people: list[Any]
) -> None:
    alice = people[0]
    batch = resolved(
        ctx, account, [{"type": "em_optouts", "contact_id": alice.uid, "at": NOW + 5_000}]
    )
    with ctx.db.write() as conn:  # another request unsubscribes her first, a bit earlier
        contacts_service.change_status(
            conn,
            ctx.clock,
            account.account_id,
            account.default_list_id,
            [alice.email],
            "unsubscribe",
        )
    result = store(ctx, account, batch)
    assert (result.accepted, result.rejected) == (1, [])
    with ctx.db.read() as conn:
        row = conn.execute(
            select(
                contacts.c.status, contacts.c.unsubscribe_date, contacts.c.status_changed_ms
            ).where(contacts.c.id == alice.id)
        ).one()
    # the first unsubscribe stands: the later opt-out finds her unsubscribed already
    assert tuple(row) == ("unsubscribed", NOW // 1000, NOW)


def test_contact_deleted_after_resolving_is_rejected(
    ctx: Context, account: NewAccount, people: list[Any], mailing: int
) -> None:
    alice, bob = people[0], people[1]
    items = [
        {"type": "em_sends", "contact_id": alice.uid, "mailing_id": mailing, "at": NOW},
        {"type": "em_sends", "email": bob.email, "mailing_id": mailing, "at": NOW},
        {"type": "em_complaints", "contact_id": alice.uid, "at": NOW},
    ]
    batch = resolved(ctx, account, items)
    with ctx.db.write() as conn:
        deleted = contacts_service.delete_contacts(conn, account.default_list_id, [alice.uid])
    assert list(deleted.deleted) == [alice.uid]
    result = store(ctx, account, batch)
    assert result.accepted == 1
    assert [(r.index, r.reason) for r in result.rejected] == [
        (0, service.UNKNOWN_CONTACT),
        (2, service.UNKNOWN_CONTACT),
    ]
    for table in (events, contact_totals, contact_mailing_totals):
        assert count(ctx, table, alice.id) == 0
        assert count(ctx, table, bob.id) == 1


def test_link_made_between_resolving_and_storing_is_shared(
    ctx: Context, account: NewAccount, people: list[Any]
) -> None:
    url = "https://shop.test/new"
    batch = resolved(
        ctx, account, [{"type": "em_clicks", "contact_id": people[0].uid, "link_url": url}]
    )
    assert batch.new_urls == {url}
    with ctx.db.write() as conn:  # another request meets the same new URL first
        other = service.ingest(
            conn,
            ctx.clock,
            account.account_id,
            [{"type": "em_clicks", "contact_id": people[1].uid, "link_url": url}],
            source=Source.API,
        )
    assert other.accepted == 1
    assert store(ctx, account, batch).accepted == 1
    with ctx.db.read() as conn:
        made = conn.execute(select(links.c.id).where(links.c.url == url)).scalars().all()
        used = set(conn.execute(select(events.c.link_id)).scalars())
    assert len(made) == 1
    assert used == set(made)


def test_concurrent_bodies_through_the_route_count_exactly(
    ctx: Context, account: NewAccount, people: list[Any], mailing: int
) -> None:
    """Bodies resolved beside each other's writes, some keys shared: each event stored once."""
    import threading

    from mailroom.accounts.schemas import Principal
    from mailroom.dialects.native.events import ingest_body

    principal = Principal(account.account_id, account.account_code, None, account.default_list_id)
    bodies = [
        orjson.dumps(
            [
                {
                    "type": ("em_sends", "em_opens", "em_clicks", "em_optouts")[i % 4],
                    "contact_id": people[i % 5].uid,
                    "mailing_id": mailing,
                    "link_url": f"https://shop.test/{i % 7}",
                    "at": NOW - i,
                    "idempotency_key": f"k{(i + 150 * n) % 600}",  # bodies overlap by half
                }
                for i in range(300)
            ]
        )
        for n in range(4)
    ]
    results: list[dict[str, Any]] = []
    errors: list[BaseException] = []

    def post(body: bytes) -> None:
        try:
            results.append(ingest_body(ctx, principal, body, "application/json"))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r["accepted"] for r in results) == 600
    assert sum(r["duplicates"] for r in results) == 600
    with ctx.db.read() as conn:
        stored = conn.scalar(select(func.count()).select_from(events))
        summed = conn.scalar(
            select(
                func.sum(
                    contact_totals.c.sends
                    + contact_totals.c.opens
                    + contact_totals.c.machine_opens
                    + contact_totals.c.clicks
                    + contact_totals.c.machine_clicks
                    + contact_totals.c.optouts
                )
            )
        )
        made = conn.scalar(select(func.count()).select_from(links))
    assert stored == summed == 600
    assert made == 7
