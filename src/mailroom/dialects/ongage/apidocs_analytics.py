"""Request and response shapes of Ongage's segments, contact search and contact counts routes,
for the OpenAPI page only (the handlers parse raw JSON themselves; see docs/criteria.md)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mailroom.dialects.ongage.apidocs import envelope
from mailroom.web.apidocs import RouteDoc

# --- criteria ------------------------------------------------------------------------------------


class CriterionWrite(BaseModel):
    """One rule of the criteria language, write form (real arrays)."""

    model_config = ConfigDict(extra="allow")
    type: Literal["email", "string", "numeric", "date", "id", "segment", "behavioral"] = Field(
        examples=["string"]
    )
    field_name: str | None = Field(None, examples=["first_name"])
    field_id: int | None = Field(None, description="Instead of field_name")
    operator: str = Field(
        examples=["="], description="=, !=, <, >, <=, >=, ><, empty, notempty, LIKE, NOT LIKE, ..."
    )
    operand: list[Any] = Field(examples=[["Ana"]], description="Several operands are OR-ed")
    case_sensitive: int | bool | None = None
    condition: Literal["and", "or"] | None = Field(None, description="How it joins the previous")
    left_parenthesis: int | None = None
    right_parenthesis: int | None = None


class SegmentWrite(BaseModel):
    name: str | None = Field(None, examples=["Active in Athens"])
    description: str | None = None
    list_id: int | None = Field(None, description="Create: the list (default: prefix, default)")
    type: Literal["Active", "Inactive", "Unsubscribed", "Bounced", "Complaint"] | None = None
    criteria: list[CriterionWrite] | None = None


class RuleRead(BaseModel):
    """A stored rule, read form: every value a string, `operand` JSON-encoded."""

    model_config = ConfigDict(extra="allow")
    id: str
    segment_id: str
    position: str
    field_name: str | None
    operator: str | None
    operand: str = Field(examples=['["Ana"]'])
    condition: str
    type: str | None


class SegmentRead(BaseModel):
    """A segment, read form: every value a string (null stays null)."""

    model_config = ConfigDict(extra="allow")
    id: str
    list_id: str
    name: str
    type: str
    description: str
    last_count: str
    last_count_date: str | None
    created: str
    modified: str
    rules: list[RuleRead]


# --- contact search and counts -------------------------------------------------------------------


class SearchWrite(BaseModel):
    """A contact search: criteria and the columns to return, answered asynchronously."""

    model_config = ConfigDict(extra="allow")
    title: str | None = None
    list_id: int | None = None
    segment_id: int | None = None
    criteria: list[CriterionWrite] | None = None
    combined_as_and: bool | None = None
    selected_fields: list[str] | None = Field(None, examples=[["email", "first_name"]])
    filters: dict[str, Any] | None = None


class SearchRead(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int
    list_id: int
    title: str | None
    status: int = Field(description="1 Pending, 2 Completed, 3 Failed")
    status_desc: str
    error: str | None
    total: int | None
    created: int
    completed: int | None


class Deleted(BaseModel):
    id: int
    deleted: bool


class CountsWrite(BaseModel):
    """A segment to count, or criteria."""

    model_config = ConfigDict(extra="allow")
    list_id: int | None = None
    segment_id: int | None = None
    criteria: list[CriterionWrite] | None = None


class CountsRead(BaseModel):
    id: int
    status: int
    status_desc: str
    active: int
    bounced: int
    complaint: int
    unsubscribed: int
    total: int
    created: int


def _docs() -> dict[tuple[str, str], RouteDoc]:
    segment = envelope("SegmentEnvelope", SegmentRead)
    search = envelope("SearchEnvelope", SearchRead)
    counts = envelope("CountsEnvelope", CountsRead)
    rows = envelope("SearchRowsEnvelope", list[dict[str, Any]])
    return {
        ("GET", "/api/segments"): RouteDoc(
            response=envelope("SegmentsEnvelope", list[SegmentRead])
        ),
        ("GET", "/api/segments/{segment_id}"): RouteDoc(response=segment),
        ("POST", "/api/segments"): RouteDoc(SegmentWrite, segment),
        ("PUT", "/api/segments/{segment_id}"): RouteDoc(SegmentWrite, segment),
        ("DELETE", "/api/segments/{segment_id}"): RouteDoc(response=segment),
        ("POST", "/api/contact_search"): RouteDoc(SearchWrite, search),
        ("GET", "/api/contact_search"): RouteDoc(
            response=envelope("SearchesEnvelope", list[SearchRead])
        ),
        ("GET", "/api/contact_search/{search_id}"): RouteDoc(response=search),
        ("DELETE", "/api/contact_search/{search_id}"): RouteDoc(
            response=envelope("SearchDeletedEnvelope", Deleted)
        ),
        ("GET", "/api/contact_search/{search_id}/result"): RouteDoc(response=rows),
        ("GET", "/api/contact_search/{search_id}/export"): RouteDoc(
            media="text/csv", description="The contacts as CSV, header = the selected fields"
        ),
        ("POST", "/api/contact_counts"): RouteDoc(CountsWrite, counts),
        ("GET", "/api/contact_counts/{counts_id}"): RouteDoc(response=counts),
    }


DOCS = _docs()
