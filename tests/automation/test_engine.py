"""The engine over moved time (never slept), sending for real to an SMTP server on loopback."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from automation_support import (
    BIRTHDAY,
    MAILING_EVENT,
    RECURRING,
    example,
    seed_documented_ids,
)
from sqlalchemy import select

from mailroom.accounts import service as accounts_service
from mailroom.activity import service as activity
from mailroom.activity.types import Source
from mailroom.context import Context
from mailroom.db.tables import sends
from mailroom.sending import campaigns, deliver
from mailroom.sending.jobs import automation_minute
from smtp_sink import (
    add_people,
    smtp_fixture,  # noqa: F401 (fixture)
)

HOUR = 3600


def run_until(ctx: Context, until_s: int, step_s: int = 6 * HOUR) -> None:
    """Move the clock in steps to `until_s`, running the scheduler and delivery at each."""
    clock: Any = ctx.clock
    while clock.now_ms() // 1000 < until_s:
        clock.set(min(until_s, clock.now_ms() // 1000 + step_s) * 1000)
        automation_minute(ctx)
        deliver.deliver(ctx, "worker")


def ts(text: str, zone: str = "UTC") -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).timestamp())


def sent_at(ctx: Context, zone: str = "UTC") -> dict[str, list[str]]:
    """Recipient email -> local times of their sent sends."""
    from mailroom.db.tables import contacts

    with ctx.db.read() as conn:
        rows = conn.execute(
            select(contacts.c.email, sends.c.due_ms, sends.c.trigger_id)
            .join(contacts, contacts.c.id == sends.c.contact_id)
            .where(sends.c.status == "sent")
            .order_by(sends.c.due_ms)
        ).all()
    out: dict[str, list[str]] = {}
    for email, due_ms, _ in rows:
        local = datetime.fromtimestamp(due_ms / 1000, ZoneInfo(zone))
        out.setdefault(email, []).append(local.strftime("%Y-%m-%d %H:%M %a"))
    return out


def post_event(client: Any, headers: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
    made = client.post("/api/events", json=body, headers=headers)
    assert made.status_code == 200, made.text
    return dict(made.json()["payload"])


def test_birthday_over_a_year_annual_leap_day_before_and_weekdays(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    handler, port = smtp
    zone = "America/New_York"
    seed_documented_ids(ctx, account, port=port)
    with ctx.db.write() as conn:
        accounts_service.set_time_zone(conn, account.account_id, zone)
    add_people(
        ctx,
        account,
        ["ada@x.test", "leap@x.test", "sat@x.test", "none@x.test"],
        [
            {"birth_date": "1990-03-17", "first_name": "Ada"},  # 17 March 2026 is a Tuesday
            {"birth_date": "2000-02-29"},
            {"birth_date": "1985-06-22"},  # 2026-06-20, two days before, is a Saturday
            {},
        ],
    )
    post_event(client, ongage_headers, BIRTHDAY)
    before = example(
        BIRTHDAY,
        name="Two days before, weekdays only",
        triggers=[
            {
                **BIRTHDAY["triggers"][0],
                "operator": "before",
                "days_diff": 2,
                "send_on_days": ["Mon", "Tue", "Wed", "Thu", "Fri"],
                "schedule_hour": 9,
                "schedule_minute": 0,
            }
        ],
    )
    post_event(client, ongage_headers, before)
    run_until(ctx, ts("2027-01-01T00:00:00"), step_s=12 * HOUR)
    times = sent_at(ctx, zone)
    assert times["ada@x.test"] == ["2026-03-17 10:30 Tue"]  # the reminder's 15th is a Sunday
    assert times["leap@x.test"] == ["2026-02-26 09:00 Thu", "2026-02-28 10:30 Sat"]
    assert times["sat@x.test"] == ["2026-06-22 10:30 Mon"]  # the Saturday reminder is skipped
    assert "none@x.test" not in times
    got = Counter(r.recipient for r in handler.received)
    assert got == Counter({"ada@x.test": 1, "leap@x.test": 2, "sat@x.test": 1})
    subject = handler.to("ada@x.test")[0].message()["Subject"]
    assert subject == "Happy birthday Ada"


def test_not_opened_follow_up_ignores_machine_opens(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    handler, port = smtp
    seed_documented_ids(ctx, account, port=port)
    people = add_people(ctx, account, ["human@x.test", "machine@x.test", "silent@x.test"])
    campaign = client.post(
        "/api/mailings",
        json={"name": "Spring", "email_message": [2381], "segments": [60478]},
        headers=ongage_headers,
    ).json()["payload"]
    mailing_id = int(campaign["id"])
    follow_up = example(
        MAILING_EVENT,
        mailing_id=mailing_id,
        segments=[60478],
        ongoing_event=True,
        start_date=None,
        end_date=None,
        triggers=[{**MAILING_EVENT["triggers"][0], "days_diff": 1}],
    )
    post_event(client, ongage_headers, follow_up)
    campaigns.run_start(ctx, mailing_id)
    deliver.deliver(ctx, "worker")
    assert len(handler.received) == 3
    ctx.clock.advance(seconds=2 * HOUR)  # type: ignore[attr-defined]
    with ctx.db.write() as conn:
        result = activity.ingest(
            conn,
            ctx.clock,
            account.account_id,
            [
                {"type": "em_opens", "contact_id": people[0].uid, "mailing_id": mailing_id},
                {
                    "type": "em_opens",
                    "contact_id": people[1].uid,
                    "mailing_id": mailing_id,
                    "machine": True,
                },
            ],
            source=Source.API,
        )
    assert result.accepted == 2
    run_until(ctx, ctx.clock.now_ms() // 1000 + 3 * 24 * HOUR)
    got = Counter(r.recipient for r in handler.received)
    assert got == Counter({"human@x.test": 1, "machine@x.test": 2, "silent@x.test": 2})
    times = sent_at(ctx)
    assert times["silent@x.test"][1] == "2026-01-02 10:30 Fri"  # a day after, at 10:30


def test_chained_trigger_after_parent_send_for_non_openers(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    handler, port = smtp
    seed_documented_ids(ctx, account, port=port)
    people = add_people(
        ctx,
        account,
        ["open@x.test", "shut@x.test"],
        [{"birth_date": "1990-01-05"}, {"birth_date": "1991-01-05"}],
    )
    chained = {
        "based_on": "trigger",
        "based_on_trigger": 1,
        "email_messages": [2381],
        "days_diff": 7,
        "operator": "after",
        "email_operator": "not_opened",
        "schedule_hour": 19,
        "schedule_minute": 45,
    }
    event = post_event(
        client, ongage_headers, example(BIRTHDAY, triggers=[BIRTHDAY["triggers"][0], chained])
    )
    run_until(ctx, ts("2026-01-06T00:00:00"))
    assert len(handler.received) == 2
    first_mailing = int(event["triggers"][0]["mailing_id"])
    with ctx.db.write() as conn:
        activity.ingest(
            conn,
            ctx.clock,
            account.account_id,
            [{"type": "em_opens", "contact_id": people[0].uid, "mailing_id": first_mailing}],
            source=Source.API,
        )
    run_until(ctx, ts("2026-01-20T00:00:00"))
    assert Counter(r.recipient for r in handler.received) == Counter(
        {"open@x.test": 1, "shut@x.test": 2}
    )
    assert sent_at(ctx)["shut@x.test"] == ["2026-01-05 10:30 Mon", "2026-01-12 19:45 Mon"]


def test_daily_recurrence_inside_its_dates_and_only_after_switching_on(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    handler, port = smtp
    seed_documented_ids(ctx, account, port=port)
    add_people(ctx, account, ["a@x.test", "b@x.test"])
    ctx.clock.set(ts("2026-01-03T20:00:00") * 1000)  # type: ignore[attr-defined]
    body = example(RECURRING, start_date="01-01-2026", end_date="2026-01-06")
    event = post_event(client, ongage_headers, body)
    run_until(ctx, ts("2026-01-10T00:00:00"))
    # created after the 3rd's 19:45: nothing for the 1st-3rd; the 4th, 5th, 6th; none after
    assert sent_at(ctx)["a@x.test"] == [
        "2026-01-04 19:45 Sun",
        "2026-01-05 19:45 Mon",
        "2026-01-06 19:45 Tue",
    ]
    assert len(handler.received) == 6
    path = f"/api/events/{event['id']}/status"
    client.put(path, headers=ongage_headers)  # off
    client.put(path, headers=ongage_headers)  # on again: nothing from while it was off
    with ctx.db.read() as conn:
        assert conn.execute(select(sends).where(sends.c.status == "queued")).all() == []


def test_catch_up_within_grace_and_not_beyond(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    handler, port = smtp
    seed_documented_ids(ctx, account, port=port)
    add_people(ctx, account, ["a@x.test"])
    body = example(RECURRING, start_date="01-01-2026", end_date="2026-01-31")
    post_event(client, ongage_headers, body)
    # the worker is down from midnight; it comes back at 23:00, after the 19:45 occasion
    ctx.clock.set(ts("2026-01-01T23:00:00") * 1000)  # type: ignore[attr-defined]
    automation_minute(ctx)
    deliver.deliver(ctx, "worker")
    assert len(handler.received) == 1
    # down for three days: only the last day (the grace period, 24 h) is caught up
    ctx.clock.set(ts("2026-01-05T12:00:00") * 1000)  # type: ignore[attr-defined]
    automation_minute(ctx)
    deliver.deliver(ctx, "worker")
    assert sent_at(ctx)["a@x.test"] == ["2026-01-01 19:45 Thu", "2026-01-04 19:45 Sun"]


def test_emails_limit_caps_an_event(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    handler, port = smtp
    seed_documented_ids(ctx, account, port=port)
    add_people(ctx, account, [f"p{i}@x.test" for i in range(5)])
    event = post_event(
        client, ongage_headers, example(RECURRING, start_date="01-01-2026", end_date="2026-01-31")
    )
    client.put(f"/api/events/{event['id']}", json={"emails_limit": 7}, headers=ongage_headers)
    run_until(ctx, ts("2026-01-04T00:00:00"))
    assert len(handler.received) == 7
