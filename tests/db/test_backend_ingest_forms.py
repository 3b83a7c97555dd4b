"""The raw bulk forms of `db.backend` used by event ingest, on both backends."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

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
