"""Use cases of the segments domain: saved criteria of one list, and the contacts they select.

For other domains (automation's included and excluded segments, reports)::

    selection = contact_selection(conn, account_id, segment_id, clock=ctx.clock)
    selection.where                      # ColumnElement[bool] over tables.contacts
    criteria_service.matching_ids(selection)   # Select of contacts.id

A segment's criteria are checked when saved (412 naming the rule) and compiled again when used,
so a list field deleted since then is a 412 at use, never a 500.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from mailroom.context import Context
from mailroom.criteria import service as criteria_service
from mailroom.criteria.schemas import SEGMENT_FIELD, CompiledCriteria
from mailroom.criteria.service import StatusCounts
from mailroom.errors import NotFound, ValidationFailed
from mailroom.jobs import queue
from mailroom.kit.clock import Clock, now_s
from mailroom.lists import service as lists_service
from mailroom.segments import repository
from mailroom.segments.schemas import MAX_NAME, SEGMENT_NOT_FOUND, SEGMENT_TYPES, SegmentQuery


def get_segment(conn: Connection, account_id: int, segment_id: int) -> Any:
    row = repository.get_segment(conn, account_id, segment_id)
    if row is None:
        raise NotFound(SEGMENT_NOT_FOUND)
    return row


def find_segments(conn: Connection, account_id: int, query: SegmentQuery) -> tuple[list[Any], int]:
    if query.list_id is not None:
        lists_service.get_list(conn, account_id, query.list_id)
    rows = repository.find_segments(conn, account_id, query)
    return rows, repository.count_segments(conn, account_id, query)


def _flag(value: Any, key: str, errors: list[dict[str, str]]) -> bool:
    if value in (True, 1, "1", "true"):
        return True
    if value in (False, 0, "0", "false", None, ""):
        return False
    errors.append({"field": key, "message": f"{key} must be 0 or 1"})
    return False


def _validated(data: dict[str, Any], current: Any = None) -> dict[str, Any]:
    """Column values from a segment body (only the keys present when updating)."""
    errors: list[dict[str, str]] = []
    values: dict[str, Any] = {}
    if current is None or "name" in data:
        name = data.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
            errors.append(
                {"field": "name", "message": f"name is required (at most {MAX_NAME} characters)"}
            )
        else:
            values["name"] = name.strip()
    if "type" in data or current is None:
        kind = data.get("type") or "Active"
        match = next((t for t in SEGMENT_TYPES if str(kind).lower() == t.lower()), None)
        if match is None:
            message = f"type must be one of: {', '.join(SEGMENT_TYPES)}"
            errors.append({"field": "type", "message": message})
        values["type"] = match
    if "description" in data:
        description = data["description"]
        if description is not None and not isinstance(description, str):
            errors.append({"field": "description", "message": "description must be text"})
        values["description"] = description or ""
    if "favorite" in data:
        values["favorite"] = _flag(data["favorite"], "favorite", errors)
    if errors:
        messages = "; ".join(e["message"] for e in errors)
        raise ValidationFailed(f"Invalid segment: {messages}", errors=errors)
    return values


def _compiled(
    conn: Connection,
    clock: Clock,
    account_id: int,
    list_id: int,
    criteria: Any,
    segment_id: int | None,
) -> CompiledCriteria:
    return criteria_service.compile_criteria(
        conn, account_id, list_id, criteria, clock=clock, segment_id=segment_id
    )


def create_segment(
    conn: Connection, clock: Clock, account_id: int, list_id: int, data: dict[str, Any]
) -> Any:
    """A new segment of a list; its criteria are checked before anything is written."""
    lists_service.get_list(conn, account_id, list_id)
    values = _validated(data)
    compiled = _compiled(conn, clock, account_id, list_id, data.get("criteria"), None)
    now = now_s(clock)
    segment_id = repository.insert_segment(
        conn,
        {
            "description": "",
            "favorite": False,
            **values,
            "account_id": account_id,
            "list_id": list_id,
            "criteria": compiled.written(),
            "created": now,
            "modified": now,
        },
    )
    return get_segment(conn, account_id, segment_id)


def update_segment(
    conn: Connection, clock: Clock, account_id: int, segment_id: int, data: dict[str, Any]
) -> Any:
    """Change a segment's name, type, description, favorite flag or criteria."""
    current = get_segment(conn, account_id, segment_id)
    if data.get("list_id") not in (None, "") and str(data["list_id"]) != str(current.list_id):
        message = "a segment cannot move to another list"
        raise ValidationFailed(message, errors=[{"field": "list_id", "message": message}])
    values = _validated(data, current)
    if "criteria" in data:
        compiled = _compiled(conn, clock, account_id, current.list_id, data["criteria"], segment_id)
        values["criteria"] = compiled.written()
    values["modified"] = now_s(clock)
    repository.update_segment(conn, segment_id, values)
    return get_segment(conn, account_id, segment_id)


