"""Query-string and path values of the console's pages, read leniently: a bad value is a 404 or
the default, never a 500."""

from __future__ import annotations

from mailroom.errors import NotFound

MAX_PAGE = 100_000


def path_id(value: str) -> int:
    """A numeric id from the path; anything else names nothing (404)."""
    if not value.isdigit() or len(value) > 18:
        raise NotFound("Not found")
    return int(value)


def page_number(value: str | None) -> int:
    return int(value) if value and value.isdigit() and 0 < int(value) < MAX_PAGE else 1


def event_cursor(value: str | None) -> tuple[int, int] | None:
    """`<at_ms>.<event id>`: where the previous page of a timeline ended."""
    if not value:
        return None
    at, _, event_id = value.partition(".")
    if not (at.isdigit() and event_id.isdigit() and len(at) < 19 and len(event_id) < 19):
        return None
    return int(at), int(event_id)
