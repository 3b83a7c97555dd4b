"""Typed shapes of contact searches and contact counts, and the parsing of their requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mailroom.criteria.service import StatusCounts

SEARCH = "contact_search"
COUNTS = "contact_counts"
PENDING, COMPLETED, FAILED = 1, 2, 3
STATUS_DESC = {PENDING: "Pending", COMPLETED: "Completed", FAILED: "Failed"}
SORTABLE = ("id", "title", "status", "created", "completed")
SEARCH_NOT_FOUND = "Contact search not found"
COUNTS_NOT_FOUND = "Contact count not found"
MAX_TITLE = 255

# What a contact search row may show: the contact object's own keys and the list's fields.
SYSTEM_COLUMNS = (
    "email",
    "id",
    "ocx_status",
    "ocx_created_date",
    "ocx_unsubscribe_date",
    "ocx_resubscribe_date",
    "ocx_bounce_date",
    "ocx_complaint_date",
    "ocx_import_id",
)
# Activity columns belong to contact activity reports, not to searches.
ACTIVITY_COLUMNS = frozenset(
    {
        "sent",
        "opens",
        "clicks",
        "machine_opens",
        "machine_clicks",
        "unsubscribe",
        "complains",
        "bounces",
        "last_sent_date",
        "last_open_date",
        "last_click_date",
    }
)


@dataclass(frozen=True)
class SearchSpec:
    """A contact search as stored: its filters in the normalised write form."""

    title: str
    criteria: list[dict[str, Any]] = field(default_factory=list)
    user_type: str = "all"
    combined_as_and: bool = False
    selected_fields: list[str] = field(default_factory=list)  # empty: the whole contact
    include_behavior: bool = False  # accepted; a search never adds activity columns

    def stored(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "filters": {"criteria": self.criteria, "user_type": self.user_type},
            "combined_as_and": self.combined_as_and,
            "selected_fields": self.selected_fields,
            "include_behavior": self.include_behavior,
        }

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> SearchSpec:
        filters = data.get("filters") or {}
        return cls(
            title=str(data.get("title") or ""),
            criteria=list(filters.get("criteria") or []),
            user_type=str(filters.get("user_type") or "all"),
            combined_as_and=bool(data.get("combined_as_and")),
            selected_fields=list(data.get("selected_fields") or []),
            include_behavior=bool(data.get("include_behavior")),
        )


@dataclass(frozen=True)
class Counts:
    """A stored contact count."""

    id: int
    list_id: int
    segment_id: int | None
    active: int
    unsubscribed: int
    bounced: int
    complaint: int
    created: int

    @property
    def total(self) -> int:
        return self.active + self.unsubscribed + self.bounced + self.complaint


@dataclass(frozen=True)
class Counted:
    """A count answered, not stored yet (see `store_counts`)."""

    list_id: int
    request: dict[str, Any]
    counts: StatusCounts
    segment_id: int | None = None
