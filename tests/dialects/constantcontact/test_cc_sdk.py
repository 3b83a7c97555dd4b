"""The public Python SDK (constant-contact-api-client 1.5.0), unchanged, against a live server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from cc_support import NOW, add_contact, add_mailing, ingest

from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context

cc = pytest.importorskip("constant_contact_api_client")

DAY = 86_400_000


@pytest.fixture
def sdk(live_url: str, account: NewAccount) -> Iterator[Any]:
    configuration = cc.Configuration(host=f"{live_url}/v3", access_token=account.token)
    with cc.ApiClient(configuration) as api_client:
        yield cc.ContactsReportingApi(api_client)


@pytest.fixture
def contact(ctx: Context, account: NewAccount) -> dict[str, Any]:
    uid = add_contact(ctx, account)
    mailings = [add_mailing(ctx, account, f"Issue {i}") for i in range(3)]
    items: list[dict[str, Any]] = []
    for i, (mailing, _) in enumerate(mailings):
        at = NOW - (10 - i) * DAY
        base = {"contact_id": uid, "mailing_id": mailing}
        items.append({**base, "type": "em_sends", "at": at})
        items.append({**base, "type": "em_opens", "at": at + 60_000, "machine": False})
        if i != 1:
            items.append(
                {
                    **base,
                    "type": "em_clicks",
                    "at": at + 120_000,
                    "link_url": f"https://example.com/{i}",
                    "machine": False,
                }
            )
    ingest(ctx, account, items)
    return {"uid": uid, "mailings": [u for _, u in mailings]}


def _next_page(api: Any, href: str) -> Any:
    """Follow _links.next.href with the SDK's own request machinery (it has no method for it)."""
    client = api.api_client
    parts = urlsplit(href)
    assert parts.path.startswith("/v3/")
    params = client.param_serialize(
        method="GET",
        resource_path=parts.path.removeprefix("/v3"),
        query_params=parse_qsl(parts.query),
        header_params={"Accept": "application/json"},
        auth_settings=["oauth2_access_code"],
    )
    response = client.call_api(*params)
    response.read()
    return client.response_deserialize(
        response_data=response,
        response_types_map={"200": "GetContactTrackingReport200Response"},
    ).data


def test_sdk_wire_form_is_the_opposite_of_the_docs(sdk: Any) -> None:
    _, url, *_ = sdk._get_contact_tracking_report_serialize(
        contact_id="x",
        tracking_activities_list=["em_sends", "em_opens"],
        tracking_activity_type=None,
        include_campaign_activity_names=False,
        limit="2",
        _request_auth=None,
        _content_type=None,
        _headers=None,
        _host_index=0,
    )
    assert "tracking_activities_list=em_sends&tracking_activities_list=em_opens" in url
    _, url, *_ = sdk._get_contact_tracking_report_serialize(
        contact_id="x",
        tracking_activities_list=None,
        tracking_activity_type=["em_sends", "em_opens"],
        include_campaign_activity_names=None,
        limit=None,
        _request_auth=None,
        _content_type=None,
        _headers=None,
        _host_index=0,
    )
    assert "tracking_activity_type=em_sends,em_opens" in url


def test_activity_details_with_list_param_and_pagination(sdk: Any, contact: dict[str, Any]) -> None:
    page = sdk.get_contact_tracking_report(
        contact["uid"],
        tracking_activities_list=["em_sends", "em_clicks"],
        include_campaign_activity_names=True,
        limit="2",
    )
    seen = list(page.tracking_activities)
    while page.links is not None and page.links.next is not None:
        page = _next_page(sdk, page.links.next.href)
        seen.extend(page.tracking_activities)
    assert len(seen) == 5
    assert [a.tracking_activity_type for a in seen] == [
        "em_clicks",
        "em_sends",
        "em_sends",
        "em_clicks",
        "em_sends",
    ]
    times = [a.created_time for a in seen]
    assert times == sorted(times, reverse=True)
    assert times[0].tzinfo is not None
    assert times[-1].timestamp() * 1000 == NOW - 10 * DAY
    assert all(a.contact_id == contact["uid"] for a in seen)
    assert seen[0].campaign_activity_id == contact["mailings"][2]
    assert seen[0].campaign_activity_name == "Issue 2"


def test_activity_details_with_type_param(sdk: Any, contact: dict[str, Any]) -> None:
    page = sdk.get_contact_tracking_report(
        contact["uid"],
        tracking_activity_type=["em_opens", "em_clicks"],
        include_campaign_activity_names=False,
    )
    assert page.links is None
    kinds = [a.tracking_activity_type for a in page.tracking_activities]
    assert kinds == ["em_clicks", "em_opens", "em_opens", "em_clicks", "em_opens"]
    assert all(a.campaign_activity_name is None for a in page.tracking_activities)


def test_activity_details_default_is_clicks(sdk: Any, contact: dict[str, Any]) -> None:
    page = sdk.get_contact_tracking_report(contact["uid"])
    assert [a.tracking_activity_type for a in page.tracking_activities] == ["em_clicks"] * 2


def test_activity_summary(sdk: Any, contact: dict[str, Any]) -> None:
    summary = sdk.get_contact_tracking_count_report(
        contact["uid"], "2025-12-01T00:00:00-0500", "2026-01-01T00:00:00-0500"
    )
    assert summary.contact_id == contact["uid"]
    rows = summary.campaign_activities
    assert [r.campaign_activity_id for r in rows] == list(reversed(contact["mailings"]))
    assert [(r.em_sends, r.em_opens, r.em_clicks) for r in rows] == [
        (1, 1, 1),
        (1, 1, 0),
        (1, 1, 1),
    ]
    assert rows[-1].start_on.timestamp() * 1000 == NOW - 10 * DAY


def test_open_and_click_rates(sdk: Any, contact: dict[str, Any]) -> None:
    rates = sdk.get_contact_open_click_rate_report(
        contact["uid"], "2025-01-01T00:00:00+0000", "2026-01-01T00:00:00Z"
    )
    assert rates.contact_id == contact["uid"]
    assert rates.included_activities_count == 3
    assert rates.average_open_rate == 1
    assert rates.average_click_rate == pytest.approx(2 / 3)


def test_sdk_errors(live_url: str, sdk: Any, contact: dict[str, Any]) -> None:
    with pytest.raises(cc.exceptions.NotFoundException) as missing:
        sdk.get_contact_tracking_report("f" * 24)
    assert "contacts.api.not_found" in missing.value.body
    with pytest.raises(cc.exceptions.BadRequestException):
        sdk.get_contact_tracking_report(contact["uid"], limit="500")
    anonymous = cc.ContactsReportingApi(
        cc.ApiClient(cc.Configuration(host=f"{live_url}/v3", access_token="wrong"))
    )
    with pytest.raises(cc.exceptions.UnauthorizedException) as denied:
        anonymous.get_contact_tracking_report(contact["uid"])
    assert denied.value.headers["WWW-Authenticate"] == "Bearer realm=api.cc.email"
