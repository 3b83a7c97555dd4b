"""Shapes of the activity domain: a raw item as callers send it, and a validated event."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mailroom.activity.types import EventType, Source

# A raw item, as the bulk endpoint, imports, tracking and webhooks hand it to `service.ingest`:
# {
#   "type": "em_opens",                       # required, a name from activity.types
#   "contact_id": "<24-hex>"                  # or "list_id": 12 + "email": "a@b.c"
#   "at": "2026-01-01T10:00:00Z" | 1767261600000 (ms) | 1767261600 (s),   # default: now
#   "mailing_id": 7,                          # optional, a mailing of the account
#   "idempotency_key": "ses-0100018c...",     # optional; the same key twice is stored once
#   "link_url": "...", "link_id": 3, "device_type": "mobile", "bounce_code": "B",
#   "bounce_type": "hard" | "soft", "reason": "...", "user_agent": "...", "ip": "...",
#   "machine": true | false                  # optional; otherwise detected for opens/clicks
# }


@dataclass
class Event:
    """A validated event, resolved to internal ids, ready to store."""

    account_id: int
    list_id: int
    contact_id: int  # contacts.id
    type: EventType
    at_ms: int
    mailing_id: int | None = None
    link_id: int | None = None
    machine: bool = False
    source: Source = Source.API
    idem_key: str | None = None
    details: dict[str, Any] | None = None


@dataclass
class Rejected:
    index: int
    reason: str


@dataclass
class IngestResult:
    accepted: int = 0
    duplicates: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    event_ids: list[int] = field(default_factory=list)
