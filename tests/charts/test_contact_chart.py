"""The contacts chart over hand-counted data: every unit and window, two offsets, dow, DST."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from chart_seed import MINUS5, PLUS3, at, seed, spread

from mailroom.accounts.schemas import NewAccount
from mailroom.charts import service
from mailroom.charts.calendar import Window
from mailroom.charts.schemas import ContactChart
from mailroom.context import Context
from mailroom.errors import BadRequest
from mailroom.kit.clock import FrozenClock


def local_ms(year: int, month: int, day: int, tz: timezone | ZoneInfo) -> int:
    return int(datetime(year, month, day, tzinfo=tz).timestamp() * 1000)


def chart(
    ctx: Context,
    account: NewAccount,
    tz: timezone,
    start: tuple[int, int, int],
    end: tuple[int, int, int],
    unit: str,
    window: str,
    dow: int = 0,
    cache: service.ChartCache | None = None,
) -> ContactChart:
    w = Window(local_ms(*start, tz), local_ms(*end, tz) - 1, unit, window, dow)
    with ctx.db.read() as conn:
        return service.contact_chart(conn, ctx.clock, account.account_id, w, cache)


def series(
    length: int,
    added: dict[int, int],
    groups: dict[int, int],
    blocked: dict[int, int],
    served: dict[int, int],
) -> ContactChart:
    return ContactChart(
        spread(length, added),
        spread(length, groups),
        spread(length, blocked),
        spread(length, served),
    )


@pytest.fixture
def seeded(client: Any, clock: FrozenClock, account: NewAccount) -> NewAccount:
    seed(client, clock, account)
    return account


# Local days of the UTC+3 caller: Tue 10 March is day 68 of 2026 (hour 1632), Wed 11 day 69.
PLUS3_CASES = [
    # unit, window, start, end, dow, expected (length, added, groups, blocked, served)
    (
        "hour",
        "day",
        (2026, 3, 10),
        (2026, 3, 11),
        0,
        (24, {12: 3}, {12: 1}, {13: 1}, {12: 2, 15: 1}),
    ),
    (
        "hour",
        "week",
        (2026, 3, 8),
        (2026, 3, 15),
        0,
        (168, {60: 3, 73: 2, 77: 1}, {60: 1}, {61: 1, 72: 1}, {60: 2, 63: 1, 72: 1, 78: 1}),
    ),
    (
        "hour",
        "month",
        (2026, 3, 1),
        (2026, 4, 1),
        0,
        (
            744,
            {228: 3, 241: 2, 245: 1},
            {228: 1},
            {229: 1, 240: 1},
            {228: 2, 231: 1, 240: 1, 246: 1},
        ),
    ),
    (
        "hour",
        "year",
        (2026, 1, 1),
        (2027, 1, 1),
        0,
        (
            8760,
            {1644: 3, 1657: 2, 1661: 1},
            {3: 1, 1644: 1},
            {1645: 1, 1656: 1},
            {1644: 2, 1647: 1, 1656: 1, 1662: 1},
        ),
    ),
    ("day", "day", (2026, 3, 10), (2026, 3, 11), 0, (1, {0: 3}, {0: 1}, {0: 1}, {0: 3})),
    (
        "day",
        "week",
        (2026, 3, 8),
        (2026, 3, 15),
        0,
        (7, {2: 3, 3: 3}, {2: 1}, {2: 1, 3: 1}, {2: 3, 3: 2}),
    ),
    (
        "day",
        "month",
        (2026, 3, 1),
        (2026, 4, 1),
        0,
        (31, {9: 3, 10: 3}, {9: 1}, {9: 1, 10: 1}, {9: 3, 10: 2}),
    ),
    (
        "day",
        "year",
        (2026, 1, 1),
        (2027, 1, 1),
        0,
        (365, {68: 3, 69: 3}, {0: 1, 68: 1}, {68: 1, 69: 1}, {68: 3, 69: 2}),
    ),
    ("week", "week", (2026, 3, 8), (2026, 3, 15), 0, (1, {0: 6}, {0: 1}, {0: 2}, {0: 3})),
    ("week", "month", (2026, 3, 1), (2026, 4, 1), 0, (5, {1: 6}, {1: 1}, {1: 2}, {1: 3})),
    # weeks from Wednesday: Tue 10 and Wed 11 fall in different weeks
    (
        "week",
        "month",
        (2026, 3, 1),
        (2026, 4, 1),
        3,
        (5, {1: 3, 2: 3}, {1: 1}, {1: 1, 2: 1}, {1: 3, 2: 2}),
    ),
    # 1 Jan 2026 is a Thursday: bucket 0 is Jan 1-3, bucket 10 the week of Sunday 8 March
    ("week", "year", (2026, 1, 1), (2027, 1, 1), 0, (53, {10: 6}, {0: 1, 10: 1}, {10: 2}, {10: 3})),
    ("month", "month", (2026, 3, 1), (2026, 4, 1), 0, (1, {0: 6}, {0: 1}, {0: 2}, {0: 3})),
    ("month", "year", (2026, 1, 1), (2027, 1, 1), 0, (12, {2: 6}, {0: 1, 2: 1}, {2: 2}, {2: 3})),
]


@pytest.mark.parametrize(("unit", "window", "start", "end", "dow", "expected"), PLUS3_CASES)
def test_every_unit_and_window_for_a_utc_plus_3_caller(
    ctx: Context,
    seeded: NewAccount,
    unit: str,
    window: str,
    start: tuple[int, int, int],
    end: tuple[int, int, int],
    dow: int,
    expected: tuple[Any, ...],
) -> None:
    assert chart(ctx, seeded, PLUS3, start, end, unit, window, dow) == series(*expected)


# The UTC-5 caller sees all of March's history on Tuesday 10, and the default list in 2025.
MINUS5_CASES = [
    (
        "hour",
        "day",
        (2026, 3, 10),
        (2026, 3, 11),
        0,
        (24, {4: 3, 17: 2, 21: 1}, {4: 1}, {5: 1, 16: 1}, {4: 2, 7: 1, 16: 1, 22: 1}),
    ),
    ("day", "week", (2026, 3, 8), (2026, 3, 15), 0, (7, {2: 6}, {2: 1}, {2: 2}, {2: 3})),
    ("week", "month", (2026, 3, 1), (2026, 4, 1), 3, (5, {1: 6}, {1: 1}, {1: 2}, {1: 3})),
    # weeks from Monday: Jan 1-4, then Monday 5 January; Monday 9 March is bucket 10
    ("week", "year", (2026, 1, 1), (2027, 1, 1), 1, (53, {10: 6}, {10: 1}, {10: 2}, {10: 3})),
    ("month", "year", (2026, 1, 1), (2027, 1, 1), 0, (12, {2: 6}, {2: 1}, {2: 2}, {2: 3})),
]


@pytest.mark.parametrize(("unit", "window", "start", "end", "dow", "expected"), MINUS5_CASES)
def test_a_utc_minus_5_caller_gets_its_own_days_on_the_same_data(
    ctx: Context,
    seeded: NewAccount,
    unit: str,
    window: str,
    start: tuple[int, int, int],
    end: tuple[int, int, int],
    dow: int,
    expected: tuple[Any, ...],
) -> None:
    assert chart(ctx, seeded, MINUS5, start, end, unit, window, dow) == series(*expected)


def test_week_starting_sunday_and_monday_split_the_same_days_differently(
    ctx: Context, seeded: NewAccount
) -> None:
    # UTC+3, March 2026 (1 March: a Sunday). Sunday weeks: Mar 1, 8, 15, 22, 29. Monday weeks:
    # Mar 1 (one day), 2, 9, 16, 23, 30; the history (Tue 10, Wed 11) is in bucket 1 and 2.
    sunday = chart(ctx, seeded, PLUS3, (2026, 3, 1), (2026, 4, 1), "week", "month", 0)
    monday = chart(ctx, seeded, PLUS3, (2026, 3, 1), (2026, 4, 1), "week", "month", 1)
    assert sunday.contacts_added == [0, 6, 0, 0, 0]
    assert monday.contacts_added == [0, 0, 6, 0, 0, 0]
    assert monday.contacts_served == [0, 0, 3, 0, 0, 0]


def test_a_closed_window_is_cached_until_a_new_event_arrives(
    client: Any, ctx: Context, clock: FrozenClock, seeded: NewAccount
) -> None:
    cache = service.ChartCache()
    first = chart(ctx, seeded, PLUS3, (2026, 3, 10), (2026, 3, 11), "day", "day", cache=cache)
    assert first.contacts_served == [3]
    assert (
        chart(ctx, seeded, PLUS3, (2026, 3, 10), (2026, 3, 11), "day", "day", cache=cache) is first
    )
    c4_send = {
        "type": "em_sends",
        "email": "c4@chart.test",
        "list_id": _list_b(client, seeded),
        "at": at(3, 10, 11, 0),
    }
    response = client.post(
        "/mailroom/v1/events", json=[c4_send], headers={"Authorization": f"Bearer {seeded.token}"}
    )
    assert response.json()["accepted"] == 1
    again = chart(ctx, seeded, PLUS3, (2026, 3, 10), (2026, 3, 11), "day", "day", cache=cache)
    assert again.contacts_served == [4]


def _list_b(client: Any, account: NewAccount) -> int:
    headers = {
        "X_USERNAME": account.username,
        "X_PASSWORD": account.password,
        "X_ACCOUNT_CODE": account.account_code,
    }
    lists = client.get("/api/lists", headers=headers).json()["payload"]
    return int(next(item["id"] for item in lists if item["name"] == "B"))


def test_a_dst_day_in_athens_has_23_hours_and_counts_real_hours(
    client: Any, ctx: Context, clock: FrozenClock, account: NewAccount
) -> None:
    athens = ZoneInfo("Europe/Athens")  # summer time from 29 March 2026, 03:00 -> 04:00
    bearer = {"Authorization": f"Bearer {account.token}"}
    ongage = {
        "X_USERNAME": account.username,
        "X_PASSWORD": account.password,
        "X_ACCOUNT_CODE": account.account_code,
    }
    clock.set(at(3, 28, 20, 0))
    client.post(
        "/api/v2/contacts",
        json=[{"email": "d1@dst.test"}, {"email": "d2@dst.test"}],
        headers=ongage,
    )
    clock.set(at(3, 30, 0, 0))
    sends = [  # 04:30 and 23:30 local summer time (01:30 and 20:30 UTC)
        {
            "type": "em_sends",
            "email": "d1@dst.test",
            "at": at(3, 29, 1, 30),
            "list_id": account.default_list_id,
        },
        {
            "type": "em_sends",
            "email": "d2@dst.test",
            "at": at(3, 29, 20, 30),
            "list_id": account.default_list_id,
        },
    ]
    assert client.post("/mailroom/v1/events", json=sends, headers=bearer).json()["accepted"] == 2
    w = Window(local_ms(2026, 3, 29, athens), local_ms(2026, 3, 30, athens) - 1, "hour", "day", 0)
    with ctx.db.read() as conn:
        result = service.contact_chart(conn, ctx.clock, account.account_id, w)
    # Bucket k is the k-th real hour after local midnight (00:00 EET = 22:00 UTC): 04:30 EEST
    # is the third hour after 00:00 (03:00 never happened), 23:30 EEST the 22nd.
    assert len(result.contacts_served) == 23
    assert result.contacts_served == spread(23, {3: 1, 22: 1})
    assert result.contacts_added == spread(23, {})  # added the evening before (22:00 local)


def test_a_window_that_does_not_fit_is_a_bad_request(ctx: Context, account: NewAccount) -> None:
    w = Window(local_ms(2026, 3, 10, PLUS3), local_ms(2026, 3, 12, PLUS3) - 1, "hour", "day", 0)
    with ctx.db.read() as conn, pytest.raises(BadRequest, match="a day window"):
        service.contact_chart(conn, ctx.clock, account.account_id, w)


def test_other_accounts_history_is_not_counted(
    ctx: Context, seeded: NewAccount, other_account: NewAccount
) -> None:
    mine = chart(ctx, seeded, PLUS3, (2026, 1, 1), (2027, 1, 1), "month", "year")
    theirs = chart(ctx, other_account, PLUS3, (2026, 1, 1), (2027, 1, 1), "month", "year")
    assert sum(mine.contacts_added) == 6
    assert theirs.contacts_added == [0] * 12
    assert theirs.contacts_served == [0] * 12
    # their default list was made when the clock stood at 1 June 2026 (after the seeding)
    assert theirs.groups_added == spread(12, {5: 1})


def test_the_hour_a_dst_change_adds_to_a_week_lands_in_its_last_day(
    client: Any, ctx: Context, clock: FrozenClock, account: NewAccount
) -> None:
    athens = ZoneInfo("Europe/Athens")  # back to winter time on 25 October 2026
    ongage = {
        "X_USERNAME": account.username,
        "X_PASSWORD": account.password,
        "X_ACCOUNT_CODE": account.account_code,
    }
    clock.set(at(10, 31, 21, 30))  # Saturday 31 October, 23:30 in Athens (EET)
    response = client.post("/api/v2/contacts", json=[{"email": "late@dst.test"}], headers=ongage)
    assert response.status_code == 200
    clock.set(at(11, 2, 0, 0))
    w = Window(local_ms(2026, 10, 25, athens), local_ms(2026, 11, 1, athens) - 1, "day", "week", 0)
    with ctx.db.read() as conn:
        result = service.contact_chart(conn, ctx.clock, account.account_id, w)
    # Days keep the +03:00 of `from`: the last one runs 21:00 UTC Friday to 22:00 UTC Saturday.
    assert result.contacts_added == [0, 0, 0, 0, 0, 0, 1]
