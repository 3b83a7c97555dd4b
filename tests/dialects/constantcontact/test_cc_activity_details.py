"""GET /v3/reports/contact_reports/{contact_id}/activity_details over HTTP."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from cc_support import BASE, NOW, add_contact, add_mailing, auth, ingest

from mailroom.accounts.schemas import NewAccount
from mailroom.activity.types import CONSTANT_CONTACT_TYPES
from mailroom.context import Context

ALL = ",".join(CONSTANT_CONTACT_TYPES)


def get(client: Any, acc: NewAccount, path: str) -> Any:
    response = client.get(path, headers=auth(acc))
    assert response.status_code == 200, response.text
    return response.json()


def follow(client: Any, acc: NewAccount, first: str) -> list[dict[str, Any]]:
    """Every page from `first` on, through _links.next.href, as a list of bodies."""
    pages = [get(client, acc, first)]
    while "_links" in pages[-1]:
        href = pages[-1]["_links"]["next"]["href"]
        assert href.startswith(f"{BASE}/")
        pages.append(get(client, acc, href))
        assert len(pages) < 100
    return pages


@pytest.fixture
def story(ctx: Context, account: NewAccount) -> dict[str, Any]:
    """One contact with one event of every kind, a second of newer, and a stranger's events."""
    uid = add_contact(ctx, account)
    spring, spring_uuid = add_mailing(ctx, account, "Spring sale")
    summer, summer_uuid = add_mailing(ctx, account, "Summer sale")
    s = 1000
    ingest(
        ctx,
        account,
        [
            {"type": "em_sends", "contact_id": uid, "mailing_id": spring, "at": NOW - 100 * s},
            {
                "type": "em_opens",
                "contact_id": uid,
                "mailing_id": spring,
                "at": NOW - 90 * s,
                "device_type": "mobile",
                "machine": False,
            },
            {
                "type": "em_clicks",
                "contact_id": uid,
                "mailing_id": spring,
                "at": NOW - 80 * s,
                "link_url": "https://example.com/a?b=1",
                "device_type": "desktop",
                "machine": False,
            },
            {
                "type": "em_bounces",
                "contact_id": uid,
                "mailing_id": summer,
                "at": NOW - 70 * s,
                "bounce_code": "F",
            },
            {
                "type": "em_optouts",
                "contact_id": uid,
                "mailing_id": spring,
                "at": NOW - 60 * s,
                "reason": "Too many emails",
            },
            {"type": "em_forwards", "contact_id": uid, "mailing_id": spring, "at": NOW - 50 * s},
            {
                "type": "em_opens",
                "contact_id": uid,
                "mailing_id": summer,
                "at": NOW - 45 * s,
                "machine": True,
            },
            {"type": "em_complaints", "contact_id": uid, "mailing_id": spring, "at": NOW - 42 * s},
            {"type": "p_contact_open", "contact_id": uid, "at": NOW - 40 * s},
            {"type": "p_contact_add", "contact_id": uid, "at": NOW - 30 * s},
        ],
    )
    stranger = add_contact(ctx, account, "bob@example.com")
    ingest(ctx, account, [{"type": "em_clicks", "contact_id": stranger, "at": NOW - 20 * s}])
    return {
        "uid": uid,
        "spring": spring_uuid,
        "summer": summer_uuid,
        "link_id": _link_id(ctx),
    }


def _link_id(ctx: Context) -> int:
    from sqlalchemy import select

    from mailroom.db.tables import links

    with ctx.db.read() as conn:
        return int(conn.execute(select(links.c.id).where(links.c.url.like("%/a?b=1"))).scalar_one())


def _base(uid: str, activity: str, name: str | None, at: str, kind: str) -> dict[str, Any]:
    item: dict[str, Any] = {"contact_id": uid, "campaign_activity_id": activity}
    if name is not None:
        item["campaign_activity_name"] = name
    item.update(created_time=at, tracking_activity_type=kind, tracking_activities_list=kind)
    return item


def test_every_type_newest_first_with_type_fields(
    client: Any, account: NewAccount, story: dict[str, Any]
) -> None:
    uid, spring, summer = story["uid"], story["spring"], story["summer"]
    nil = "00000000-0000-0000-0000-000000000000"
    body = get(client, account, f"{BASE}/{uid}/activity_details?tracking_activities_list={ALL}")
    assert "_links" not in body
    assert body["tracking_activities"] == [
        _base(uid, nil, None, "2025-12-31T23:59:30.000Z", "p_contact_add"),
        _base(uid, nil, None, "2025-12-31T23:59:20.000Z", "p_contact_open"),
        {
            **_base(uid, summer, "Summer sale", "2025-12-31T23:59:15.000Z", "em_opens"),
            "is_machine": True,
        },
        _base(uid, spring, "Spring sale", "2025-12-31T23:59:10.000Z", "em_forwards"),
        {
            **_base(uid, spring, "Spring sale", "2025-12-31T23:59:00.000Z", "em_optouts"),
            "opt_out_reason": "Too many emails",
        },
        {
            **_base(uid, summer, "Summer sale", "2025-12-31T23:58:50.000Z", "em_bounces"),
            "bounce_code": "F",
        },
        {
            **_base(uid, spring, "Spring sale", "2025-12-31T23:58:40.000Z", "em_clicks"),
            "link_url": "https://example.com/a?b=1",
            "url_id": str(story["link_id"]),
            "device_type": "desktop",
            "is_machine": False,
        },
        {
            **_base(uid, spring, "Spring sale", "2025-12-31T23:58:30.000Z", "em_opens"),
            "device_type": "mobile",
            "is_machine": False,
        },
        _base(uid, spring, "Spring sale", "2025-12-31T23:58:20.000Z", "em_sends"),
    ]


