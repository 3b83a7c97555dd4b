"""change_status records the engagement event of a status change, credited to ocx_child_id."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from conftest import ongage_headers_for
from mailroom.accounts.schemas import NewAccount
from mailroom.activity import service as activity_service
from mailroom.activity.types import EventType, Source
from mailroom.context import Context
from mailroom.db.tables import activity_hourly, contact_mailing_totals, contacts, events, mailings
from mailroom.kit.clock import FrozenClock
from mailroom.mailings import service as mailings_service

CC = "/v3/reports/contact_reports"
WINDOW = "start=2025-01-01T00:00:00Z&end=2027-01-01T00:00:00Z"


def create(client: Any, acc: NewAccount, emails: list[str]) -> dict[str, str]:
    r = client.post(
        "/api/v2/contacts", json=[{"email": e} for e in emails], headers=ongage_headers_for(acc)
    )
    assert r.status_code == 200, r.text
    ids: dict[str, str] = r.json()["payload"]["created_emails"]
    return ids


def change(client: Any, acc: NewAccount, **body: Any) -> Any:
    return client.post("/api/v2/contacts/change_status", json=body, headers=ongage_headers_for(acc))


def mailing_of(ctx: Context, acc: NewAccount, name: str = "Spring") -> tuple[int, str]:
    """(id, campaign_activity_id) of a new mailing of the account."""
    with ctx.db.write() as conn:
        mailing_id = mailings_service.create_mailing(conn, ctx.clock, acc.account_id, name)
        activity = conn.scalar(
            select(mailings.c.campaign_activity_id).where(mailings.c.id == mailing_id)
        )
    return mailing_id, str(activity)


def stored(ctx: Context, uid: str) -> list[Any]:
    """The contact's events, oldest first."""
    with ctx.db.read() as conn:
        contact_id = conn.scalar(select(contacts.c.id).where(contacts.c.uid == uid))
        return list(
            conn.execute(
                select(events).where(events.c.contact_id == contact_id).order_by(events.c.id)
            )
        )


def totals(ctx: Context, acc: NewAccount, uid: str) -> dict[str, Any]:
    with ctx.db.read() as conn:
        contact_id = conn.scalar(select(contacts.c.id).where(contacts.c.uid == uid))
        assert contact_id is not None
        return activity_service.contact_totals(conn, acc.account_id, int(contact_id))


def mailing_optouts(ctx: Context, uid: str) -> list[tuple[int, int]]:
    with ctx.db.read() as conn:
        contact_id = conn.scalar(select(contacts.c.id).where(contacts.c.uid == uid))
        t = contact_mailing_totals
        rows = conn.execute(select(t.c.mailing_id, t.c.optouts).where(t.c.contact_id == contact_id))
        return sorted((int(m), int(n)) for m, n in rows)


def hourly(ctx: Context, acc: NewAccount, type_: EventType) -> int:
    with ctx.db.read() as conn:
        h = activity_hourly
        value = conn.scalar(
            select(func.coalesce(func.sum(h.c[type_.wire]), 0)).where(
                h.c.account_id == acc.account_id
            )
        )
        return int(value or 0)


def cc_get(client: Any, acc: NewAccount, path: str) -> Any:
    r = client.get(path, headers={"Authorization": f"Bearer {acc.token}"})
    assert r.status_code == 200, r.text
    return r.json()


def status_of(client: Any, acc: NewAccount, email: str) -> str:
    r = client.get(f"/api/contacts/by_email/{email}", headers=ongage_headers_for(acc))
    assert r.status_code == 200, r.text
    return str(r.json()["payload"]["ocx_status"])


