"""Request and response shapes of Ongage's segments, contact search and contact counts, for the
OpenAPI page only (the handlers parse raw JSON themselves)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mailroom.web.apidocs import RouteDoc


def _envelope(name: str, payload: Any) -> Any:
    from mailroom.dialects.ongage.apidocs import envelope

    return envelope(name, payload)


class Criterion(BaseModel):
    """One rule of Ongage's criteria grammar (see docs/criteria.md)."""

    model_config = ConfigDict(extra="allow")
    type: str = Field(examples=["string"], description="email, string, numeric, date, behavior")
    field_name: str | None = Field(None, examples=["country"])
    operator: str = Field(examples=["="])
    operand: list[Any] = Field(examples=[["DE"]])
    condition: str | None = Field(None, examples=["and"])
    case_sensitive: int | None = None


class SegmentWrite(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str | None = Field(None, examples=["German readers"])
    list_id: int | None = None
    type: str | None = Field(None, examples=["Active"], description="Active or Test")
    description: str | None = None
    favorite: bool | None = None
    criteria: list[Criterion] | None = None


class SegmentRule(BaseModel):
    """A stored rule: every value a string, `operand` a JSON-encoded string (as Ongage reads)."""

    model_config = ConfigDict(extra="allow")
    id: str
    segment_id: str
    position: str
    field_name: str | None
    operator: str | None
    operand: str
    condition: str | None
    type: str | None


class SegmentObject(BaseModel):
    """Ongage's segment: numbers and flags as strings, as Ongage answers them."""

    model_config = ConfigDict(extra="allow")
    id: str
    list_id: str
    name: str
    type: str
    description: str
    favorite: str
    last_count: str
    last_count_date: str | None
    created: str | None
    modified: str | None
    deleted: str
    rules: list[SegmentRule]


class SearchFilters(BaseModel):
    model_config = ConfigDict(extra="allow")
    criteria: list[Criterion] = []
    user_type: str | None = Field(
        None, examples=["active"], description="all, active, unsubscribed, bounced, complaint"
    )


class SearchWrite(BaseModel):
    model_config = ConfigDict(extra="allow")
    title: str | None = Field(None, examples=["Readers in Germany"])
    list_id: int | None = None
    filters: SearchFilters | None = None
    combined_as_and: bool | None = None
    selected_fields: list[str] | None = Field(None, examples=[["email", "first_name"]])
    include_behavior: bool | None = None


class SearchObject(BaseModel):
    id: int
    list_id: int
    title: str
    status: int = Field(description="1 pending, 2 completed, 3 failed")
    status_desc: str
    error: str | None
    selected_fields: list[str]
    filters: dict[str, Any]
    combined_as_and: bool
    include_behavior: bool
    total: int | None
    created: int
    completed: int | None


class SearchDeleted(BaseModel):
    id: int
    deleted: bool


class CountsWrite(BaseModel):
    model_config = ConfigDict(extra="allow")
    list_id: int | None = None
    segment_id: int | None = Field(None, description="Count a segment's contacts")
    filters: SearchFilters | None = None
    combined_as_and: bool | None = None


class CountsObject(BaseModel):
    id: int
    list_id: int
    segment_id: int | None
    status: int
    status_desc: str
    active: int
    bounced: int
    complaint: int
    unsubscribed: int
    total: int
    created: int


def docs() -> dict[tuple[str, str], RouteDoc]:
    segment = _envelope("SegmentEnvelope", SegmentObject)
    search = _envelope("SearchEnvelope", SearchObject)
    counts = _envelope("CountsEnvelope", CountsObject)
    base = "/api/contact_search"
    return {
        ("GET", "/api/segments"): RouteDoc(
            response=_envelope("SegmentsEnvelope", list[SegmentObject])
        ),
        ("POST", "/api/segments"): RouteDoc(SegmentWrite, segment),
        ("GET", "/api/segments/{segment_id}"): RouteDoc(response=segment),
        ("PUT", "/api/segments/{segment_id}"): RouteDoc(SegmentWrite, segment),
        ("DELETE", "/api/segments/{segment_id}"): RouteDoc(response=segment),
        ("GET", base): RouteDoc(response=_envelope("SearchesEnvelope", list[SearchObject])),
        ("POST", base): RouteDoc(SearchWrite, search),
        ("GET", base + "/{search_id}"): RouteDoc(response=search),
        ("DELETE", base + "/{search_id}"): RouteDoc(
            response=_envelope("SearchDeletedEnvelope", SearchDeleted)
        ),
        ("GET", base + "/{search_id}/result"): RouteDoc(
            response=_envelope("SearchResultEnvelope", list[dict[str, Any]])
        ),
        ("GET", base + "/{search_id}/export"): RouteDoc(
            media="text/csv", description="The result as CSV, a header row first"
        ),
        ("POST", "/api/contact_counts"): RouteDoc(CountsWrite, counts),
        ("GET", "/api/contact_counts/{counts_id}"): RouteDoc(response=counts),
    }
