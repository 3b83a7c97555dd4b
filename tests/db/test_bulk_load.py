"""backend.bulk_load: COPY on PostgreSQL, executemany on SQLite, inside the caller's transaction."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context
from mailroom.db import backend
from mailroom.db.tables import events, list_fields

COLUMNS = ("account_id", "list_id", "contact_id", "type", "at_ms", "machine", "details")


def rows(account: NewAccount, n: int) -> list[tuple[Any, ...]]:
    return [
        (account.account_id, account.default_list_id, i, 2, 1000 + i, i % 2 == 0, None)
        if i % 3
        else (account.account_id, account.default_list_id, i, 3, 1000 + i, False, '{"a":"t\\tb"}')
        for i in range(n)
    ]


def test_rows_are_loaded_with_json_bools_and_nulls(ctx: Context, account: NewAccount) -> None:
    with ctx.db.write() as conn:
        loaded = backend.bulk_load(conn, events, COLUMNS, iter(rows(account, 2500)))
    assert loaded == 2500
    with ctx.db.read() as conn:
        stored = conn.execute(
            select(events.c.contact_id, events.c.machine, events.c.details).order_by(events.c.id)
        ).all()
    assert [r.contact_id for r in stored] == list(range(2500))
    assert stored[0].details == {"a": "t\tb"} and stored[1].details is None
    assert stored[2].machine is True and stored[1].machine is False


def test_quoted_column_names_work(ctx: Context, account: NewAccount) -> None:
    columns = ("account_id", "list_id", "name", "title", "type", "default", "created", "modified")
    row = (account.account_id, account.default_list_id, "tier", "Tier", "string", "gold", 1, 1)
    with ctx.db.write() as conn:
        assert backend.bulk_load(conn, list_fields, columns, [row]) == 1
    with ctx.db.read() as conn:
        default = conn.execute(
            select(list_fields.c.default).where(list_fields.c.name == "tier")
        ).scalar_one()
    assert default == "gold"


def test_loaded_rows_roll_back_with_the_transaction(ctx: Context, account: NewAccount) -> None:
    with pytest.raises(RuntimeError), ctx.db.write() as conn:
        backend.bulk_load(conn, events, COLUMNS, rows(account, 10))
        raise RuntimeError("abort")
    with ctx.db.read() as conn:
        assert conn.execute(select(events.c.id)).first() is None


def test_nothing_to_load(ctx: Context) -> None:
    with ctx.db.write() as conn:
        assert backend.bulk_load(conn, events, COLUMNS, []) == 0