def test_unsubscribe_credited_to_a_campaign_and_connection(
    client: Any, ctx: Context, clock: FrozenClock, account: NewAccount
) -> None:
    ids = create(client, account, ["a@x.com", "b@x.com"])
    mailing_id, activity = mailing_of(ctx, account)
    clock.advance(seconds=60)
    r = change(
        client,
        account,
        emails=["a@x.com"],
        change_to="unsubscribe",
        ocx_child_id=str(mailing_id),  # numeric strings are accepted
        ocx_connection_id=7,
    )
    assert r.status_code == 200 and r.json()["payload"]["success"] == 1, r.text
    assert status_of(client, account, "a@x.com") == "Unsubscribed"

    (event,) = stored(ctx, ids["a@x.com"])
    assert event.type == EventType.EM_OPTOUTS
    assert event.mailing_id == mailing_id
    assert event.at_ms == clock.now_ms()
    assert event.source == Source.API
    assert event.details == {"connection_id": 7}
    assert totals(ctx, account, ids["a@x.com"])["optouts"] == 1
    assert mailing_optouts(ctx, ids["a@x.com"]) == [(mailing_id, 1)]
    assert hourly(ctx, account, EventType.EM_OPTOUTS) == 1
    assert stored(ctx, ids["b@x.com"]) == []

    uid = ids["a@x.com"]
    page = cc_get(
        client, account, f"{CC}/{uid}/activity_details?tracking_activities_list=em_optouts"
    )
    (item,) = page["tracking_activities"]
    assert item["campaign_activity_id"] == activity
    assert item["campaign_activity_name"] == "Spring"
    assert item["tracking_activity_type"] == "em_optouts"
    summary = cc_get(client, account, f"{CC}/{uid}/activity_summary?{WINDOW}")
    (campaign,) = summary["campaign_activities"]
    assert campaign["campaign_activity_id"] == activity and campaign["em_unsubscribes"] == 1


def test_repeats_count_once_and_a_new_opt_out_counts_again(
    client: Any, ctx: Context, clock: FrozenClock, account: NewAccount
) -> None:
    uid = create(client, account, ["r@x.com"])["r@x.com"]
    mailing_id, _ = mailing_of(ctx, account)
    for _ in range(3):
        r = change(
            client, account, emails=["r@x.com"], change_to="unsubscribe", ocx_child_id=mailing_id
        )
        assert r.status_code == 200 and r.json()["payload"]["success"] == 1
        clock.advance(seconds=10)
    assert len(stored(ctx, uid)) == 1
    assert totals(ctx, account, uid)["optouts"] == 1
    assert mailing_optouts(ctx, uid) == [(mailing_id, 1)]
    assert hourly(ctx, account, EventType.EM_OPTOUTS) == 1

    # Resubscribing records no event; opting out again is a second opt-out.
    change(client, account, emails=["r@x.com"], change_to="resubscribe")
    assert len(stored(ctx, uid)) == 1
    clock.advance(seconds=10)
    change(client, account, emails=["r@x.com"], change_to="unsubscribe", ocx_child_id=mailing_id)
    assert [e.type for e in stored(ctx, uid)] == [EventType.EM_OPTOUTS] * 2
    assert totals(ctx, account, uid)["optouts"] == 2
    assert mailing_optouts(ctx, uid) == [(mailing_id, 2)]


def test_an_opt_out_already_recorded_by_an_event_is_not_counted_again(
    client: Any, ctx: Context, clock: FrozenClock, account: NewAccount
) -> None:
    uid = create(client, account, ["w@x.com"])["w@x.com"]
    mailing_id, _ = mailing_of(ctx, account)
    r = client.post(
        "/mailroom/v1/events",
        json=[{"type": "em_optouts", "contact_id": uid, "mailing_id": mailing_id}],
        headers={"Authorization": f"Bearer {account.token}"},
    )
    assert r.json()["accepted"] == 1
    assert status_of(client, account, "w@x.com") == "Unsubscribed"
    clock.advance(seconds=5)
    change(client, account, emails=["w@x.com"], change_to="unsubscribe", ocx_child_id=mailing_id)
    assert len(stored(ctx, uid)) == 1
    assert totals(ctx, account, uid)["optouts"] == 1


