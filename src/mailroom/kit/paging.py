"""Collection paging parameters shared by every dialect (sort, order, offset, limit)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    offset: int = 0
    limit: int = 50
    sort: str | None = None
    descending: bool = False