def test_no_type_parameter_means_clicks(
    client: Any, account: NewAccount, story: dict[str, Any]
) -> None:
    body = get(client, account, f"{BASE}/{story['uid']}/activity_details")
    assert [i["tracking_activity_type"] for i in body["tracking_activities"]] == ["em_clicks"]


TYPE_QUERIES = [
    "tracking_activities_list=em_sends,em_bounces",  # the docs
    "tracking_activities_list=em_sends&tracking_activities_list=em_bounces",  # the SDK
    "tracking_activity_type=em_sends&tracking_activity_type=em_bounces",  # the docs
    "tracking_activity_type=em_sends%2Cem_bounces",  # the SDK
    "tracking_activity_type[0]=em_bounces&tracking_activity_type[1]=em_sends",  # phpfui, raw
]


def test_type_filter_in_every_encoding(
    client: Any, account: NewAccount, story: dict[str, Any]
) -> None:
    for query in TYPE_QUERIES:
        body = get(client, account, f"{BASE}/{story['uid']}/activity_details?{query}")
        kinds = [i["tracking_activity_type"] for i in body["tracking_activities"]]
        assert kinds == ["em_bounces", "em_sends"], query


def test_names_can_be_left_out(client: Any, account: NewAccount, story: dict[str, Any]) -> None:
    url = f"{BASE}/{story['uid']}/activity_details?tracking_activity_type=em_sends"
    for flag in ("false", "0", "FALSE"):
        [item] = get(client, account, f"{url}&include_campaign_activity_names={flag}")[
            "tracking_activities"
        ]
        assert "campaign_activity_name" not in item
        assert item["campaign_activity_id"] == story["spring"]
    [item] = get(client, account, f"{url}&include_campaign_activity_names=1")["tracking_activities"]
    assert item["campaign_activity_name"] == "Spring sale"


def test_contact_without_events_has_an_empty_page(
    client: Any, ctx: Context, account: NewAccount
) -> None:
    uid = add_contact(ctx, account, "quiet@example.com")
    body = get(client, account, f"{BASE}/{uid}/activity_details?tracking_activities_list={ALL}")
    assert body == {"tracking_activities": []}


