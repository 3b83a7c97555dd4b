"""The replica follows the main database: events, contacts, deletions, retention, rebuilds."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import insert, text
from tests.conftest import PG_URL, add_field
from tests.reports.report_seed import add_people, history

from mailroom.accounts.schemas import NewAccount
from mailroom.activity import retention
from mailroom.activity import service as activity_service
from mailroom.activity.types import Source
from mailroom.contacts import service as contacts_service
from mailroom.context import Context
from mailroom.db.tables import events
from mailroom.kit.clock import FrozenClock
from mailroom.replica import service, store

pytestmark = pytest.mark.usefixtures("people")


@pytest.fixture
def people(ctx: Context, account: NewAccount) -> list[Any]:
    add_field(ctx, account, "last_name")
    found = add_people(ctx, account)
    history(ctx, account, found)
    return found


def replica_rows(ctx: Context, sql: str) -> list[tuple[Any, ...]]:
    with store.connect(store.path_of(ctx.settings)) as duck:
        return [tuple(r) for r in duck.execute(sql).fetchall()]


def main_events(ctx: Context) -> list[tuple[Any, ...]]:
    with ctx.db.read() as conn:
        rows = conn.execute(
            text("SELECT id, contact_id, type, at_ms, machine FROM events ORDER BY id")
        ).all()
    return [(int(i), int(c), int(t), int(a), bool(m)) for i, c, t, a, m in rows]


REPLICA_EVENTS = "SELECT id, contact_id, type, at_ms, machine FROM events ORDER BY id"


def test_catch_up_copies_events_and_contacts(ctx: Context, people: list[Any]) -> None:
    caught = service.catch_up(ctx)
    assert caught.events == 12
    assert replica_rows(ctx, REPLICA_EVENTS) == main_events(ctx)
    assert caught.through == main_events(ctx)[-1][0]
    contacts = replica_rows(ctx, "SELECT email, status FROM contacts ORDER BY id")
    assert contacts[2] == ("c2@gmail.com", "bounced")  # the status set by its hard bounce
    assert service.catch_up(ctx).events == 0  # nothing new


def test_contact_changes_reach_the_replica(
    ctx: Context, account: NewAccount, people: list[Any]
) -> None:
    service.catch_up(ctx)
    with ctx.db.write() as conn:
        conn.execute(
            text("UPDATE contacts SET status = 'unsubscribed' WHERE id = :id"), {"id": people[4].id}
        )
    service.catch_up(ctx)
    row = replica_rows(ctx, f"SELECT status FROM contacts WHERE id = {people[4].id}")
    assert row == [("unsubscribed",)]


def test_contact_deletion_reaches_the_replica(
    ctx: Context, account: NewAccount, people: list[Any]
) -> None:
    service.catch_up(ctx)
    with ctx.db.write() as conn:
        deleted = contacts_service.delete_contacts(conn, account.default_list_id, [people[0].uid])
    assert people[0].uid in deleted.deleted
    service.catch_up(ctx)
    gone = people[0].id
    assert replica_rows(ctx, f"SELECT count(*) FROM events WHERE contact_id = {gone}") == [(0,)]
    assert replica_rows(ctx, f"SELECT count(*) FROM contacts WHERE id = {gone}") == [(0,)]
    assert replica_rows(ctx, REPLICA_EVENTS) == main_events(ctx)


def test_retention_reaches_the_replica(ctx: Context, people: list[Any]) -> None:
    service.catch_up(ctx)
    with ctx.db.write() as conn:
        pruned = retention.prune(conn, ctx.clock, 20)
    assert pruned == 5  # the events 39 and 40 days old
    service.catch_up(ctx)
    assert replica_rows(ctx, REPLICA_EVENTS) == main_events(ctx)
    assert len(main_events(ctx)) == 7


def test_deleting_the_newest_events_then_adding_more(
    ctx: Context, account: NewAccount, people: list[Any]
) -> None:
    """SQLite hands a deleted newest id out again: the replica must not skip the new event."""
    service.catch_up(ctx)
    newest = main_events(ctx)[-1]
    owner = next(p for p in people if p.id == newest[1])
    with ctx.db.write() as conn:
        contacts_service.delete_contacts(conn, account.default_list_id, [owner.uid])
    survivor = next(p for p in people if p.id != owner.id)
    with ctx.db.write() as conn:
        result = activity_service.ingest(
            conn,
            ctx.clock,
            account.account_id,
            [{"type": "em_sends", "contact_id": survivor.uid, "at": ctx.clock.now_ms() - 1000}],
            source=Source.API,
        )
    assert result.rejected == []
    service.catch_up(ctx)
    assert replica_rows(ctx, REPLICA_EVENTS) == main_events(ctx)


def test_rebuild_gives_the_same_replica(
    ctx: Context, account: NewAccount, people: list[Any]
) -> None:
    service.catch_up(ctx)
    with ctx.db.write() as conn:
        contacts_service.delete_contacts(conn, account.default_list_id, [people[1].uid])
    service.catch_up(ctx)
    everything = "SELECT * FROM events ORDER BY id"
    contacts = "SELECT * FROM contacts ORDER BY id"
    before = replica_rows(ctx, everything), replica_rows(ctx, contacts)
    copied: list[int] = []
    rebuilt = service.rebuild(ctx, progress=copied.append)
    assert sum(copied) == rebuilt.events == len(before[0])
    assert (replica_rows(ctx, everything), replica_rows(ctx, contacts)) == before
    # Stored in time order: the seed's history was written newest first for some contacts.
    stored = [t for (t,) in replica_rows(ctx, "SELECT at_ms FROM events")]
    assert stored == sorted(stored)
    ids = [i for (i,) in replica_rows(ctx, "SELECT id FROM events")]
    assert ids != sorted(ids)  # the order differs from the ids': the rewrite did something


def test_a_trimmed_log_forces_a_rebuild(ctx: Context, people: list[Any]) -> None:
    """A replica older than the logs the main database kept is rebuilt, not patched."""
    from mailroom.replica import feed

    service.catch_up(ctx)
    with store.connect(store.path_of(ctx.settings)) as duck:
        store.put(duck, "contact_changes", 0)
    with ctx.db.write() as conn:
        conn.execute(text("INSERT INTO contact_changes (contact_id) VALUES (1), (2)"))
        conn.execute(
            text("DELETE FROM contact_changes WHERE id < (SELECT max(id) FROM contact_changes)")
        )
    with store.connect(store.path_of(ctx.settings)) as duck, ctx.db.snapshot() as conn:
        with pytest.raises(feed.NeedsRebuild):
            feed.one_round(conn, duck, ctx.clock)
        duck.execute("DELETE FROM events WHERE id % 2 = 0")  # damage it: the rebuild repairs
    caught = service.catch_up(ctx)
    assert caught.events == 12
    assert replica_rows(ctx, REPLICA_EVENTS) == main_events(ctx)


@pytest.mark.skipif(not PG_URL, reason="only PostgreSQL commits ids out of order")
def test_an_id_committed_late_is_not_lost(
    ctx: Context, account: NewAccount, people: list[Any], clock: FrozenClock
) -> None:
    service.catch_up(ctx)
    row = {
        "account_id": account.account_id,
        "list_id": account.default_list_id,
        "contact_id": people[4].id,
        "type": 1,
        "at_ms": clock.now_ms(),
    }
    with ctx.db.engine.connect() as slow:
        slow.begin()
        slow.execute(insert(events).values(**row))  # takes an id, commits later
        with ctx.db.write() as conn:
            conn.execute(insert(events).values(**row))
        service.catch_up(ctx)
        assert len(replica_rows(ctx, REPLICA_EVENTS)) == len(main_events(ctx))
        slow.commit()
    clock.advance(seconds=5)
    service.catch_up(ctx)
    assert replica_rows(ctx, REPLICA_EVENTS) == main_events(ctx)


def test_the_periodic_feed_opens_the_replica_only_when_something_moved(
    ctx: Context, account: NewAccount, people: list[Any]
) -> None:
    assert service.feed_if_moved(ctx)  # first feed of this replica in this process
    assert not service.feed_if_moved(ctx)  # nothing new: DuckDB is not opened
    with ctx.db.write() as conn:
        item = {"type": "em_opens", "contact_id": people[0].uid, "at": ctx.clock.now_ms()}
        activity_service.ingest(conn, ctx.clock, account.account_id, [item], source=Source.API)
    assert service.feed_if_moved(ctx)  # a new event
    assert replica_rows(ctx, REPLICA_EVENTS) == main_events(ctx)
    assert not service.feed_if_moved(ctx)
    store.path_of(ctx.settings).unlink()  # the replica deleted: the next feed rebuilds it
    assert service.feed_if_moved(ctx)
    assert replica_rows(ctx, REPLICA_EVENTS) == main_events(ctx)