def test_without_a_campaign_the_opt_out_is_still_activity(
    client: Any, ctx: Context, account: NewAccount
) -> None:
    uid = create(client, account, ["n@x.com"])["n@x.com"]
    change(client, account, emails=["n@x.com"], change_to="unsubscribe")
    (event,) = stored(ctx, uid)
    assert event.type == EventType.EM_OPTOUTS
    assert event.mailing_id is None and event.details is None
    assert totals(ctx, account, uid)["optouts"] == 1
    assert mailing_optouts(ctx, uid) == []
    page = cc_get(
        client, account, f"{CC}/{uid}/activity_details?tracking_activities_list=em_optouts"
    )
    (item,) = page["tracking_activities"]
    assert item["campaign_activity_id"] == "00000000-0000-0000-0000-000000000000"


@pytest.mark.parametrize(
    ("change_to", "type_", "counter"),
    [
        ("complaint", EventType.EM_COMPLAINTS, "complaints"),
        ("bounce", EventType.EM_BOUNCES, "bounces"),
    ],
)
def test_complaint_and_hard_bounce_are_recorded(
    client: Any, ctx: Context, account: NewAccount, change_to: str, type_: EventType, counter: str
) -> None:
    uid = create(client, account, ["k@x.com"])["k@x.com"]
    mailing_id, _ = mailing_of(ctx, account)
    r = change(client, account, emails=["k@x.com"], change_to=change_to, ocx_child_id=mailing_id)
    assert r.status_code == 200
    (event,) = stored(ctx, uid)
    assert event.type == type_ and event.mailing_id == mailing_id
    counts = totals(ctx, account, uid)
    assert counts[counter] == 1 and counts["soft_bounces"] == 0 and counts["optouts"] == 0
    if type_ is EventType.EM_BOUNCES:
        assert event.details == {"bounce_type": "hard"}
    change(client, account, emails=["k@x.com"], change_to=change_to, ocx_child_id=mailing_id)
    assert len(stored(ctx, uid)) == 1


@pytest.mark.parametrize("change_to", ["resubscribe", "soft_bounce"])
def test_changes_without_an_event_record_nothing(
    client: Any, ctx: Context, account: NewAccount, change_to: str
) -> None:
    uid = create(client, account, ["q@x.com"])["q@x.com"]
    mailing_id, _ = mailing_of(ctx, account)
    r = change(client, account, emails=["q@x.com"], change_to=change_to, ocx_child_id=mailing_id)
    assert r.status_code == 200 and r.json()["payload"]["success"] == 1
    assert stored(ctx, uid) == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("ocx_child_id", "abc"),
        ("ocx_child_id", 0),
        ("ocx_child_id", -4),
        ("ocx_child_id", True),
        ("ocx_child_id", 1.5),
        ("ocx_child_id", 999_999),  # no such mailing
        ("ocx_child_id", 2**70),
        ("ocx_connection_id", "x"),
        ("ocx_connection_id", 0),
        ("ocx_connection_id", "-2"),
        ("ocx_connection_id", [3]),
    ],
)
def test_invalid_credit_is_412_and_writes_nothing(
    client: Any, ctx: Context, account: NewAccount, key: str, value: Any
) -> None:
    uid = create(client, account, ["v@x.com"])["v@x.com"]
    mailing_id, _ = mailing_of(ctx, account)
    body = {"ocx_child_id": mailing_id, key: value}
    r = change(client, account, emails=["v@x.com"], change_to="unsubscribe", **body)
    assert r.status_code == 412, r.text
    error = r.json()["payload"]
    assert error["errors"][0]["field"] == key and key in error["message"]
    assert status_of(client, account, "v@x.com") == "Active"
    assert stored(ctx, uid) == []


def test_another_accounts_mailing_is_412(
    client: Any, ctx: Context, account: NewAccount, other_account: NewAccount
) -> None:
    uid = create(client, account, ["o@x.com"])["o@x.com"]
    theirs, _ = mailing_of(ctx, other_account, "Theirs")
    r = change(client, account, emails=["o@x.com"], change_to="unsubscribe", ocx_child_id=theirs)
    assert r.status_code == 412
    assert r.json()["payload"]["errors"][0]["field"] == "ocx_child_id"
    assert status_of(client, account, "o@x.com") == "Active"
    assert stored(ctx, uid) == []
    assert hourly(ctx, account, EventType.EM_OPTOUTS) == 0
    assert hourly(ctx, other_account, EventType.EM_OPTOUTS) == 0
