"""What the quota tests share: an account whose days are New York's, a mailing sent now, and
reads of the quota counters and of the sends' states."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from mailroom.accounts import service as accounts_service
from mailroom.context import Context
from mailroom.db.tables import sends
from mailroom.sending import campaigns
from mailroom.sending import repository as repo
from smtp_sink import add_message, add_people, add_segment

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "automation"))
from automation_support import CONNECTION, RECURRING, example

ZONE = ZoneInfo("America/New_York")  # the account's days are not UTC days


def at(text: str) -> int:
    """Milliseconds of a wall time in the account's zone."""
    return int(datetime.fromisoformat(text).replace(tzinfo=ZONE).timestamp() * 1000)


@pytest.fixture(name="zoned")
def zoned_fixture(ctx: Context, account: Any) -> Any:
    with ctx.db.write() as conn:
        accounts_service.set_time_zone(conn, account.account_id, ZONE.key)
    ctx.clock.set(at("2026-01-01T10:00:00"))  # type: ignore[attr-defined]
    return account


def start_mailing(
    client: Any, ctx: Context, account: Any, headers: dict[str, str], emails: list[str]
) -> int:
    """A mailing sent now to these new contacts (a segment of their domain)."""
    add_people(ctx, account, emails)
    domain = emails[0].rpartition("@")[2]
    rule = {"field_name": "email", "type": "email", "operator": "_LIKE", "operand": [domain]}
    body = {
        "name": "Quota",
        "email_message": [add_message(ctx, account)],
        "segments": [add_segment(ctx, account, [rule])],
    }
    made = client.post("/api/mailings", json=body, headers=headers)
    assert made.status_code == 200, made.text
    mailing = int(made.json()["payload"]["id"])
    campaigns.run_start(ctx, mailing)
    return mailing


def event_with_quota(client: Any, headers: dict[str, str], quota: int) -> int:
    """The documented daily recurring event, all of January 2026, sending at most `quota` a
    day through the documented connection (`esp_connections_quota`); its id."""
    body = example(
        RECURRING,
        start_date="01-01-2026",
        end_date="2026-01-31",
        esp_connections_quota=[{"esp_connection_id": CONNECTION, "quota": quota}],
    )
    made = client.post("/api/events", json=body, headers=headers)
    assert made.status_code == 200, made.text
    return int(made.json()["payload"]["id"])


def used(ctx: Context, key: tuple[int, int], day_ms: int) -> int | None:
    with ctx.db.read() as conn:
        return repo.places_used(conn, key, day_ms)


def statuses(ctx: Context) -> dict[str, list[int]]:
    """Status -> the due times of the sends in it."""
    with ctx.db.read() as conn:
        rows = conn.execute(select(sends.c.status, sends.c.due_ms)).all()
    found: dict[str, list[int]] = {}
    for status, due in rows:
        found.setdefault(status, []).append(int(due))
    return found
