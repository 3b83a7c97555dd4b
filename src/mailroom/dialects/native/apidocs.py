"""Shapes of mailroom's own routes (health, webhooks, tracking), for the OpenAPI page only."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from mailroom.dialects.native.links import LinksResponse
from mailroom.web.apidocs import RouteDoc


class Health(BaseModel):
    status: str = Field(examples=["ok"])


class WebhookRejected(BaseModel):
    index: int
    reason: str


class WebhookReport(BaseModel):
    accepted: int
    duplicates: int
    rejected: list[WebhookRejected]
    ignored: dict[str, int] = Field(description="Event types mailroom does not record, counted")


class NativeErrorBody(BaseModel):
    code: str = Field(examples=["unauthorized"])
    message: str
    errors: list[Any]


class NativeError(BaseModel):
    """The error body of mailroom's own JSON routes."""

    error: NativeErrorBody


_PAGE = "An HTML page"
DOCS = {
    ("GET", "/mailroom/health"): RouteDoc(response=Health),
    ("POST", "/mailroom/webhooks/{provider}/{token}"): RouteDoc(
        request=dict[str, Any] | list[Any], response=WebhookReport
    ),
    ("POST", "/mailroom/v1/links"): RouteDoc(response=LinksResponse),
    ("GET", "/t/o/{token}"): RouteDoc(
        media="image/gif", description="A 1x1 transparent GIF, whatever the token"
    ),
    ("GET", "/t/c/{token}"): RouteDoc(
        media="text/html",
        status="302",
        description="A redirect to the signed URL; a bad token gets a 404 HTML page",
    ),
    ("GET", "/t/u/{token}"): RouteDoc(media="text/html", description=_PAGE + " with a button"),
    ("POST", "/t/u/{token}"): RouteDoc(media="text/html", description=_PAGE + ": unsubscribed"),
}
ERROR = NativeError
