"""Request and response shapes of `/api/contact_activity`, for the OpenAPI page only."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mailroom.web.apidocs import RouteDoc

BASE = "/api/contact_activity"


class ReportFilters(BaseModel):
    criteria: list[dict[str, Any]] = Field([], description="Ongage criteria (see docs/criteria.md)")
    user_type: str = Field("all", examples=["active"])
    from_date: int | str | None = Field(None, description="Unix seconds or MM/DD/YYYY (UTC)")
    to_date: int | str | None = Field(None, description="Unix seconds or MM/DD/YYYY, inclusive")


class ReportRequest(BaseModel):
    title: str = Field(examples=["Active gmail contacts"])
    selected_fields: list[str] = Field(examples=[["email", "ocx_status", "opens", "clicks"]])
    filters: ReportFilters | None = None
    combined_as_and: bool = False
    include_behavior: bool = Field(False, description="Accepted; activity is always computed")
    include_machine: bool = Field(False, description="Count machines' opens and clicks too")
    list_id: int | None = Field(None, description="The list (default: prefix, default list)")


class ReportObject(BaseModel):
    id: int
    list_id: int
    title: str
    status: int = Field(description="1 Pending, 2 Completed, 3 Failed")
    status_desc: str = Field(examples=["Pending"])
    error: str | None = Field(None, description="Why a Failed report failed")
    selected_fields: list[str]
    filters: dict[str, Any]
    include_behavior: bool
    include_machine: bool
    combined_as_and: bool
    total: int | None = Field(None, description="Rows, once Completed")
    data_through_event_id: int | None = Field(None, description="The newest event it read")
    created: int
    completed: int | None


class ReportRow(BaseModel):
    """One contact: the selected fields, in their order."""

    model_config = ConfigDict(extra="allow")


class ResultMetadata(BaseModel):
    error: bool = False
    fields: dict[str, Any] = {}
    total: int


class ResultEnvelope(BaseModel):
    metadata: ResultMetadata
    payload: list[ReportRow]


class ReportEnvelope(BaseModel):
    metadata: dict[str, bool]
    payload: ReportObject


class ReportsEnvelope(BaseModel):
    metadata: dict[str, Any]
    payload: list[ReportObject]


class DeletedPayload(BaseModel):
    id: int
    deleted: bool


class DeletedEnvelope(BaseModel):
    metadata: dict[str, bool]
    payload: DeletedPayload


def docs() -> dict[tuple[str, str], RouteDoc]:
    csv = "The rows as CSV (header: the selected fields), streamed"
    return {
        ("POST", BASE): RouteDoc(ReportRequest, ReportEnvelope),
        ("GET", BASE): RouteDoc(response=ReportsEnvelope),
        ("GET", BASE + "/{report_id}"): RouteDoc(response=ReportEnvelope),
        ("DELETE", BASE + "/{report_id}"): RouteDoc(response=DeletedEnvelope),
        ("GET", BASE + "/{report_id}/result"): RouteDoc(response=ResultEnvelope),
        ("GET", BASE + "/{report_id}/export"): RouteDoc(media="text/csv", description=csv),
        ("GET", BASE + "/{report_id}/export_detailed"): RouteDoc(
            media="text/csv", description="One CSV line per event of the report's contacts"
        ),
    }
