"""Constant Contact's response bodies for the contact reports.

Items of activity_details carry the five keys of the spec, the doc example's item key
(``tracking_activities_list``, same value) for clients written from that example, and the
type-specific fields of Constant Contact's per-type tracking models when they are known
(``link_url``/``url_id``/``device_type`` for clicks, ``device_type`` for opens, ``bounce_code``,
``opt_out_reason``); opens and clicks also say ``is_machine``. An event that names no mailing has
the nil UUID as ``campaign_activity_id`` (the SDK requires a string) and no name.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote, urlencode

from mailroom.activity.history import CampaignCounts, EventPage, LoggedEvent, Rates
from mailroom.activity.types import EventType
from mailroom.dialects.constantcontact.params import DetailsQuery, encode_cursor

NO_CAMPAIGN = "00000000-0000-0000-0000-000000000000"
REPORTS = "/v3/reports/contact_reports"

_WITH_DEVICE = frozenset(
    {EventType.EM_OPENS, EventType.EM_CLICKS, EventType.P_CONTACT_OPEN, EventType.P_CONTACT_CLICK}
)
_WITH_LINK = frozenset({EventType.EM_CLICKS, EventType.P_CONTACT_CLICK})
_WITH_MACHINE = frozenset({EventType.EM_OPENS, EventType.EM_CLICKS})


def iso_ms(ms: int) -> str:
    """Unix ms → ``2017-04-02T04:08:00.000Z``, the form of Constant Contact's examples."""
    seconds, millis = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{millis:03d}Z"


def _item(uid: str, event: LoggedEvent, with_names: bool) -> dict[str, Any]:
    wire = event.type.wire
    item: dict[str, Any] = {
        "contact_id": uid,
        "campaign_activity_id": event.campaign_activity_id or NO_CAMPAIGN,
    }
    if with_names and event.campaign_name is not None:
        item["campaign_activity_name"] = event.campaign_name
    item["created_time"] = iso_ms(event.at_ms)
    item["tracking_activity_type"] = wire
    item["tracking_activities_list"] = wire
    details = event.details or {}
    kind = event.type
    if kind in _WITH_LINK:
        if event.link_url is not None:
            item["link_url"] = event.link_url
        if event.link_id is not None:
            item["url_id"] = str(event.link_id)
    if kind in _WITH_DEVICE and details.get("device_type"):
        item["device_type"] = details["device_type"]
    if kind is EventType.EM_BOUNCES and details.get("bounce_code"):
        item["bounce_code"] = details["bounce_code"]
    if kind is EventType.EM_OPTOUTS and details.get("reason"):
        item["opt_out_reason"] = details["reason"]
    if kind in _WITH_MACHINE:
        item["is_machine"] = event.machine
    return item


def next_href(uid: str, query: DetailsQuery, last: LoggedEvent) -> str:
    """The next page's path: the caller's type parameter (same encoding), limit, flag, cursor."""
    pairs: list[tuple[str, str]] = []
    if query.type_param is not None:
        if query.repeated:
            pairs.extend((query.type_param, name) for name in query.type_names)
        else:
            pairs.append((query.type_param, ",".join(query.type_names)))
    pairs.append(("include_campaign_activity_names", "true" if query.include_names else "false"))
    pairs.append(("limit", str(query.limit)))
    pairs.append(("cursor", encode_cursor(last.at_ms, last.id)))
    path = f"{REPORTS}/{quote(uid, safe='')}/activity_details"
    return f"{path}?{urlencode(pairs, safe=',')}"


def activity_details(uid: str, query: DetailsQuery, page: EventPage) -> dict[str, Any]:
    body: dict[str, Any] = {
        "tracking_activities": [_item(uid, e, query.include_names) for e in page.events]
    }
    if page.more and page.events:
        body["_links"] = {"next": {"href": next_href(uid, query, page.events[-1])}}
    return body


def activity_summary(uid: str, campaigns: list[CampaignCounts]) -> dict[str, Any]:
    return {
        "contact_id": uid,
        "campaign_activities": [
            {
                "campaign_activity_id": c.campaign_activity_id,
                "start_on": iso_ms(c.sent_ms),
                "em_bounces": c.bounces,
                "em_clicks": c.clicks,
                "em_forwards": c.forwards,
                "em_opens": c.opens,
                "em_sends": c.sends,
                "em_unsubscribes": c.optouts,
            }
            for c in campaigns
        ],
    }


def open_and_click_rates(uid: str, rates: Rates) -> dict[str, Any]:
    return {
        "contact_id": uid,
        "included_activities_count": rates.campaigns,
        "average_open_rate": rates.open_rate,
        "average_click_rate": rates.click_rate,
    }
