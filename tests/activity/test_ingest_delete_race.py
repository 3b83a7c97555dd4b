"""Ingest and contact deletes under way at once: no event outlives its contact (`activity.lock`).

On PostgreSQL the account's activity lock orders them; on SQLite the one write lock does.
"""

from __future__ import annotations

import threading
from typing import Any

from activity_seed import mailing_fixture, people_fixture  # noqa: F401 (fixtures)
from sqlalchemy import func, select

from mailroom.accounts.schemas import NewAccount
from mailroom.activity import service
from mailroom.activity.schemas import IngestResult
from mailroom.activity.types import Source
from mailroom.contacts import service as contacts_service
from mailroom.context import Context
from mailroom.db.tables import contact_mailing_totals, contact_totals, contacts, events

NOW = 1_767_225_600_000  # the FrozenClock's start
WAIT_S = 0.5  # long enough to see that the other transaction did not go through


def batch_for(ctx: Context, acc: NewAccount, person: Any, mailing: int) -> service.Batch:
    items = [
        {"type": "em_sends", "contact_id": person.uid, "mailing_id": mailing, "at": NOW},
        {"type": "em_opens", "email": person.email, "mailing_id": mailing, "at": NOW + 60_000},
    ]
    return service.validate(ctx.clock, items, acc.default_list_id)


def left_of(ctx: Context, person: Any) -> dict[str, int]:
    with ctx.db.read() as conn:
        out = {}
        for table in (events, contact_totals, contact_mailing_totals):
            query = select(func.count()).select_from(table).where(table.c.contact_id == person.id)
            out[table.name] = int(conn.scalar(query) or 0)
        query = select(func.count()).select_from(contacts).where(contacts.c.id == person.id)
        out["contacts"] = int(conn.scalar(query) or 0)
        return out


NOTHING = {"events": 0, "contact_totals": 0, "contact_mailing_totals": 0, "contacts": 0}


def test_a_delete_waits_for_the_ingest_under_way_then_purges_its_events(
    ctx: Context, account: NewAccount, people: list[Any], mailing: int
) -> None:
    alice, bob = people[0], people[1]
    deleted = threading.Event()

    def delete_alice() -> None:
        with ctx.db.write() as conn:
            contacts_service.delete_contacts(conn, account.default_list_id, [alice.uid])
        deleted.set()

    with ctx.db.write() as conn:
        stored = service.store(
            conn, account.account_id, batch_for(ctx, account, alice, mailing), source=Source.API
        )
        assert stored.accepted == 2
        deleter = threading.Thread(target=delete_alice)
        deleter.start()
        assert not deleted.wait(WAIT_S), "the delete committed before the ingest did"
    deleter.join(timeout=30)

    assert deleted.is_set()
    assert left_of(ctx, alice) == NOTHING
    assert left_of(ctx, bob)["contacts"] == 1


def test_an_ingest_waits_for_the_delete_under_way_then_finds_the_contact_gone(
    ctx: Context, account: NewAccount, people: list[Any], mailing: int
) -> None:
    alice = people[0]
    batch = batch_for(ctx, account, alice, mailing)
    results: list[IngestResult] = []

    def ingest() -> None:
        with ctx.db.write() as conn:
            results.append(service.store(conn, account.account_id, batch, source=Source.API))

    with ctx.db.write() as conn:
        contacts_service.delete_contacts(conn, account.default_list_id, [alice.uid])
        ingester = threading.Thread(target=ingest)
        ingester.start()
        ingester.join(timeout=WAIT_S)
        assert ingester.is_alive(), "the ingest went through while the delete was under way"
    ingester.join(timeout=30)

    [result] = results
    assert result.accepted == 0
    assert [r.reason for r in result.rejected] == [service.UNKNOWN_CONTACT] * 2
    assert left_of(ctx, alice) == NOTHING
