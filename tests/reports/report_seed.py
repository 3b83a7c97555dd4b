"""A small fixed history for report tests (a uniquely named module, not a conftest)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from mailroom.accounts.schemas import NewAccount
from mailroom.activity import service as activity_service
from mailroom.activity.types import Source
from mailroom.context import Context
from mailroom.db.tables import contacts
from mailroom.kit import ids
from mailroom.mailings import service as mailings_service

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
LAST_NAMES = ("Adams", "Brown", "Clark", "=HYPERLINK(1)", "Evans")


def add_people(ctx: Context, acc: NewAccount, list_id: int | None = None) -> list[Any]:
    """Five contacts c0..c4 with a last_name each (c3's looks like a spreadsheet formula)."""
    now_s = ctx.clock.now_ms() // 1000
    list_id = list_id or acc.default_list_id
    rows = [
        {
            "uid": ids.object_id(ctx.clock.now_ms()),
            "account_id": acc.account_id,
            "list_id": list_id,
            "email": f"c{i}@{'gmail.com' if i % 2 == 0 else 'example.org'}",
            "fields": {"last_name": name},
            "created": now_s - 100 * 86_400,
            "modified": now_s - 100 * 86_400,
        }
        for i, name in enumerate(LAST_NAMES)
    ]
    with ctx.db.write() as conn:
        conn.execute(insert(contacts), rows)
        stmt = select(contacts).where(contacts.c.list_id == list_id).order_by(contacts.c.id)
        return list(conn.execute(stmt))


def history(ctx: Context, acc: NewAccount, people: list[Any]) -> int:
    """Sends, opens (one by a machine), a click, a bounce and an opt-out; returns the mailing."""
    now = ctx.clock.now_ms()
    with ctx.db.write() as conn:
        mailing = mailings_service.create_mailing(
            conn, ctx.clock, acc.account_id, "Spring", list_id=acc.default_list_id
        )
    c0, c1, c2, c3, _ = (p.uid for p in people)

    def item(kind: str, uid: str, days_ago: float, **extra: Any) -> dict[str, Any]:
        at = now - int(days_ago * DAY_MS)
        return {"type": kind, "contact_id": uid, "mailing_id": mailing, "at": at, **extra}

    items = [
        item("em_sends", c0, 40),
        item("em_opens", c0, 40 - 1 / 24),
        item("em_opens", c0, 10),
        item("em_clicks", c0, 10 - 1 / 24, link_url="https://shop.test/spring"),
        item("em_opens", c0, 5, machine=True),
        item("em_sends", c1, 40),
        item("em_sends", c1, 10),
        item("em_opens", c1, 9),
        item("em_sends", c2, 10),
        item("em_bounces", c2, 10 - 1 / 24, bounce_type="hard"),
        item("em_sends", c3, 40),
        item("em_optouts", c3, 39),
    ]
    with ctx.db.write() as conn:
        result = activity_service.ingest(conn, ctx.clock, acc.account_id, items, source=Source.API)
    assert result.rejected == []
    return mailing
