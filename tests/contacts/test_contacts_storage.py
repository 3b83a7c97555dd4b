"""The raw-driver bulk forms contacts rely on (db.backend), on whichever backend runs the suite."""

from __future__ import annotations

import json

from sqlalchemy import select

from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context
from mailroom.db import backend
from mailroom.db.tables import contacts

COLUMNS = ("uid", "account_id", "list_id", "email", "fields", "created", "modified", "import_id")


def _row(acc: NewAccount, n: int, email: str, fields: dict[str, object]) -> tuple[object, ...]:
    return (f"{n:024x}", acc.account_id, acc.default_list_id, email, json.dumps(fields), 5, 5, None)


def test_insert_many_ignore_skips_clashes_and_counts(ctx: Context, account: NewAccount) -> None:
    with ctx.db.write() as conn:
        first = backend.insert_many_ignore(
            conn,
            contacts,
            COLUMNS,
            [_row(account, 1, "a@x.com", {"n": 1}), _row(account, 2, "b@x.com", {})],
            index_elements=("list_id", "email"),
        )
        second = backend.insert_many_ignore(
            conn,
            contacts,
            COLUMNS,
            [_row(account, 3, "a@x.com", {"n": 2}), _row(account, 4, "c@x.com", {"s": "é"})],
            index_elements=("list_id", "email"),
        )
    assert (first, second) == (2, 1)
    with ctx.db.read() as conn:
        rows = {r.email: r for r in conn.execute(select(contacts))}
    assert set(rows) == {"a@x.com", "b@x.com", "c@x.com"}
    assert rows["a@x.com"].fields == {"n": 1} and rows["a@x.com"].uid == f"{1:024x}"
    assert rows["c@x.com"].fields == {"s": "é"} and rows["c@x.com"].import_id is None
    assert (
        backend.insert_many_ignore(conn, contacts, COLUMNS, [], index_elements=("list_id", "email"))
        == 0
    )


def test_update_many_and_in_values(ctx: Context, account: NewAccount) -> None:
    with ctx.db.write() as conn:
        backend.insert_many_ignore(
            conn,
            contacts,
            COLUMNS,
            [_row(account, i, f"u{i}@x.com", {}) for i in range(1, 4)],
            index_elements=("list_id", "email"),
        )
        ids = dict(conn.execute(select(contacts.c.email, contacts.c.id)).all())
        backend.update_many(
            conn,
            contacts,
            "id",
            ("fields", "modified", "import_id"),
            [(ids["u1@x.com"], json.dumps({"a": 1}), 9, 77), (ids["u3@x.com"], "{}", 10, None)],
        )
    with ctx.db.read() as conn:
        rows = {r.email: r for r in conn.execute(select(contacts))}
        picked = conn.execute(
            select(contacts.c.email).where(
                backend.in_values(conn, contacts.c.email, ["u1@x.com", "u3@x.com", "zz@x.com"])
            )
        ).scalars()
        assert sorted(picked) == ["u1@x.com", "u3@x.com"]
    assert (rows["u1@x.com"].fields, rows["u1@x.com"].modified, rows["u1@x.com"].import_id) == (
        {"a": 1},
        9,
        77,
    )
    assert rows["u2@x.com"].modified == 5
    assert (rows["u3@x.com"].modified, rows["u3@x.com"].import_id) == (10, None)
