"""Response shapes of the Constant Contact v3 report routes, for the OpenAPI page only."""

from __future__ import annotations

from pydantic import BaseModel, Field

from mailroom.web.apidocs import RouteDoc


class TrackingActivity(BaseModel):
    contact_id: str
    campaign_activity_id: str
    campaign_activity_name: str | None = None
    created_time: str = Field(examples=["2017-04-02T04:08:00.000Z"])
    tracking_activity_type: str = Field(examples=["em_opens"])
    tracking_activities_list: str


class NextLink(BaseModel):
    href: str


class Links(BaseModel):
    next: NextLink


class ActivityDetails(BaseModel):
    tracking_activities: list[TrackingActivity]
    links: Links | None = Field(None, alias="_links", description="Present when more pages exist")


class CampaignActivityCounts(BaseModel):
    campaign_activity_id: str
    start_on: str
    em_bounces: int
    em_clicks: int
    em_forwards: int
    em_opens: int
    em_sends: int
    em_unsubscribes: int


class ActivitySummary(BaseModel):
    contact_id: str
    campaign_activities: list[CampaignActivityCounts]


class OpenAndClickRates(BaseModel):
    contact_id: str
    included_activities_count: int
    average_open_rate: float
    average_click_rate: float


class CcError(BaseModel):
    error_key: str = Field(examples=["contacts.api.not_found"])
    error_message: str


_BASE = "/v3/reports/contact_reports/{contact_id}"
DOCS = {
    ("GET", f"{_BASE}/activity_details"): RouteDoc(response=ActivityDetails),
    ("GET", f"{_BASE}/activity_summary"): RouteDoc(response=ActivitySummary),
    ("GET", f"{_BASE}/open_and_click_rates"): RouteDoc(response=OpenAndClickRates),
}
ERROR = list[CcError]
