"""served_hourly kept by ingest gives exact distinct contacts sent to, in any order of arrival."""

from __future__ import annotations

import random
from typing import Any

import pytest
from activity_seed import add_contacts
from sqlalchemy import select

from mailroom.accounts.schemas import NewAccount
from mailroom.activity import served
from mailroom.activity import service as activity_service
from mailroom.activity.types import Source
from mailroom.charts import service as charts_service
from mailroom.context import Context
from mailroom.db.tables import served_hourly

HOUR_MS = 3_600_000
START = 1_767_225_600_000  # 2026-01-01T00:00Z


def _rows(ctx: Context, account_id: int) -> set[tuple[int, int, int]]:
    with ctx.db.read() as conn:
        query = select(served_hourly.c.hour, served_hourly.c.prev_hour, served_hourly.c.sends)
        rows = conn.execute(query.where(served_hourly.c.account_id == account_id))
        return {(h, p, n) for h, p, n in rows if n}


def _ingest(ctx: Context, account: NewAccount, items: list[dict[str, Any]]) -> None:
    with ctx.db.write() as conn:
        result = activity_service.ingest(
            conn, ctx.clock, account.account_id, items, source=Source.API
        )
    assert result.accepted == len(items), result.rejected


@pytest.mark.parametrize("seed", [7, 11, 23])
def test_random_sends_in_shuffled_batches_count_exactly(
    ctx: Context, clock: Any, account: NewAccount, seed: int
) -> None:
    rng = random.Random(seed)
    people = add_contacts(ctx, account, 12)
    clock.set(START + 40 * 24 * HOUR_MS)
    sends = [
        (rng.choice(people).uid, START + rng.randrange(30 * 24) * HOUR_MS + rng.randrange(HOUR_MS))
        for _ in range(300)
    ]
    rng.shuffle(sends)  # arrival order differs from time order: many late sends
    for start in range(0, len(sends), 37):
        items = [
            {"type": "em_sends", "contact_id": uid, "at": when}
            for uid, when in sends[start : start + 37]
        ]
        _ingest(ctx, account, items)

    for _ in range(40):  # random hour-aligned buckets
        edges = sorted(rng.sample(range(0, 31 * 24), 5))
        starts = [(START // 1000) + e * 3600 for e in edges]
        with ctx.db.read() as conn:
            got = charts_service.served_counts(conn, account.account_id, starts)
        for k in range(len(starts) - 1):
            lo, hi = starts[k] * 1000, starts[k + 1] * 1000
            expected = len({uid for uid, when in sends if lo <= when < hi})
            assert got[k] == expected, (k, lo, hi)

    kept = _rows(ctx, account.account_id)
    with ctx.db.write() as conn:
        served.rebuild(conn, account.account_id)
    assert _rows(ctx, account.account_id) == kept  # incremental = recounted from the events


def test_a_repeated_send_in_the_same_hour_counts_the_contact_once(
    ctx: Context, clock: Any, account: NewAccount
) -> None:
    person = add_contacts(ctx, account, 1)[0]
    clock.set(START + 48 * HOUR_MS)
    base = START + 10 * HOUR_MS
    _ingest(ctx, account, [{"type": "em_sends", "contact_id": person.uid, "at": base + 60_000}])
    _ingest(ctx, account, [{"type": "em_sends", "contact_id": person.uid, "at": base + 120_000}])
    _ingest(ctx, account, [{"type": "em_sends", "contact_id": person.uid, "at": base + 1000}])
    hour = base // 1000
    with ctx.db.read() as conn:
        got = charts_service.served_counts(conn, account.account_id, [hour, hour + 3600])
        day = charts_service.served_counts(
            conn, account.account_id, [START // 1000, START // 1000 + 86_400]
        )
    assert got == [1]
    assert day == [1]
