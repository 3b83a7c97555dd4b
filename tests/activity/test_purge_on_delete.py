"""Deleting a list or contacts over HTTP removes their events and totals, nothing else."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Table, func, select

from conftest import ongage_headers_for
from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context
from mailroom.db.tables import (
    activity_hourly,
    contact_mailing_totals,
    contact_totals,
    contacts,
    events,
)
from mailroom.kit.clock import FrozenClock
from mailroom.mailings import service as mailings_service

ACTIVITY = (events, contact_totals, contact_mailing_totals, activity_hourly)
DETAILS = "/v3/reports/contact_reports/{uid}/activity_details?tracking_activities_list=" + ",".join(
    ("em_sends", "em_opens", "em_clicks", "em_bounces", "em_optouts")
)


def new_list(client: Any, acc: NewAccount, name: str) -> int:
    r = client.post("/api/lists", json={"name": name}, headers=ongage_headers_for(acc))
    assert r.status_code == 200, r.text
    return int(r.json()["payload"]["id"])


def add_people(client: Any, acc: NewAccount, list_id: int, emails: list[str]) -> dict[str, str]:
    """Contacts created through the Ongage API; email -> id."""
    r = client.post(
        f"/{list_id}/api/v2/contacts",
        json=[{"email": e} for e in emails],
        headers=ongage_headers_for(acc),
    )
    assert r.status_code == 200, r.text
    ids: dict[str, str] = r.json()["payload"]["created_emails"]
    return ids


def engage(client: Any, acc: NewAccount, uids: list[str], mailing_id: int) -> None:
    """A send, an open, a click and a soft bounce per contact, through the bulk endpoint."""
    items = []
    for uid in uids:
        base = {"contact_id": uid, "mailing_id": mailing_id}
        items += [
            {**base, "type": "em_sends", "at": "2025-12-31T10:00:00Z"},
            {**base, "type": "em_opens", "at": "2025-12-31T11:00:00Z", "machine": False},
            {**base, "type": "em_clicks", "link_url": "https://example.com/x"},
            {**base, "type": "em_bounces", "bounce_type": "soft"},
        ]
    r = client.post(
        "/mailroom/v1/events", json=items, headers={"Authorization": f"Bearer {acc.token}"}
    )
    assert r.status_code == 200 and r.json()["accepted"] == len(items), r.text


def mailing_of(ctx: Context, acc: NewAccount, name: str) -> int:
    with ctx.db.write() as conn:
        return mailings_service.create_mailing(conn, ctx.clock, acc.account_id, name)


def internal_ids(ctx: Context, uids: list[str]) -> list[int]:
    with ctx.db.read() as conn:
        return list(conn.scalars(select(contacts.c.id).where(contacts.c.uid.in_(uids))))


def snapshot(ctx: Context) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the activity tables, sorted, by table name."""
    with ctx.db.read() as conn:
        return {
            t.name: sorted(tuple(map(str, row)) for row in conn.execute(select(t)))
            for t in ACTIVITY
        }


def count(ctx: Context, table: Table, *where: Any) -> int:
    with ctx.db.read() as conn:
        return int(conn.scalar(select(func.count()).select_from(table).where(*where)) or 0)


def without(rows: dict[str, list[tuple[Any, ...]]], keep: Any) -> dict[str, list[tuple[Any, ...]]]:
    return {name: [r for r in table_rows if keep(name, r)] for name, table_rows in rows.items()}


def cc(acc: NewAccount) -> dict[str, str]:
    return {"Authorization": f"Bearer {acc.token}"}


@pytest.fixture
def world(
    client: Any, ctx: Context, clock: FrozenClock, account: NewAccount, other_account: NewAccount
) -> dict[str, Any]:
    """Two lists of the account and one of another account, each with engaged contacts."""
    doomed = new_list(client, account, "Doomed")
    kept = account.default_list_id
    mailing = mailing_of(ctx, account, "Spring")
    theirs = mailing_of(ctx, other_account, "Theirs")
    gone = add_people(client, account, doomed, ["a@x.com", "b@x.com"])
    stay = add_people(client, account, kept, ["a@x.com", "c@x.com"])
    other = add_people(client, other_account, other_account.default_list_id, ["a@x.com"])
    engage(client, account, [*gone.values(), *stay.values()], mailing)
    engage(client, other_account, list(other.values()), theirs)
    clock.advance(seconds=3600)
    return {"doomed": doomed, "kept": kept, "gone": gone, "stay": stay, "other": other}


