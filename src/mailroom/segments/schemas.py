"""Typed shapes of the segments domain."""

from __future__ import annotations

from dataclasses import dataclass

SEGMENT_TYPES = ("Active", "Test")
SORTABLE = (
    "id",
    "name",
    "type",
    "favorite",
    "last_count",
    "last_count_date",
    "created",
    "modified",
)
MAX_NAME = 255
SEGMENT_NOT_FOUND = "Segment not found"


@dataclass(frozen=True)
class SegmentQuery:
    list_id: int | None = None
    sort: str = "id"
    descending: bool = False
    offset: int = 0
    limit: int | None = None
