"""Path ids of Ongage routes: a non-number is as unknown as a missing row (404)."""

from __future__ import annotations

from mailroom.errors import NotFound


def path_id(raw: str, not_found: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise NotFound(not_found) from None