def test_deleting_a_list_removes_its_activity_only(
    client: Any, ctx: Context, account: NewAccount, other_account: NewAccount, world: Any
) -> None:
    doomed = world["doomed"]
    gone_ids = internal_ids(ctx, list(world["gone"].values()))
    before = snapshot(ctx)
    assert count(ctx, events, events.c.contact_id.in_(gone_ids)) == 8
    assert count(ctx, contact_totals, contact_totals.c.list_id == doomed) == 2
    assert count(ctx, contact_mailing_totals, contact_mailing_totals.c.contact_id.in_(gone_ids))
    assert count(ctx, activity_hourly, activity_hourly.c.list_id == doomed)

    r = client.delete(f"/api/lists/{doomed}", headers=ongage_headers_for(account))
    assert r.status_code == 200, r.text

    assert count(ctx, events, events.c.list_id == doomed) == 0
    assert count(ctx, events, events.c.contact_id.in_(gone_ids)) == 0
    assert count(ctx, contact_totals, contact_totals.c.list_id == doomed) == 0
    assert (
        count(ctx, contact_mailing_totals, contact_mailing_totals.c.contact_id.in_(gone_ids)) == 0
    )
    assert count(ctx, activity_hourly, activity_hourly.c.list_id == doomed) == 0

    def unrelated(name: str, row: tuple[Any, ...]) -> bool:
        # events/contact_totals carry list_id; mailing totals are keyed by contact id.
        if name == "contact_mailing_totals":
            return int(row[0]) not in gone_ids
        if name == "activity_hourly":
            return int(row[0]) != doomed
        return int(row[2]) != doomed

    after = snapshot(ctx)
    assert after == without(before, unrelated)  # the other list and account are untouched
    assert count(ctx, events, events.c.account_id == other_account.account_id) == 4
    assert count(ctx, events, events.c.list_id == world["kept"]) == 8

    for uid in world["gone"].values():
        assert client.get(DETAILS.format(uid=uid), headers=cc(account)).status_code == 404
    kept_uid = world["stay"]["a@x.com"]
    found = client.get(DETAILS.format(uid=kept_uid), headers=cc(account))
    assert found.status_code == 200 and len(found.json()["tracking_activities"]) == 4


def test_a_refused_list_delete_removes_nothing(
    client: Any, ctx: Context, account: NewAccount, other_account: NewAccount, world: Any
) -> None:
    before = snapshot(ctx)
    default = client.delete(
        f"/api/lists/{account.default_list_id}", headers=ongage_headers_for(account)
    )
    assert default.status_code == 412
    foreign = client.delete(
        f"/api/lists/{world['doomed']}", headers=ongage_headers_for(other_account)
    )
    assert foreign.status_code == 404
    assert snapshot(ctx) == before


def test_deleting_contacts_removes_their_events_and_totals(
    client: Any, ctx: Context, account: NewAccount, other_account: NewAccount, world: Any
) -> None:
    kept = world["kept"]
    doomed_uid, kept_uid = world["stay"]["a@x.com"], world["stay"]["c@x.com"]
    (doomed_id,) = internal_ids(ctx, [doomed_uid])
    kept_page = client.get(DETAILS.format(uid=kept_uid), headers=cc(account)).json()
    before = snapshot(ctx)

    r = client.post(
        f"/{kept}/api/contacts/delete",
        json={"contact_ids": [doomed_uid]},
        headers=ongage_headers_for(account),
    )
    assert r.status_code == 200 and r.json()["payload"]["deleted"] == 1, r.text

    assert count(ctx, events, events.c.contact_id == doomed_id) == 0
    assert count(ctx, contact_totals, contact_totals.c.contact_id == doomed_id) == 0
    assert count(ctx, contact_mailing_totals, contact_mailing_totals.c.contact_id == doomed_id) == 0

    def unrelated(name: str, row: tuple[Any, ...]) -> bool:
        if name == "activity_hourly":
            return True  # the list's hourly counters are its history: they stay
        column = 3 if name == "events" else 0
        return int(row[column]) != doomed_id

    assert snapshot(ctx) == without(before, unrelated)
    assert client.get(DETAILS.format(uid=doomed_uid), headers=cc(account)).status_code == 404
    assert client.get(DETAILS.format(uid=kept_uid), headers=cc(account)).json() == kept_page
    # The same email in another list and in another account keeps its activity.
    for acc, uid in (
        (account, world["gone"]["a@x.com"]),
        (other_account, world["other"]["a@x.com"]),
    ):
        page = client.get(DETAILS.format(uid=uid), headers=cc(acc))
        assert page.status_code == 200 and len(page.json()["tracking_activities"]) == 4


def test_remove_by_change_status_purges_like_delete(
    client: Any, ctx: Context, account: NewAccount, world: Any
) -> None:
    doomed = world["doomed"]
    (b_id,) = internal_ids(ctx, [world["gone"]["b@x.com"]])
    (a_id,) = internal_ids(ctx, [world["gone"]["a@x.com"]])
    hourly = count(ctx, activity_hourly, activity_hourly.c.list_id == doomed)
    r = client.post(
        "/api/v2/contacts/change_status",
        json={"list_id": doomed, "change_to": "remove", "emails": ["b@x.com"]},
        headers=ongage_headers_for(account),
    )
    assert r.status_code == 200 and r.json()["payload"]["success"] == 1, r.text
    for table in (events, contact_totals, contact_mailing_totals):
        assert count(ctx, table, table.c.contact_id == b_id) == 0
        assert count(ctx, table, table.c.contact_id == a_id) > 0
    assert count(ctx, activity_hourly, activity_hourly.c.list_id == doomed) == hourly