def _many(
    ctx: Context, account: NewAccount, count: int, *, tie_every: int = 1
) -> tuple[str, list[int]]:
    """`count` sends to one contact; `tie_every` consecutive events share one timestamp."""
    uid = add_contact(ctx, account, "many@example.com")
    mailing, _ = add_mailing(ctx, account, "Weekly")
    ids = ingest(
        ctx,
        account,
        [
            {
                "type": "em_sends" if i % 3 else "em_opens",
                "contact_id": uid,
                "mailing_id": mailing,
                "at": NOW - 10_000_000 + (i // tie_every) * 1000,
                "machine": False,
            }
            for i in range(count)
        ],
    )
    return uid, ids


@pytest.mark.parametrize("tie_every", [1, 4])
def test_pages_cover_every_event_once_in_order(
    client: Any, ctx: Context, account: NewAccount, tie_every: int
) -> None:
    uid, ids = _many(ctx, account, 23, tie_every=tie_every)
    pages = follow(
        client,
        account,
        f"{BASE}/{uid}/activity_details?tracking_activities_list=em_sends,em_opens&limit=5",
    )
    assert [len(p["tracking_activities"]) for p in pages] == [5, 5, 5, 5, 3]
    times = [i["created_time"] for p in pages for i in p["tracking_activities"]]
    assert times == sorted(times, reverse=True)
    assert len(times) == 23
    # Within a timestamp the newer (higher) id comes first: compare with the stored order.
    expected_kinds = ["em_sends" if i % 3 else "em_opens" for i in range(23)]
    expected = [
        k
        for _, k in sorted(
            zip(ids, expected_kinds, strict=True),
            key=lambda p: ((p[0] - ids[0]) // tie_every, p[0]),
            reverse=True,
        )
    ]
    assert [
        i["tracking_activity_type"] for p in pages for i in p["tracking_activities"]
    ] == expected


def test_exact_multiple_of_the_limit_has_no_empty_last_page(
    client: Any, ctx: Context, account: NewAccount
) -> None:
    uid, _ = _many(ctx, account, 10)
    pages = follow(
        client,
        account,
        f"{BASE}/{uid}/activity_details?tracking_activity_type=em_sends,em_opens&limit=5",
    )
    assert [len(p["tracking_activities"]) for p in pages] == [5, 5]


def test_next_link_repeats_the_request(client: Any, ctx: Context, account: NewAccount) -> None:
    uid, _ = _many(ctx, account, 4)
    cases = {
        "tracking_activities_list=em_sends,em_opens": [
            ("tracking_activities_list", "em_sends,em_opens")
        ],
        "tracking_activities_list=em_sends&tracking_activities_list=em_opens": [
            ("tracking_activities_list", "em_sends"),
            ("tracking_activities_list", "em_opens"),
        ],
        "tracking_activity_type[0]=em_sends&tracking_activity_type[1]=em_opens": [
            ("tracking_activity_type", "em_sends"),
            ("tracking_activity_type", "em_opens"),
        ],
    }
    for query, expected in cases.items():
        body = get(
            client,
            account,
            f"{BASE}/{uid}/activity_details?{query}&limit=2&include_campaign_activity_names=0",
        )
        href = body["_links"]["next"]["href"]
        parts = urlsplit(href)
        assert parts.path == f"{BASE}/{uid}/activity_details"
        pairs = parse_qsl(parts.query)
        assert pairs[: len(expected)] == expected
        assert ("include_campaign_activity_names", "false") in pairs
        assert ("limit", "2") in pairs
        assert [k for k, _ in pairs].count("cursor") == 1
        second = get(client, account, href)
        assert len(second["tracking_activities"]) == 2
        assert "campaign_activity_name" not in second["tracking_activities"][0]
        assert "_links" not in second


def test_pages_are_stable_while_new_events_arrive(
    client: Any, ctx: Context, account: NewAccount
) -> None:
    uid, _ = _many(ctx, account, 12)
    first_url = f"{BASE}/{uid}/activity_details?tracking_activity_type=em_sends,em_opens&limit=4"
    before = follow(client, account, first_url)
    page_one = get(client, account, first_url)
    mailing, _ = add_mailing(ctx, account, "Breaking news")
    ctx.clock.advance(seconds=60)
    ingest(
        ctx,
        account,
        [
            {"type": "em_sends", "contact_id": uid, "mailing_id": mailing},
            {"type": "em_opens", "contact_id": uid, "mailing_id": mailing, "machine": False},
            {"type": "em_sends", "contact_id": uid, "mailing_id": mailing},
        ],
    )
    after = [page_one, *follow(client, account, page_one["_links"]["next"]["href"])[0:]]
    # follow() restarted from page two: the rest of the walk is exactly the earlier walk.
    assert after == before
    fresh = get(client, account, first_url)
    assert fresh["tracking_activities"][0]["created_time"] == "2026-01-01T00:01:00.000Z"


def test_bad_cursor_is_400(client: Any, account: NewAccount, story: dict[str, Any]) -> None:
    response = client.get(
        f"{BASE}/{story['uid']}/activity_details?cursor=%%%", headers=auth(account)
    )
    assert response.status_code == 400
    assert response.json()[0]["error_key"] == "http.status.bad_request"
    assert "cursor" in response.json()[0]["error_message"]


BAD_QUERIES = [
    ("tracking_activities_list=em_sends&tracking_activity_type=em_opens", "mutually exclusive"),
    ("tracking_activity_type=em_sends,em_spam", "em_spam"),
    ("limit=0", "limit"),
    ("limit=101", "limit"),
    ("include_campaign_activity_names=maybe", "include_campaign_activity_names"),
]


def test_bad_parameters_are_400(client: Any, account: NewAccount, story: dict[str, Any]) -> None:
    for query, fragment in BAD_QUERIES:
        response = client.get(
            f"{BASE}/{story['uid']}/activity_details?{query}", headers=auth(account)
        )
        assert response.status_code == 400, query
        [error] = response.json()
        assert error["error_key"] == "http.status.bad_request"
        assert fragment in error["error_message"]


def test_doc_and_phpfui_style_requests(
    client: Any, account: NewAccount, story: dict[str, Any]
) -> None:
    headers = {
        **auth(account),
        "Content-Type": "application/json",  # the docs' samples and phpfui send it on GET
        "Cache-Control": "no-cache",
    }
    url = f"{BASE}/{story['uid']}/activity_details"
    doc = client.get(f"{url}?tracking_activities_list=em_sends,em_clicks&limit=25", headers=headers)
    assert doc.status_code == 200
    php = client.get(
        f"{url}?tracking_activity_type=em_sends&tracking_activity_type=em_clicks"
        "&include_campaign_activity_names=1&limit=25",
        headers=headers,
    )
    assert php.status_code == 200
    assert php.json() == doc.json()
    assert [i["tracking_activity_type"] for i in doc.json()["tracking_activities"]] == [
        "em_clicks",
        "em_sends",
    ]