def _nests(criteria: Any, segment_id: int) -> bool:
    return any(
        isinstance(rule, dict)
        and rule.get("field_name") == SEGMENT_FIELD
        and str(segment_id) in {str(v) for v in rule.get("operand") or []}
        for rule in criteria or []
    )


def delete_segment(conn: Connection, account_id: int, segment_id: int) -> Any:
    """Delete a segment no other segment nests (those would stop compiling)."""
    current = get_segment(conn, account_id, segment_id)
    users = [
        r
        for r in repository.criteria_of_list(conn, current.list_id)
        if r.id != segment_id and _nests(r.criteria, segment_id)
    ]
    if users:
        names = ", ".join(f"{r.id} ({r.name})" for r in users)
        message = f"segment {segment_id} is used by other segments: {names}"
        raise ValidationFailed(message, errors=[{"field": "id", "message": message}])
    repository.delete_segment(conn, segment_id)
    return current


def contact_selection(
    conn: Connection,
    account_id: int,
    segment_id: int,
    *,
    user_type: str = "all",
    clock: Clock | None = None,
) -> CompiledCriteria:
    """The contacts a segment selects now (404 unknown segment, 412 criteria that no longer
    compile)."""
    row = get_segment(conn, account_id, segment_id)
    return criteria_service.compile_criteria(
        conn,
        account_id,
        row.list_id,
        row.criteria,
        user_type=user_type,
        clock=clock,
        segment_id=segment_id,
    )


def count_segment(
    conn: Connection, clock: Clock, account_id: int, segment_id: int, ctx: Context | None = None
) -> StatusCounts:
    """A segment's contacts by status; with `ctx`, counted on the replica when it can answer.
    Only reads: a count can take a while, and no write should wait on it (see `keep_count`)."""
    selection = contact_selection(conn, account_id, segment_id, clock=clock)
    return criteria_service.count_by_status(conn, selection, ctx)


def keep_count(
    conn: Connection, clock: Clock, account_id: int, segment_id: int, counts: StatusCounts
) -> Any:
    """Keep a count on the segment: `last_count` is its active contacts (those a mailing
    reaches), `last_count_date` now. The segment row; 404 when it was deleted meanwhile."""
    get_segment(conn, account_id, segment_id)
    repository.update_segment(
        conn, segment_id, {"last_count": counts.active, "last_count_date": now_s(clock)}
    )
    return get_segment(conn, account_id, segment_id)


COUNT_JOB = "segments.count"
COUNT_EVERY_S = 3600


def counts_due(clock: Clock, rows: list[Any]) -> list[Any]:
    """The segments not counted within the hour."""
    now = now_s(clock)
    return [
        r
        for r in rows
        if r.last_count_date is None or now - int(r.last_count_date) >= COUNT_EVERY_S
    ]


def request_counts(conn: Connection, clock: Clock, account_id: int, rows: list[Any]) -> None:
    """Queue a background count of each of these segments, once per hour however often asked,
    so pages show counts without counting on request."""
    bucket = now_s(clock) // COUNT_EVERY_S
    for row in rows:
        queue.enqueue(
            conn,
            clock,
            COUNT_JOB,
            {"account_id": account_id, "segment_id": int(row.id)},
            dedupe_key=f"{COUNT_JOB}:{row.id}:{bucket}",
            max_attempts=2,
        )
