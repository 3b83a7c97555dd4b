"""Shared helpers of the webhook tests: contacts, mailings, endpoints and what got stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from mailroom.accounts.schemas import NewAccount
from mailroom.activity import service as activity
from mailroom.context import Context
from mailroom.db.tables import contacts, events
from mailroom.kit import ids
from mailroom.mailings import service as mailings_service
from mailroom.webhooks import service


def add_contact(ctx: Context, acc: NewAccount, email: str, list_id: int | None = None) -> Any:
    now = ctx.clock.now_ms()
    list_id = list_id or acc.default_list_id
    with ctx.db.write() as conn:
        conn.execute(
            insert(contacts).values(
                uid=ids.object_id(now),
                account_id=acc.account_id,
                list_id=list_id,
                email=email,
                created=now // 1000,
                modified=now // 1000,
            )
        )
        return conn.execute(
            select(contacts).where(contacts.c.email == email, contacts.c.list_id == list_id)
        ).one()


def add_mailing(ctx: Context, acc: NewAccount, name: str = "Spring") -> int:
    with ctx.db.write() as conn:
        return mailings_service.create_mailing(conn, ctx.clock, acc.account_id, name)


def make_endpoint(
    ctx: Context, acc: NewAccount, provider: str, secret: str | None, list_id: int | None = None
) -> str:
    """The endpoint's path."""
    with ctx.db.write() as conn:
        made = service.create_endpoint(
            conn, ctx.clock, acc.account_id, provider, secret=secret, list_id=list_id
        )
    return str(made["path"])


def stored(ctx: Context) -> list[Any]:
    with ctx.db.read() as conn:
        return list(conn.execute(select(events).order_by(events.c.id)))


def status_of(ctx: Context, contact_id: int) -> str:
    with ctx.db.read() as conn:
        return str(
            conn.execute(select(contacts.c.status).where(contacts.c.id == contact_id)).scalar()
        )


def set_status(ctx: Context, contact_id: int, status: str, changed_ms: int) -> None:
    with ctx.db.write() as conn:
        conn.execute(
            update(contacts)
            .where(contacts.c.id == contact_id)
            .values(status=status, status_changed_ms=changed_ms)
        )


def totals(ctx: Context, acc: NewAccount, contact_id: int) -> dict[str, Any]:
    with ctx.db.read() as conn:
        return activity.contact_totals(conn, acc.account_id, contact_id, include_machine=True)
