"""The raw bulk forms of `db.backend` used by event ingest, on both backends."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from sqlalchemy import func, select

from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context
from mailroom.db import backend
from mailroom.db.tables import contact_totals, events, links

AWKWARD = ["plain", 'quo"te', "back\\slash", "comma,brace}{", "NULL", "", "ünï 😀", "new\nline"]


def test_insert_many_returning_skips_partial_index_clashes(ctx: Context) -> None:
    cols = (
        "id",
        "account_id",
        "list_id",
        "contact_id",
        "type",
        "at_ms",
        "machine",
        "idem_key",
        "details",
    )
    with ctx.db.write() as conn:
        ids = backend.reserve_ids(conn, events, 3)
        assert ids == sorted(ids) and len(set(ids)) == 3
        rows = [
            (ids[0], 1, 1, 1, 2, 10, True, "k1", '{"a": "x\\"y"}'),
            (ids[1], 1, 1, 1, 2, 11, False, None, None),
            (ids[2], 1, 1, 1, 2, 12, False, None, None),
        ]
        kw: dict[str, Any] = {
            "returning": ("id",),
            "conflict": ("account_id", "idem_key"),
            "conflict_where": "idem_key IS NOT NULL",
        }
        first = backend.insert_many_returning(conn, events, cols, rows, **kw)
        assert sorted(r[0] for r in first) == ids
        more = backend.reserve_ids(conn, events, 2)
        assert min(more) > max(ids)
        again = [
            (more[0], 1, 1, 1, 2, 13, False, "k1", None),  # clash: skipped
            (more[1], 2, 1, 1, 2, 14, False, "k1", None),  # other account: stored
        ]
        second = backend.insert_many_returning(conn, events, cols, again, **kw)
        assert [r[0] for r in second] == [more[1]]
        stored = conn.execute(
            select(events.c.details, events.c.machine).where(events.c.id == ids[0])
        ).one()
    assert stored.details == {"a": 'x"y'}
    assert stored.machine is True


def test_awkward_text_round_trips(
    ctx: Context, account: NewAccount, other_account: NewAccount
) -> None:
    mine, theirs = account.account_id, other_account.account_id
    with ctx.db.write() as conn:
        rows = [(mine, url, f"h{i}", 0) for i, url in enumerate(AWKWARD)]
        made = backend.insert_many_returning(
            conn,
            links,
            ("account_id", "url", "url_hash", "created"),
            rows,
            returning=("url_hash", "url"),
            conflict=("account_id", "url_hash"),
        )
        assert sorted(made) == sorted((f"h{i}", url) for i, url in enumerate(AWKWARD))
        found = backend.fetch_in(
            conn,
            links,
            ("url",),
            ("url_hash",),
            [(f"h{i}",) for i in range(len(AWKWARD))],
            equals={"account_id": mine},
        )
        assert sorted(r[0] for r in found) == sorted(AWKWARD)
        pairs = backend.fetch_in(
            conn,
            links,
            ("url_hash",),
            ("account_id", "url"),
            [(mine, AWKWARD[1]), (theirs, AWKWARD[2])],
        )
        assert pairs == [("h1",)]
        # One text key: escaped when a value holds a quote or backslash, joined as is when not.
        for subset in (AWKWARD, [v for v in AWKWARD if '"' not in v and "\\" not in v]):
            hashes = backend.fetch_in(conn, links, ("url_hash",), ("url",), [(v,) for v in subset])
            assert sorted(h for (h,) in hashes) == sorted(f"h{AWKWARD.index(v)}" for v in subset)
        assert backend.fetch_in(conn, links, ("url",), ("url_hash",), []) == []
        assert (
            backend.fetch_in(
                conn, links, ("url",), ("url_hash",), [("h0",)], equals={"account_id": theirs}
            )
            == []
        )


def test_upsert_add_many_adds_and_keeps_extremes(ctx: Context) -> None:
    cols = ("contact_id", "account_id", "list_id", "opens", "last_open_ms", "last_sent_ms")
    kw: dict[str, Any] = {
        "keys": ("contact_id",),
        "add": ("opens",),
        "greatest": ("last_open_ms", "last_sent_ms"),
    }
    with ctx.db.write() as conn:
        backend.upsert_add_many(
            conn, contact_totals, cols, [(1, 1, 1, 2, None, 50), (2, 1, 1, 1, 7, None)], **kw
        )
        backend.upsert_add_many(
            conn, contact_totals, cols, [(1, 1, 1, 3, 40, None), (2, 1, 1, 1, 5, 9)], **kw
        )
        rows = conn.execute(
            select(
                contact_totals.c.contact_id,
                contact_totals.c.opens,
                contact_totals.c.last_open_ms,
                contact_totals.c.last_sent_ms,
            ).order_by(contact_totals.c.contact_id)
        ).all()
    assert [tuple(r) for r in rows] == [(1, 5, 40, 50), (2, 2, 7, 9)]


def test_update_many_unless_newer_leaves_newer_rows(ctx: Context, account: NewAccount) -> None:
    from sqlalchemy import insert

    from mailroom.db.tables import contacts

    base = {"account_id": account.account_id, "list_id": account.default_list_id, "created": 0}
    with ctx.db.write() as conn:
        conn.execute(
            insert(contacts),
            [
                {
                    **base,
                    "uid": "a" * 24,
                    "email": "a@x.test",
                    "modified": 0,
                    "status_changed_ms": 100,
                },
                {
                    **base,
                    "uid": "b" * 24,
                    "email": "b@x.test",
                    "modified": 0,
                    "status_changed_ms": 900,
                },
            ],
        )
        ids = dict(conn.execute(select(contacts.c.email, contacts.c.id)).all())
        backend.update_many(
            conn,
            contacts,
            "id",
            ("status", "status_changed_ms"),
            [(ids["a@x.test"], "unsubscribed", 500), (ids["b@x.test"], "unsubscribed", 500)],
            unless_newer="status_changed_ms",
        )
        rows = dict(conn.execute(select(contacts.c.email, contacts.c.status)).all())
    assert rows == {"a@x.test": "unsubscribed", "b@x.test": "active"}


BIG = 1300  # rows: past PostgreSQL's staging threshold and several SQLite statements long
EVENT_COLS = (
    "id",
    "account_id",
    "list_id",
    "contact_id",
    "type",
    "at_ms",
    "mailing_id",
    "machine",
    "idem_key",
    "details",
)


def event_rows(ids: list[int], first_key: int = 0) -> list[tuple[Any, ...]]:
    """Rows with every kind of value: NULLs, booleans, JSON text and awkward keys."""
    return [
        (
            event_id,
            1,
            1,
            n % 7 + 1,
            2,
            1_000 + n,
            None if n % 3 else n,
            n % 2 == 0,
            None if n % 5 == 0 else f"{AWKWARD[n % len(AWKWARD)]}-{first_key + n}",
            None if n % 4 else orjson.dumps({"n": n, "s": AWKWARD[n % len(AWKWARD)]}).decode(),
        )
        for n, event_id in enumerate(ids)
    ]


def test_big_batches_insert_exactly_and_report_the_stored_ids(ctx: Context) -> None:
    kw: dict[str, Any] = {
        "conflict": ("account_id", "idem_key"),
        "conflict_where": "idem_key IS NOT NULL",
    }
    with ctx.db.write() as conn:
        ids = backend.reserve_ids(conn, events, BIG)
        rows = event_rows(ids)
        assert backend.insert_many_ids(conn, events, EVENT_COLS, rows, **kw) == set(ids)
        # the same keys again, in the same transaction: only the rows without a key go in
        more = backend.reserve_ids(conn, events, BIG)
        again = backend.insert_many_ids(conn, events, EVENT_COLS, event_rows(more), **kw)
        assert again == {more[n] for n in range(BIG) if n % 5 == 0}
        stored = conn.execute(
            select(*(events.c[c] for c in EVENT_COLS))
            .where(events.c.id.in_(ids))
            .order_by(events.c.id)
        ).all()
    assert len(stored) == BIG
    for got, want in zip(stored, rows, strict=True):
        assert tuple(got[:-1]) == want[:-1]
        assert got[-1] == (None if want[-1] is None else orjson.loads(want[-1]))


def test_staging_survives_a_rolled_back_transaction(ctx: Context) -> None:
    kw: dict[str, Any] = {
        "conflict": ("account_id", "idem_key"),
        "conflict_where": "idem_key IS NOT NULL",
    }
    with pytest.raises(RuntimeError), ctx.db.write() as conn:
        ids = backend.reserve_ids(conn, events, BIG)
        backend.insert_many_ids(conn, events, EVENT_COLS, event_rows(ids), **kw)
        raise RuntimeError("abandon the transaction")
    with ctx.db.write() as conn:
        ids = backend.reserve_ids(conn, events, 100)
        assert backend.insert_many_ids(conn, events, EVENT_COLS, event_rows(ids, 7), **kw) == set(
            ids
        )
        count = conn.execute(select(func.count()).select_from(events)).scalar_one()
    assert count == 100


def test_big_upserts_add_up_across_statements(ctx: Context) -> None:
    cols = ("contact_id", "account_id", "list_id", "opens", "last_open_ms", "last_sent_ms")
    kw: dict[str, Any] = {
        "keys": ("contact_id",),
        "add": ("opens",),
        "greatest": ("last_open_ms", "last_sent_ms"),
    }
    first = [(n + 1, 1, 1, 1, n, None) for n in range(BIG)]
    second = [(n + 1, 1, 1, 2, BIG - n, 5) for n in range(0, BIG, 2)]
    with ctx.db.write() as conn:
        backend.upsert_add_many(conn, contact_totals, cols, first, **kw)
        backend.upsert_add_many(conn, contact_totals, cols, second, **kw)  # same transaction
    with ctx.db.write() as conn:
        backend.upsert_add_many(conn, contact_totals, cols, second, **kw)  # a later one
        rows = conn.execute(
            select(
                contact_totals.c.contact_id,
                contact_totals.c.opens,
                contact_totals.c.last_open_ms,
                contact_totals.c.last_sent_ms,
            ).order_by(contact_totals.c.contact_id)
        ).all()
    expected = [
        (n + 1, 5, max(n, BIG - n), 5) if n % 2 == 0 else (n + 1, 1, n, None) for n in range(BIG)
    ]
    assert [tuple(r) for r in rows] == expected


def test_big_lookups_and_missing_keys(ctx: Context) -> None:
    cols = ("id", "account_id", "list_id", "contact_id", "type", "at_ms", "idem_key")
    with ctx.db.write() as conn:
        ids = backend.reserve_ids(conn, events, BIG)
        rows = [(i, 1, 1, i % 11, 2, i, f"k{i}") for i in ids]
        backend.insert_many_ids(conn, events, cols, rows, conflict=("id",))
    unknown = [max(ids) + n for n in range(1, 4)]
    with ctx.db.read() as conn:
        found = backend.fetch_in(
            conn,
            events,
            ("id", "idem_key"),
            ("account_id", "idem_key"),
            [(1, f"k{i}") for i in ids],
        )
        assert sorted(found) == sorted((i, f"k{i}") for i in ids)
        assert backend.missing_keys(conn, events, "id", [*ids, *unknown]) == set(unknown)
        assert backend.missing_keys(conn, events, "id", []) == set()


def test_update_many_sets_each_row(ctx: Context, account: NewAccount) -> None:
    from sqlalchemy import insert

    from mailroom.db.tables import contacts

    base = {"account_id": account.account_id, "list_id": account.default_list_id, "created": 0}
    with ctx.db.write() as conn:
        conn.execute(
            insert(contacts),
            [
                {**base, "uid": f"{n:024x}", "email": f"{n}@x.test", "modified": 0}
                for n in range(BIG)
            ],
        )
        ids = dict(conn.execute(select(contacts.c.email, contacts.c.id)).all())
        unique = [(ids[f"{n}@x.test"], n) for n in range(BIG)]
        backend.update_many(conn, contacts, "id", ("modified",), unique)
        first = ids["0@x.test"]
        if ctx.db.is_sqlite:  # a repeated key: rows apply in order (PostgreSQL takes any one)
            backend.update_many(conn, contacts, "id", ("modified",), [(first, 7), (first, 9)])
            unique[0] = (first, 9)
        modified = dict(conn.execute(select(contacts.c.id, contacts.c.modified)).all())
    assert modified == dict(unique)


def test_writer_queue_admits_one_sqlite_writer_at_a_time(ctx: Context) -> None:
    import subprocess
    import sys
    import threading

    engine = ctx.db.engine
    order: list[str] = []
    with backend.writer_queue(engine):
        if not ctx.db.is_sqlite:  # PostgreSQL runs writers together: no queue
            with backend.writer_queue(engine):
                order.append("nested")
            assert order == ["nested"]
            return

        def other() -> None:
            with backend.writer_queue(engine):
                order.append("other thread")

        thread = threading.Thread(target=other)
        thread.start()
        thread.join(timeout=0.3)
        assert thread.is_alive()  # waiting in line
        probe = (
            "import fcntl, os, sys\n"
            "fd = os.open(sys.argv[1], os.O_RDWR)\n"
            "try:\n    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)\n"
            "except BlockingIOError:\n    sys.exit(1)\n"
        )
        lock_file = f"{engine.url.database}-writers.lock"
        held = subprocess.run([sys.executable, "-c", probe, lock_file], check=False)
        assert held.returncode == 1  # another process waits too
        order.append("first")
    thread.join(timeout=5)
    assert order == ["first", "other thread"]
    free = subprocess.run([sys.executable, "-c", probe, lock_file], check=False)
    assert free.returncode == 0


def test_insert_many_returning_goes_in_the_order_asked(ctx: Context, account: NewAccount) -> None:
    """Rows go in sorted by `order` whatever order they came in (links get ids in that order):
    concurrent batches then take their keys in one order and cannot deadlock."""
    hashes = [f"{n:064x}" for n in range(BIG)]
    shuffled = hashes[1::2] + hashes[0::2]
    rows = [(account.account_id, f"https://example.com/{h}", h, 0) for h in shuffled]
    with ctx.db.write() as conn:
        made = backend.insert_many_returning(
            conn,
            links,
            ("account_id", "url", "url_hash", "created"),
            rows,
            returning=("id", "url_hash"),
            conflict=("account_id", "url_hash"),
            order=("url_hash",),
        )
        stored = conn.execute(select(links.c.url_hash).order_by(links.c.id)).scalars().all()
    assert sorted(h for _, h in made) == hashes
    assert stored == hashes
