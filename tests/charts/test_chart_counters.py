"""The chart's counters move with the writes that make contacts, lists and opt-outs, and only
then; the migration counts what a database already holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text

from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context
from mailroom.db.database import Database
from mailroom.db.migrate import upgrade
from mailroom.db.tables import account_hourly, served_hourly
from mailroom.imports.contacts import import_contacts
from mailroom.kit.clock import FrozenClock


def totals(ctx: Context, account: NewAccount) -> tuple[int, int, int]:
    h = account_hourly
    with ctx.db.read() as conn:
        row = conn.execute(
            select(
                func.coalesce(func.sum(h.c.contacts_added), 0),
                func.coalesce(func.sum(h.c.contacts_blocked), 0),
                func.coalesce(func.sum(h.c.lists_added), 0),
            ).where(h.c.account_id == account.account_id)
        ).one()
    return int(row[0]), int(row[1]), int(row[2])


def ongage(account: NewAccount) -> dict[str, str]:
    return {
        "X_USERNAME": account.username,
        "X_PASSWORD": account.password,
        "X_ACCOUNT_CODE": account.account_code,
    }


def test_an_import_counts_new_contacts_and_not_updated_ones(
    ctx: Context, account: NewAccount, tmp_path: Path
) -> None:
    first = tmp_path / "first.csv"
    first.write_text("email\na@x.test\nb@x.test\nc@x.test\n")
    import_contacts(ctx, first, account.default_list_id)
    again = tmp_path / "again.csv"
    again.write_text("email\nb@x.test\nc@x.test\nd@x.test\n")
    import_contacts(ctx, again, account.default_list_id, overwrite=True)
    assert totals(ctx, account) == (4, 0, 1)  # a, b, c, d; the default list


def test_api_writes_count_only_real_changes(client: Any, account: NewAccount, ctx: Context) -> None:
    headers = ongage(account)
    client.post("/api/v2/contacts", json=[{"email": "a@x.test"}], headers=headers)
    client.post("/api/v2/contacts", json=[{"email": "a@x.test"}], headers=headers)  # exists
    rejected = client.post("/api/v2/contacts", json=[{"email": "not-an-email"}], headers=headers)
    assert rejected.status_code in (200, 412)
    status = {"emails": ["a@x.test"], "change_to": "unsubscribe"}
    for _ in range(2):  # the second changes nothing
        client.post("/api/v2/contacts/change_status", json=status, headers=headers)
    bounce = {"emails": ["a@x.test"], "change_to": "bounce"}
    client.post("/api/v2/contacts/change_status", json=bounce, headers=headers)
    client.post("/api/lists", json={"name": "Second"}, headers=headers)
    assert totals(ctx, account) == (1, 1, 2)


def test_a_resubscribed_contact_opting_out_again_counts_again(
    client: Any, clock: FrozenClock, account: NewAccount, ctx: Context
) -> None:
    headers = ongage(account)
    client.post("/api/v2/contacts", json=[{"email": "a@x.test"}], headers=headers)
    for change in ("unsubscribe", "resubscribe", "complaint"):
        clock.advance(seconds=60)
        body = {"emails": ["a@x.test"], "change_to": change}
        assert (
            client.post("/api/v2/contacts/change_status", json=body, headers=headers).status_code
            == 200
        )
    assert totals(ctx, account) == (1, 2, 1)


def test_the_migration_counts_existing_rows(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0008_contacts_fillfactor")
    db = Database(url)
    hour = 1_767_225_600  # 2026-01-01T00:00Z
    with db.write() as conn:
        conn.execute(text("INSERT INTO accounts (id, code, name, created) VALUES (1, 'a', 'A', 0)"))
        conn.execute(
            text(
                "INSERT INTO lists (id, account_id, name, created, modified)"
                f" VALUES (1, 1, 'L', {hour + 60}, {hour + 60})"
            )
        )
        for n, (status, date) in enumerate([("active", None), ("unsubscribed", hour + 7300)]):
            conn.execute(
                text(
                    "INSERT INTO contacts (id, uid, account_id, list_id, email, status, created,"
                    " modified, unsubscribe_date) VALUES (:id, :uid, 1, 1, :email, :status,"
                    " :created, :created, :date)"
                ),
                {
                    "id": n + 1,
                    "uid": f"{n:024x}",
                    "email": f"{n}@x.test",
                    "status": status,
                    "created": hour + 3700,
                    "date": date,
                },
            )
        sends = [(1, hour + 100), (1, hour + 200), (2, hour + 4000), (1, hour + 8000)]
        for event_id, (contact, at_s) in enumerate(sends, start=1):
            conn.execute(
                text(
                    "INSERT INTO events (id, account_id, list_id, contact_id, type, at_ms)"
                    " VALUES (:id, 1, 1, :c, 1, :at)"
                ),
                {"id": event_id, "c": contact, "at": at_s * 1000},
            )
    db.dispose()
    upgrade(url)
    db = Database(url)
    try:
        with db.read() as conn:
            listed = conn.execute(
                select(
                    account_hourly.c.hour,
                    account_hourly.c.contacts_added,
                    account_hourly.c.contacts_blocked,
                    account_hourly.c.lists_added,
                ).order_by(account_hourly.c.hour)
            ).all()
            served = conn.execute(
                select(
                    served_hourly.c.hour, served_hourly.c.prev_hour, served_hourly.c.sends
                ).order_by(served_hourly.c.hour, served_hourly.c.prev_hour)
            ).all()
    finally:
        db.dispose()
    assert [tuple(r) for r in listed] == [
        (hour, 0, 0, 1),
        (hour + 3600, 2, 0, 0),
        (hour + 7200, 0, 1, 0),
    ]
    assert [tuple(r) for r in served] == [
        (hour, -1, 1),  # contact 1's first send
        (hour, hour, 1),  # its second, in the same hour
        (hour + 3600, -1, 1),  # contact 2's first
        (hour + 7200, hour, 1),  # contact 1's third, two hours after its second
    ]
