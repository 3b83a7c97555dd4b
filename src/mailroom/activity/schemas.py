"""Shapes of the activity domain: a raw item as callers send it, and a validated event."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, Field

# A raw item, as the bulk endpoint, imports, tracking and webhooks hand it to `service.ingest`
# (validated by `activity.parse`; unknown keys are ignored):
# {
#   "type": "em_opens",                       # required, a name from activity.types
#   "contact_id": "<24-hex>"                  # or "email": "a@b.c" (+ "list_id": 12, else the
#                                             #    caller's default list)
#   "at": "2026-01-01T10:00:00Z" | 1767261600000 (ms) | 1767261600 (s),   # default: now
#   "mailing_id": 7,                          # optional, a mailing of the account, or
#   "campaign_activity_id": "<uuid>",         #    the same mailing by its Constant Contact id
#   "idempotency_key": "ses-0100018c...",     # optional; the same key twice is stored once
#   "link_url": "...", "link_id": 3,          # clicks: the URL (a link id is made) or a link id
#   "device_type": "mobile", "user_agent": "...", "ip": "...",
#   "bounce_type": "hard" | "soft", "bounce_code": "B", "smtp_status": "5.1.1",
#   "diagnostic": "...", "reason": "..." (opt-out reason; "opt_out_reason" also read),
#   "machine": true | false                  # optional; otherwise detected for opens/clicks
# }


@dataclass
class Rejected:
    index: int
    reason: str


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    stored: list[tuple[int, int]] = field(default_factory=list)  # (item index, event id)

    @property
    def event_ids(self) -> list[int]:
        """The ids of the stored events in item order (they are stored in another order)."""
        return [event_id for _, event_id in sorted(self.stored)]

    def as_json(self) -> dict[str, Any]:
        """The bulk endpoint's and the import command's summary."""
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": len(self.rejected),
            "errors": [{"index": r.index, "reason": r.reason} for r in self.rejected],
        }


EventTypeName = Literal[
    "em_sends",
    "em_opens",
    "em_clicks",
    "em_bounces",
    "em_optouts",
    "em_forwards",
    "em_complaints",
    "p_contact_open",
    "p_contact_click",
    "p_contact_add",
    "p_contact_update",
]


class EventItem(BaseModel):
    """One event of the bulk endpoint, for the OpenAPI page (items are parsed by `parse`)."""

    type: EventTypeName
    contact_id: str | None = Field(None, description="The contact's id; or give email.")
    email: str | None = Field(None, description="With list_id (default: the account's list).")
    list_id: int | None = None
    at: str | int | None = Field(
        None, description="ISO 8601, Unix ms or Unix s; default now; at most a day ahead."
    )
    mailing_id: int | None = None
    campaign_activity_id: str | None = Field(None, description="A mailing's Constant Contact id.")
    idempotency_key: str | None = Field(
        None, max_length=128, description="Stored once per account; repeats count as duplicates."
    )
    link_url: str | None = None
    link_id: int | None = None
    device_type: str | None = None
    user_agent: str | None = None
    ip: str | None = None
    bounce_type: Literal["hard", "soft"] | None = Field(
        None, description="Default: from bounce_code (F, S, V, X, Z soft), else hard."
    )
    bounce_code: Literal["B", "D", "F", "S", "V", "X", "Z"] | None = None
    smtp_status: str | None = None
    diagnostic: str | None = None
    reason: str | None = Field(None, description="Opt-out reason.")
    machine: bool | None = Field(
        None, description="Made by a proxy or scanner; detected for opens and clicks if omitted."
    )


class ItemError(BaseModel):
    index: int
    reason: str


class IngestResponse(BaseModel):
    accepted: int
    duplicates: int
    rejected: int
    errors: list[ItemError]
