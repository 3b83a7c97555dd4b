"""activity_summary and open_and_click_rates: per-campaign totals over a send window."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from cc_support import BASE, NOW, add_contact, add_mailing, auth, ingest
from sqlalchemy import delete

from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context
from mailroom.db.tables import events

DAY = 86_400_000
WINDOW = "start=2025-12-01T00:00:00Z&end=2026-01-01T00:00:00Z"


def get(client: Any, acc: NewAccount, path: str) -> Any:
    response = client.get(path, headers=auth(acc))
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def history(ctx: Context, account: NewAccount) -> dict[str, Any]:
    """Three campaigns sent on days -40, -10 and -2; the contact opened two and clicked one."""
    uid = add_contact(ctx, account)
    old, old_uuid = add_mailing(ctx, account, "Old")
    mid, mid_uuid = add_mailing(ctx, account, "Mid")
    new, new_uuid = add_mailing(ctx, account, "New")
    c = {"contact_id": uid}
    ingest(
        ctx,
        account,
        [
            {**c, "type": "em_sends", "mailing_id": old, "at": NOW - 40 * DAY},
            {**c, "type": "em_opens", "mailing_id": old, "at": NOW - 39 * DAY, "machine": False},
            {**c, "type": "em_sends", "mailing_id": mid, "at": NOW - 11 * DAY},
            {**c, "type": "em_sends", "mailing_id": mid, "at": NOW - 10 * DAY},  # resent
            {**c, "type": "em_opens", "mailing_id": mid, "at": NOW - 9 * DAY, "machine": False},
            {**c, "type": "em_opens", "mailing_id": mid, "at": NOW - 9 * DAY, "machine": True},
            {
                **c,
                "type": "em_clicks",
                "mailing_id": mid,
                "at": NOW - 9 * DAY,
                "link_url": "https://example.com/",
                "machine": False,
            },
            {**c, "type": "em_forwards", "mailing_id": mid, "at": NOW - 8 * DAY},
            {**c, "type": "em_optouts", "mailing_id": mid, "at": NOW - 8 * DAY},
            {**c, "type": "em_sends", "mailing_id": new, "at": NOW - 2 * DAY},
            {**c, "type": "em_bounces", "mailing_id": new, "at": NOW - 2 * DAY, "bounce_code": "F"},
            {**c, "type": "em_opens", "at": NOW - DAY, "machine": False},  # no mailing: not counted
        ],
    )
    return {"uid": uid, "old": old_uuid, "mid": mid_uuid, "new": new_uuid}


def test_summary_counts_campaigns_sent_in_the_window(
    client: Any, account: NewAccount, history: dict[str, Any]
) -> None:
    body = get(client, account, f"{BASE}/{history['uid']}/activity_summary?{WINDOW}")
    assert body == {
        "contact_id": history["uid"],
        "campaign_activities": [
            {
                "campaign_activity_id": history["new"],
                "start_on": "2025-12-30T00:00:00.000Z",
                "em_bounces": 1,
                "em_clicks": 0,
                "em_forwards": 0,
                "em_opens": 0,
                "em_sends": 1,
                "em_unsubscribes": 0,
            },
            {
                "campaign_activity_id": history["mid"],
                "start_on": "2025-12-22T00:00:00.000Z",  # the last of its two sends
                "em_bounces": 0,
                "em_clicks": 1,
                "em_forwards": 1,
                "em_opens": 2,  # people and machines: what happened
                "em_sends": 2,
                "em_unsubscribes": 1,
            },
        ],
    }


def test_summary_window_bounds_are_inclusive_and_take_offsets(
    client: Any, account: NewAccount, history: dict[str, Any]
) -> None:
    # Exactly the mid send (2025-12-22T00:00Z), written as 2025-12-21T19:00-0500.
    start = quote("2025-12-21T19:00:00-0500")
    body = get(
        client, account, f"{BASE}/{history['uid']}/activity_summary?start={start}&end={start}"
    )
    assert [a["campaign_activity_id"] for a in body["campaign_activities"]] == [history["mid"]]
    # An unencoded '+' arrives as a space.
    body = get(
        client,
        account,
        f"{BASE}/{history['uid']}/activity_summary"
        "?start=2025-11-01T01:00:00+0100&end=2025-11-30T01:00:00+01:00",
    )
    assert [a["campaign_activity_id"] for a in body["campaign_activities"]] == [history["old"]]


def test_summary_keeps_the_200_most_recent_campaigns(
    client: Any, ctx: Context, account: NewAccount
) -> None:
    uid = add_contact(ctx, account)
    mailings = [add_mailing(ctx, account, f"M{i}") for i in range(203)]
    ingest(
        ctx,
        account,
        [
            {"type": "em_sends", "contact_id": uid, "mailing_id": m, "at": NOW - (300 - i) * 60_000}
            for i, (m, _) in enumerate(mailings)
        ],
    )
    body = get(client, account, f"{BASE}/{uid}/activity_summary?{WINDOW}")
    got = [a["campaign_activity_id"] for a in body["campaign_activities"]]
    assert got == [u for _, u in reversed(mailings)][:200]


def test_rates_are_fractions_of_campaigns_sent_in_the_range(
    client: Any, account: NewAccount, history: dict[str, Any]
) -> None:
    wide = "start=2025-11-01T00:00:00Z&end=2026-01-01T00:00:00Z"
    body = get(client, account, f"{BASE}/{history['uid']}/open_and_click_rates?{wide}")
    assert body == {
        "contact_id": history["uid"],
        "included_activities_count": 3,
        "average_open_rate": pytest.approx(2 / 3),
        "average_click_rate": pytest.approx(1 / 3),
    }
    body = get(client, account, f"{BASE}/{history['uid']}/open_and_click_rates?{WINDOW}")
    assert body["included_activities_count"] == 2
    assert body["average_open_rate"] == 0.5
    assert body["average_click_rate"] == 0.5


def test_rates_without_campaigns_are_zero(client: Any, ctx: Context, account: NewAccount) -> None:
    uid = add_contact(ctx, account, "quiet@example.com")
    body = get(client, account, f"{BASE}/{uid}/open_and_click_rates?{WINDOW}")
    assert body == {
        "contact_id": uid,
        "included_activities_count": 0,
        "average_open_rate": 0,
        "average_click_rate": 0,
    }


def test_reports_survive_pruning_raw_events(
    client: Any, ctx: Context, account: NewAccount, history: dict[str, Any]
) -> None:
    summary = get(client, account, f"{BASE}/{history['uid']}/activity_summary?{WINDOW}")
    rates = get(client, account, f"{BASE}/{history['uid']}/open_and_click_rates?{WINDOW}")
    with ctx.db.write() as conn:
        assert conn.execute(delete(events)).rowcount > 0
    assert get(client, account, f"{BASE}/{history['uid']}/activity_summary?{WINDOW}") == summary
    assert get(client, account, f"{BASE}/{history['uid']}/open_and_click_rates?{WINDOW}") == rates
    details = get(
        client, account, f"{BASE}/{history['uid']}/activity_details?tracking_activity_type=em_sends"
    )
    assert details == {"tracking_activities": []}


BAD_RANGES = [
    ("activity_summary", "end=2026-01-01T00:00:00Z", "start is required"),
    ("activity_summary", "start=2026-01-01T00:00:00Z", "end is required"),
    ("activity_summary", "start=soon&end=2026-01-01T00:00:00Z", "ISO 8601"),
    ("activity_summary", "start=2026-01-02T00:00:00Z&end=2026-01-01T00:00:00Z", "after"),
    ("open_and_click_rates", "start=2026-01-02T00:00:00Z&end=2026-01-01T00:00:00Z", "after"),
    ("open_and_click_rates", "start=2020-01-01T00:00:00Z&end=2025-01-01T00:00:01Z", "5 years"),
    ("open_and_click_rates", "start=2020-01-01T00:00:00Z", "end is required"),
]


def test_bad_ranges_are_400(client: Any, account: NewAccount, history: dict[str, Any]) -> None:
    for endpoint, query, fragment in BAD_RANGES:
        response = client.get(f"{BASE}/{history['uid']}/{endpoint}?{query}", headers=auth(account))
        assert response.status_code == 400, query
        [error] = response.json()
        assert error["error_key"] == "http.status.bad_request"
        assert fragment in error["error_message"]


def test_five_years_exactly_is_allowed(
    client: Any, account: NewAccount, history: dict[str, Any]
) -> None:
    query = "start=2021-01-01T00:00:00Z&end=2026-01-01T00:00:00Z"
    body = get(client, account, f"{BASE}/{history['uid']}/open_and_click_rates?{query}")
    assert body["included_activities_count"] == 3
