"""A quota's day is the account's: it starts at what was sent that day when its counter begins
mid-day (an upgrade), lasts 23 or 25 hours when the clocks change, and each account of a batch
keeps its own."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from quota_support import at, event_with_quota, start_mailing, statuses, used, zoned_fixture  # noqa: F401 (fixture)
from sqlalchemy import delete, update

from conftest import ongage_headers_for
from mailroom.context import Context
from mailroom.db.tables import quota_usage, sends
from mailroom.sending import deliver
from mailroom.sending.jobs import automation_minute
from smtp_sink import (
    add_people,
    add_smtp,
    smtp_fixture,  # noqa: F401 (fixture)
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "automation"))
from automation_support import CONNECTION, seed_documented_ids


def test_a_counter_begun_mid_day_counts_what_the_connection_sent_that_day(
    client: Any, ctx: Context, zoned: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    """Upgrading mid-day (sends recorded by the version before, no counter yet) does not reset
    a quota: the day's row starts at what the connection sent that day, not the day before."""
    handler, port = smtp
    connection = add_smtp(ctx, zoned, port, daily_quota=10)
    ctx.clock.set(at("2025-12-31T23:00:00"))  # type: ignore[attr-defined]
    start_mailing(client, ctx, zoned, ongage_headers, [f"y{i}@yesterday.test" for i in range(3)])
    deliver.deliver(ctx, "w")
    ctx.clock.set(at("2026-01-01T10:00:00"))  # type: ignore[attr-defined]
    start_mailing(client, ctx, zoned, ongage_headers, [f"t{i}@today.test" for i in range(6)])
    deliver.deliver(ctx, "w")
    assert len(handler.received) == 9
    with ctx.db.write() as conn:
        conn.execute(delete(quota_usage))  # as before the counter existed
    start_mailing(client, ctx, zoned, ongage_headers, [f"u{i}@upgraded.test" for i in range(10)])
    deliver.deliver(ctx, "w")
    late = [r for r in handler.received if r.recipient.endswith("@upgraded.test")]
    assert len(late) == 4  # 6 were sent today already
    assert used(ctx, (connection, 0), at("2026-01-01T00:00:00")) == 10


def test_an_event_counter_begun_mid_day_counts_the_events_sends_only(
    client: Any, ctx: Context, zoned: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    """An event's row starts at what that event sent through the connection that day: a
    mailing's sends through the same connection are not the event's."""
    handler, port = smtp
    seed_documented_ids(ctx, zoned, port=port)
    start_mailing(client, ctx, zoned, ongage_headers, [f"m{i}@mailing.test" for i in range(3)])
    deliver.deliver(ctx, "w")
    add_people(ctx, zoned, [f"e{i}@x.test" for i in range(40)])
    event = event_with_quota(client, ongage_headers, 15)
    ctx.clock.set(at("2026-01-01T20:00:00"))  # type: ignore[attr-defined]
    automation_minute(ctx)
    deliver.deliver(ctx, "w")
    assert len(handler.received) == 3 + 15
    # the counter starts now, with a larger quota, and the deferred sends are due again today
    quota = {"esp_connections_quota": [{"esp_connection_id": CONNECTION, "quota": 20}]}
    changed = client.put(f"/api/events/{event}", json=quota, headers=ongage_headers)
    assert changed.status_code == 200, changed.text
    with ctx.db.write() as conn:
        conn.execute(delete(quota_usage))
        conn.execute(
            update(sends).where(sends.c.status == "queued").values(due_ms=ctx.clock.now_ms())
        )
    deliver.deliver(ctx, "w")
    assert len(handler.received) == 3 + 20  # 15 of the event's were sent today: 5 more
    assert used(ctx, (CONNECTION, event), at("2026-01-01T00:00:00")) == 20


@pytest.mark.parametrize(("day", "hours"), [("2026-03-08", 23), ("2026-11-01", 25)])
def test_a_quota_day_is_the_accounts_day_when_the_clocks_change(
    client: Any,
    ctx: Context,
    zoned: Any,
    ongage_headers: dict[str, str],
    smtp: Any,
    day: str,
    hours: int,
) -> None:
    """On a day of 23 or 25 hours, sends past the quota wait for the account's real next
    midnight, and the new day's quota starts there."""
    handler, port = smtp
    connection = add_smtp(ctx, zoned, port, daily_quota=2)
    following = (date.fromisoformat(day) + timedelta(days=1)).isoformat()
    midnight = at(f"{following}T00:00:00")
    assert midnight - at(f"{day}T00:00:00") == hours * 3_600_000
    ctx.clock.set(at(f"{day}T20:00:00"))  # type: ignore[attr-defined]
    start_mailing(client, ctx, zoned, ongage_headers, [f"c{i}@x.test" for i in range(5)])
    deliver.deliver(ctx, "w")
    assert len(handler.received) == 2
    assert statuses(ctx)["queued"] == [midnight] * 3
    ctx.clock.set(midnight - 60_000)  # type: ignore[attr-defined]
    deliver.deliver(ctx, "w")
    assert len(handler.received) == 2
    ctx.clock.set(midnight + 60_000)  # type: ignore[attr-defined]
    deliver.deliver(ctx, "w")
    assert len(handler.received) == 4
    assert used(ctx, (connection, 0), midnight) == 2


def test_one_batch_keeps_each_accounts_quota_on_its_own_day(
    client: Any,
    ctx: Context,
    zoned: Any,
    other_account: Any,
    ongage_headers: dict[str, str],
    smtp: Any,
) -> None:
    """Two accounts' sends in one batch: each takes places in its own connection's quota, on
    its own day (New York's and UTC's), and waits for its own next midnight."""
    handler, port = smtp
    ny = add_smtp(ctx, zoned, port, daily_quota=2)
    utc = add_smtp(ctx, other_account, port, daily_quota=2)
    ctx.clock.set(at("2026-01-01T21:00:00"))  # type: ignore[attr-defined]  # 02:00 UTC, Jan 2
    start_mailing(client, ctx, zoned, ongage_headers, [f"a{i}@ny.test" for i in range(3)])
    other_headers = ongage_headers_for(other_account)
    start_mailing(client, ctx, other_account, other_headers, [f"b{i}@utc.test" for i in range(3)])
    deliver.deliver(ctx, "w")
    assert Counter(r.recipient.rpartition("@")[2] for r in handler.received) == {
        "ny.test": 2,
        "utc.test": 2,
    }
    utc_day = at("2026-01-01T19:00:00")  # Jan 2, 00:00 UTC
    assert used(ctx, (ny, 0), at("2026-01-01T00:00:00")) == 2
    assert used(ctx, (utc, 0), utc_day) == 2
    assert sorted(statuses(ctx)["queued"]) == [at("2026-01-02T00:00:00"), utc_day + 86_400_000]
