"""Typed shapes of the lists domain: what a list may be, how lists are queried and counted."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SENDING = "sending"
SUPPRESSION = "suppression"
LIST_TYPES = (SENDING, SUPPRESSION)
SUPPRESSION_SCOPES = ("global", "campaign")
SORTABLE = ("id", "name", "type", "created", "modified")
MAX_NAME = 255
MAX_DESCRIPTION = 65_535


@dataclass(frozen=True)
class ListCounts:
    """Contacts of one list by status, counted live from the contacts table."""

    total: int = 0
    active: int = 0
    unsubscribed: int = 0
    bounced: int = 0
    complaints: int = 0


@dataclass(frozen=True)
class ListView:
    """A list row with its live counts: what every dialect renders."""

    row: Any
    counts: ListCounts
    default: bool = False


@dataclass(frozen=True)
class ListQuery:
    name: str | None = None
    type: str | None = None
    sort: str = "id"
    descending: bool = False
    offset: int = 0
    limit: int | None = None


@dataclass(frozen=True)
class DeleteImplications:
    """What deleting a list also removes, and whether it may be deleted at all."""

    can_delete: bool
    contacts: int
    list_fields: int
    segments: int
    automation_events: int
    reports: int
    mailings_detached: int
