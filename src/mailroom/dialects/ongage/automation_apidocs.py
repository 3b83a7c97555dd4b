"""Shapes of Ongage's email messages, sending connections, mailings and events routes, for the
OpenAPI page only (handlers parse raw JSON; the fields are pinned in docs/automation.md)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mailroom.web.apidocs import RouteDoc

# --- email messages ------------------------------------------------------------------------------


class MessageWrite(BaseModel):
    name: str | None = Field(None, examples=["Welcome"])
    subject: str | None = Field(None, examples=["Hello {{first_name:there}}"])
    from_name: str | None = None
    from_address: str | None = Field(None, examples=["news@example.com"])
    reply_address: str | None = None
    content_html: str | None = Field(None, description="Dynamic fields: {{name}}, {{name:default}}")
    content_text: str | None = None
    list_id: int | None = None


class MessageRead(BaseModel):
    """An email message, read form (ids and times as strings, as Ongage shows them)."""

    model_config = ConfigDict(extra="allow")
    id: str
    list_id: str | None
    type: str = Field(examples=["email_message"])
    name: str
    subject: str
    from_name: str | None
    from_address: str | None
    reply_address: str | None
    content_html: str | None
    content_text: str | None
    created: str
    modified: str


# --- sending connections -------------------------------------------------------------------------


class ConnectionWrite(BaseModel):
    """An SMTP connection (esp_id 59, Private SMTP) or an outbox folder of .eml files."""

    model_config = ConfigDict(extra="allow")
    esp_id: int | None = Field(None, examples=[59])
    name: str | None = Field(None, examples=["Our relay"])
    host: str | None = None
    port: int | None = Field(None, examples=[587])
    encryption: Literal["none", "starttls", "tls"] | None = None
    username: str | None = None
    password: str | None = Field(None, description="Stored; never shown again")
    from_address: str | None = None
    from_name: str | None = None
    reply_address: str | None = None
    rate_per_second: float | None = None
    daily_quota: int | None = None
    folder: str | None = Field(None, description="Outbox connections: where .eml files go")
    active: bool | None = None


class ConnectionRead(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    esp_id: str
    esp_name: str
    name: str
    host: str | None
    port: int | None
    encryption: str | None
    username: str | None
    has_password: bool = Field(description="The password itself is never rendered")
    rate_per_second: float | None
    daily_quota: int | None
    active: bool
    created: str
    modified: str


class ConnectionOption(BaseModel):
    id: str
    esp_id: str
    esp_name: str
    support_transactional: str
    name: str


# --- mailings ------------------------------------------------------------------------------------


class MailingWrite(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str | None = Field(None, examples=["December newsletter"])
    email_message: list[int] | None = Field(None, examples=[[1]])
    segments: list[int] | None = None
    segments_excluded: list[int] | None = None
    schedule_date: int | str | None = Field(None, description="Unix seconds; none = send now")
    distribution: list[dict[str, Any]] | None = None
    register_only: bool | None = Field(None, description="A campaign sent by another system")
    list_id: int | None = None


class MailingRead(BaseModel):
    """A mailing with Ongage's status codes (60001 New ... 60004 Completed) and counts."""

    model_config = ConfigDict(extra="allow")
    id: str
    list_id: str | None
    name: str
    status: str = Field(examples=["60004"])
    status_desc: str = Field(examples=["Completed"])
    email_message: list[str]
    segments: list[str]
    segments_excluded: list[str]
    schedule_date: str | None
    register_only: bool
    recipients: str
    sent_count: str
    failed_count: str
    created: str
    modified: str


# --- events and triggers -------------------------------------------------------------------------


class TriggerWrite(BaseModel):
    model_config = ConfigDict(extra="allow")
    based_on: Literal["list_field", "mailing", "trigger", "list"] | None = None
    email_messages: list[int] | None = None
    days_diff: int | None = None
    operator: Literal["before", "after"] | None = None
    send_on_days: list[int] | None = None
    schedule_hour: int | None = None
    schedule_minute: int | None = None
    email_operator: str | None = Field(None, examples=["not_opened"])
    based_on_trigger: int | None = Field(None, description="1-based position of the parent")


