"""Test data and fixtures for activity tests (a uniquely named module, not a conftest)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import insert

from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context
from mailroom.db.tables import contacts
from mailroom.kit import ids
from mailroom.mailings import service as mailings_service


def add_contacts(
    ctx: Context, acc: NewAccount, count: int, *, list_id: int | None = None
) -> list[Any]:
    """`count` active contacts c0@x.test.. on the list (default: the account's default list)."""
    now_ms = ctx.clock.now_ms()
    list_id = list_id or acc.default_list_id
    rows = [
        {
            "uid": ids.object_id(now_ms),
            "account_id": acc.account_id,
            "list_id": list_id,
            "email": f"c{i}@{acc.account_code}.test",
            "created": now_ms // 1000,
            "modified": now_ms // 1000,
        }
        for i in range(count)
    ]
    with ctx.db.write() as conn:
        conn.execute(insert(contacts), rows)
        return list(
            conn.execute(
                contacts.select().where(contacts.c.list_id == list_id).order_by(contacts.c.id)
            )
        )


def add_mailing(ctx: Context, acc: NewAccount, name: str = "Spring") -> int:
    with ctx.db.write() as conn:
        return mailings_service.create_mailing(
            conn, ctx.clock, acc.account_id, name, list_id=acc.default_list_id
        )


@pytest.fixture(name="people")
def people_fixture(ctx: Context, account: NewAccount) -> list[Any]:
    """Five contacts of the account's default list."""
    return add_contacts(ctx, account, 5)


@pytest.fixture(name="mailing")
def mailing_fixture(ctx: Context, account: NewAccount) -> int:
    return add_mailing(ctx, account)
