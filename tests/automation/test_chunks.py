"""A run claims in chunks of contact ids, each in its own transaction: every due contact once,
a run cut short finished by the next, and a run stopped when its event is switched off."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from automation_support import BIRTHDAY, MAILING_EVENT, RECURRING, example, seed_documented_ids
from sqlalchemy import Connection, func, select

from mailroom.activity import service as activity
from mailroom.activity.types import Source
from mailroom.automation import engine
from mailroom.automation import service as events_service
from mailroom.config import Settings
from mailroom.context import Context
from mailroom.db.tables import sends
from mailroom.sending import campaigns, deliver
from smtp_sink import (
    add_people,
    smtp_fixture,  # noqa: F401 (fixture)
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, automation_chunk=2)


def ts(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("UTC")).timestamp())


class Stop(Exception):
    """A scheduler dying between two chunks."""


def claims_of(ctx: Context, trigger_id: int) -> list[int]:
    with ctx.db.read() as conn:
        query = select(sends.c.contact_id).where(sends.c.trigger_id == trigger_id)
        return sorted(int(c) for c in conn.execute(query).scalars())


def follow_up(
    client: Any, ctx: Context, account: Any, headers: dict[str, str], port: int
) -> tuple[int, int, list[Any]]:
    """Seven recipients of a sent mailing, two of whom opened; a not-opened follow-up a day
    after. (event id, trigger id, people)."""
    seed_documented_ids(ctx, account, port=port)
    people = add_people(ctx, account, [f"p{i}@x.test" for i in range(7)])
    made = client.post(
        "/api/mailings",
        json={"name": "Spring", "email_message": [2381], "segments": [60478]},
        headers=headers,
    ).json()["payload"]
    mailing_id = int(made["id"])
    body = example(
        MAILING_EVENT,
        mailing_id=mailing_id,
        segments=[60478],
        ongoing_event=True,
        start_date=None,
        end_date=None,
        triggers=[{**MAILING_EVENT["triggers"][0], "days_diff": 1}],
    )
    event = client.post("/api/events", json=body, headers=headers).json()["payload"]
    campaigns.run_start(ctx, mailing_id)
    assert deliver.deliver(ctx, "worker") == 7
    ctx.clock.advance(seconds=7200)  # type: ignore[attr-defined]  # (not a machine's instant open)
    with ctx.db.write() as conn:
        opens = [
            {"type": "em_opens", "contact_id": p.uid, "mailing_id": mailing_id}
            for p in (people[1], people[4])
        ]
        assert activity.ingest(conn, ctx.clock, account.account_id, opens, source=Source.API)
    ctx.clock.set(ts("2026-01-02T11:00:00") * 1000)  # type: ignore[attr-defined]
    return int(event["id"]), int(event["triggers"][0]["id"]), people


def test_follow_up_is_claimed_in_chunks_each_contact_once(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    _, port = smtp
    event_id, trigger_id, people = follow_up(client, ctx, account, ongage_headers, port)
    chunks: list[int] = []

    def counted(conn: Connection) -> None:
        total = conn.execute(select(func.count()).select_from(sends)).scalar()
        chunks.append(int(total or 0))

    assert engine.tick(ctx, counted) == 5
    assert claims_of(ctx, trigger_id) == sorted(
        p.id for i, p in enumerate(people) if i not in (1, 4)
    )
    assert len(chunks) >= 3  # chunks of 2 contact ids, each committed on its own
    assert chunks == sorted(chunks) and len(set(chunks)) == len(chunks)
    with ctx.db.write() as conn:  # the same run again: every key exists, nothing is claimed
        engine.repository.update_event(conn, event_id, {"checked_until_ms": 0})
    assert engine.tick(ctx) == 0
    assert len(claims_of(ctx, trigger_id)) == 5


def test_a_run_cut_short_is_finished_by_the_next_without_a_second_claim(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    _, port = smtp
    event_id, trigger_id, people = follow_up(client, ctx, account, ongage_headers, port)
    calls: list[int] = []

    def dies_in_the_second_chunk(conn: Connection) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise Stop

    with pytest.raises(Stop):
        engine.tick(ctx, dies_in_the_second_chunk)
    first = claims_of(ctx, trigger_id)
    assert 0 < len(first) < 5  # the first chunk is kept; the second was rolled back
    with ctx.db.read() as conn:
        event = engine.repository.event_by_id(conn, event_id)
    # the run did not finish: its window (up to now) is looked at again
    assert event.checked_until_ms < ctx.clock.now_ms()
    assert engine.tick(ctx) == 5 - len(first)
    assert claims_of(ctx, trigger_id) == sorted(
        p.id for i, p in enumerate(people) if i not in (1, 4)
    )


def test_a_run_stops_when_its_event_is_switched_off(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    _, port = smtp
    event_id, trigger_id, _ = follow_up(client, ctx, account, ongage_headers, port)

    def switch_off(conn: Connection) -> None:
        events_service.toggle_event(conn, ctx.clock, account.account_id, event_id)

    claimed = engine.tick(ctx, switch_off)
    assert 0 < claimed < 5
    with ctx.db.read() as conn:
        left = conn.execute(select(sends.c.status).where(sends.c.trigger_id == trigger_id))
        assert set(left.scalars()) == {"skipped"}  # switching off skipped the queued ones


def test_daily_recurrence_walks_the_account_contacts_in_chunks(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    _, port = smtp
    seed_documented_ids(ctx, account, port=port)
    add_people(ctx, account, [f"d{i}@x.test" for i in range(5)])
    body = example(RECURRING, start_date="01-01-2026", end_date="2026-01-31")
    event = client.post("/api/events", json=body, headers=ongage_headers).json()["payload"]
    ctx.clock.set(ts("2026-01-01T20:00:00") * 1000)  # type: ignore[attr-defined]
    chunks: list[int] = []
    assert engine.tick(ctx, lambda conn: chunks.append(1)) == 5
    assert len(chunks) == 3
    assert len(set(claims_of(ctx, int(event["triggers"][0]["id"])))) == 5


def test_chained_trigger_walks_the_contacts_in_chunks(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    handler, port = smtp
    seed_documented_ids(ctx, account, port=port)
    emails = [f"c{i}@x.test" for i in range(5)]
    add_people(ctx, account, emails, [{"birth_date": "1990-01-05"}] * 5)
    chained = {
        "based_on": "trigger",
        "based_on_trigger": 1,
        "email_messages": [2381],
        "days_diff": 1,
        "operator": "after",
        "email_operator": "not_opened",
        "schedule_hour": 12,
        "schedule_minute": 0,
    }
    body = example(BIRTHDAY, triggers=[BIRTHDAY["triggers"][0], chained])
    event = client.post("/api/events", json=body, headers=ongage_headers).json()["payload"]
    ctx.clock.set(ts("2026-01-05T11:00:00") * 1000)  # type: ignore[attr-defined]
    engine.tick(ctx)
    assert deliver.deliver(ctx, "worker") == 5
    ctx.clock.set(ts("2026-01-06T13:00:00") * 1000)  # type: ignore[attr-defined]
    chunks: list[int] = []
    assert engine.tick(ctx, lambda conn: chunks.append(1)) == 5
    assert len(chunks) == 3  # contact ids in chunks of 2
    assert len(set(claims_of(ctx, int(event["triggers"][1]["id"])))) == 5
    assert deliver.deliver(ctx, "worker") == 5
    assert sorted(r.recipient for r in handler.received) == sorted(emails * 2)