class EventWrite(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str | None = Field(None, examples=["Birthday"])
    description: str | None = None
    based_on: Literal["mailing", "date_field", "recurring"] | None = None
    date_field_name: str | None = None
    mailing_id: int | None = None
    annually_event: bool | None = None
    ongoing_event: bool | None = None
    start_date: int | str | None = Field(None, description="Unix seconds, DD-MM-YYYY or YYYY-MM-DD")
    end_date: int | str | None = None
    segments: list[int] | None = None
    segments_excluded: list[int] | None = None
    distribution: list[dict[str, Any]] | None = None
    esp_connections_quota: dict[str, Any] | list[Any] | None = None
    emails_limit: int | None = None
    triggers: list[TriggerWrite] | None = None
    list_id: int | None = None


class TriggerRead(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    event_id: str
    position: int
    based_on: str
    email_messages: list[str]


class EventRead(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    list_id: str
    name: str
    based_on: str
    status: bool = Field(description="On or off")
    triggers: list[TriggerRead]
    created: str
    modified: str


class PreviewItem(BaseModel):
    contact_id: str
    email: str
    trigger: int = Field(description="The trigger's position")
    email_message_id: str
    time: int = Field(description="Unix seconds")
    date: str


def docs(envelope: Any) -> dict[tuple[str, str], RouteDoc]:
    """The routes' docs, each body in Ongage's `{metadata, payload}` made by `envelope`."""
    message = envelope("EmailMessageEnvelope", MessageRead)
    connection = envelope("ConnectionEnvelope", ConnectionRead)
    mailing = envelope("MailingEnvelope", MailingRead)
    event = envelope("EventEnvelope", EventRead)
    return {
        ("GET", "/api/emails"): RouteDoc(response=envelope("EmailMessages", list[MessageRead])),
        ("POST", "/api/emails"): RouteDoc(MessageWrite, message),
        ("GET", "/api/emails/{message_id}"): RouteDoc(response=message),
        ("PUT", "/api/emails/{message_id}"): RouteDoc(MessageWrite, message),
        ("DELETE", "/api/emails/{message_id}"): RouteDoc(response=message),
        ("GET", "/api/esp_connections/options"): RouteDoc(
            response=envelope("ConnectionOptions", list[ConnectionOption])
        ),
        ("GET", "/api/esp_connections"): RouteDoc(
            response=envelope("Connections", list[ConnectionRead])
        ),
        ("POST", "/api/esp_connections"): RouteDoc(ConnectionWrite, connection),
        ("GET", "/api/esp_connections/{connection_id}"): RouteDoc(response=connection),
        ("PUT", "/api/esp_connections/{connection_id}"): RouteDoc(ConnectionWrite, connection),
        ("DELETE", "/api/esp_connections/{connection_id}"): RouteDoc(response=connection),
        ("GET", "/api/mailings"): RouteDoc(response=envelope("Mailings", list[MailingRead])),
        ("POST", "/api/mailings"): RouteDoc(MailingWrite, mailing),
        ("GET", "/api/mailings/{mailing_id}"): RouteDoc(response=mailing),
        ("PUT", "/api/mailings/{mailing_id}/cancel"): RouteDoc(dict[str, Any], mailing),
        ("PUT", "/api/mailings/{mailing_id}/pause"): RouteDoc(dict[str, Any], mailing),
        ("PUT", "/api/mailings/{mailing_id}/resume"): RouteDoc(dict[str, Any], mailing),
        ("GET", "/api/events"): RouteDoc(response=envelope("Events", list[EventRead])),
        ("POST", "/api/events"): RouteDoc(EventWrite, event),
        ("GET", "/api/events/{event_id}"): RouteDoc(response=event),
        ("PUT", "/api/events/{event_id}"): RouteDoc(EventWrite, event),
        ("DELETE", "/api/events/{event_id}"): RouteDoc(response=event),
        ("PUT", "/api/events/{event_id}/status"): RouteDoc(dict[str, Any], event),
        ("GET", "/api/events/{event_id}/preview"): RouteDoc(
            response=envelope("EventPreview", list[PreviewItem])
        ),
    }
