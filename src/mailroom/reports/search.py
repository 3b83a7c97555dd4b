"""Contact search (create, run as a job, page, stream, delete) and contact counts.

Searches and counts are rows of the `reports` table (kinds contact_search and contact_counts)
beside contact activity reports. A search is validated whole when created (a 412 lists every
problem), stored as a pending row and run by the `contact_search.run` job: the criteria compile
again and one INSERT ... SELECT stores the matching ids, so no result passes through Python.
Its pages and export read the matched contacts as they are now. A count is answered when asked.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection

from mailroom.contacts import service as contacts_service
from mailroom.contacts.schemas import Contact
from mailroom.context import Context
from mailroom.criteria import service as criteria_service
from mailroom.criteria.schemas import InvalidCriteria
from mailroom.errors import NotFound, ValidationFailed
from mailroom.fields import service as fields_service
from mailroom.jobs import queue
from mailroom.kit import ids
from mailroom.kit.clock import Clock, now_s
from mailroom.kit.flags import read_flag
from mailroom.reports import repository
from mailroom.reports.search_schemas import (
    ACTIVITY_COLUMNS,
    COMPLETED,
    COUNTS,
    COUNTS_NOT_FOUND,
    FAILED,
    MAX_TITLE,
    PENDING,
    SEARCH,
    SEARCH_NOT_FOUND,
    SYSTEM_COLUMNS,
    Counted,
    Counts,
    SearchSpec,
)
from mailroom.segments import service as segments_service

JOB = "contact_search.run"


def _flag(body: dict[str, Any], key: str, problems: list[dict[str, Any]]) -> bool:
    """A true/false of the body (or of its filters): a value that is neither is a problem."""
    filters = body.get("filters")
    value = body.get(key, filters.get(key) if isinstance(filters, dict) else None)
    found = read_flag(value)
    if found is None:
        problems.append({"field": key, "message": f"{key} must be true or false"})
        return False
    return found


def parse_search(
    conn: Connection, clock: Clock, account_id: int, list_id: int, body: Any
) -> SearchSpec:
    """A search request checked whole: title, filters, selected_fields; every problem at once."""
    if not isinstance(body, dict):
        message = "The request body must be a JSON object"
        raise ValidationFailed(message, errors=[{"field": "", "message": message}])
    problems: list[dict[str, Any]] = []
    title = body.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > MAX_TITLE:
        problems.append(
            {"field": "title", "message": f"title is required (at most {MAX_TITLE} characters)"}
        )
    filters = body.get("filters") or {}
    if not isinstance(filters, dict):
        problems.append({"field": "filters", "message": "filters must be an object"})
        filters = {}
    combined = _flag(body, "combined_as_and", problems)
    written: list[dict[str, Any]] = []
    user_type = "all"
    try:
        compiled = criteria_service.compile_criteria(
            conn,
            account_id,
            list_id,
            filters.get("criteria"),
            user_type=filters.get("user_type"),
            combined_as_and=combined,
            clock=clock,
        )
        written, user_type = compiled.written(), compiled.user_type
    except InvalidCriteria as exc:
        problems.extend({**e, "field": f"filters.{e['field']}"} for e in exc.errors)
    include_behavior = _flag(body, "include_behavior", problems)
    selected = body.get("selected_fields") or []
    if not isinstance(selected, list) or not all(isinstance(s, str) for s in selected):
        problems.append(
            {"field": "selected_fields", "message": "selected_fields must be an array of names"}
        )
        selected = []
    known = set(SYSTEM_COLUMNS) | {
        f.name for f in fields_service.schema_of_list(conn, list_id).custom()
    }
    for name in selected:
        if name in ACTIVITY_COLUMNS:
            message = f"'{name}' is an activity column: ask /api/contact_activity for it"
            problems.append({"field": "selected_fields", "message": message})
        elif name not in known:
            message = f"'{name}' is not a field of this list"
            problems.append({"field": "selected_fields", "message": message})
    if problems:
        messages = "; ".join(str(p["message"]) for p in problems)
        raise ValidationFailed(f"Invalid contact search: {messages}", errors=problems)
    return SearchSpec(
        title=str(title).strip(),
        criteria=written,
        user_type=user_type,
        combined_as_and=combined,
        selected_fields=list(dict.fromkeys(selected)),
        include_behavior=include_behavior,
    )


def create_search(conn: Connection, clock: Clock, account_id: int, list_id: int, body: Any) -> Any:
    """Store a pending search and queue the job that runs it, in the caller's transaction."""
    spec = parse_search(conn, clock, account_id, list_id, body)
    report_id = repository.insert_report(
        conn,
        {
            "account_id": account_id,
            "list_id": list_id,
            "kind": SEARCH,
            "title": spec.title,
            "request": spec.stored(),
            "status": PENDING,
            "created": now_s(clock),
        },
    )
    queue.enqueue(conn, clock, JOB, {"report_id": report_id}, dedupe_key=f"{JOB}:{report_id}")
    return get_search(conn, account_id, report_id)


def run_search(conn: Connection, clock: Clock, report_id: int) -> None:
    """Find the search's contacts and store them; criteria broken since creation (a field
    deleted) fail the search with the reason instead of leaving it pending."""
    row = repository.report_by_id(conn, report_id)
    if row is None or row.kind != SEARCH:
        return  # deleted before it ran
    spec = SearchSpec.from_stored(row.request)
    try:
        compiled = criteria_service.compile_criteria(
            conn,
            row.account_id,
            row.list_id,
            spec.criteria,
            user_type=spec.user_type,
            combined_as_and=spec.combined_as_and,
            clock=clock,
        )
    except (InvalidCriteria, NotFound) as exc:
        repository.update_report(
            conn, report_id, {"status": FAILED, "error": exc.message, "completed": now_s(clock)}
        )
        return
    found = repository.store_search_results(
        conn, report_id, criteria_service.matching_ids(compiled)
    )
    repository.update_report(
        conn,
        report_id,
        {"status": COMPLETED, "row_count": found, "error": None, "completed": now_s(clock)},
    )


def get_search(conn: Connection, account_id: int, report_id: int) -> Any:
    row = repository.get_report(conn, account_id, report_id, SEARCH)
    if row is None:
        raise NotFound(SEARCH_NOT_FOUND)
    return row


def find_searches(
    conn: Connection,
    account_id: int,
    list_id: int | None,
    *,
    sort: str,
    descending: bool,
    offset: int,
    limit: int | None,
) -> tuple[list[Any], int]:
    return repository.find_reports(
        conn,
        account_id,
        SEARCH,
        list_id,
        sort=sort,
        descending=descending,
        offset=offset,
        limit=limit,
    )


def delete_search(conn: Connection, account_id: int, report_id: int) -> Any:
    row = get_search(conn, account_id, report_id)
    repository.delete_report(conn, report_id)
    return row


def completed(row: Any) -> None:
    """A 412 unless the search has completed (pending, or failed with its reason)."""
    if row.status == COMPLETED:
        return
    if row.status == FAILED:
        message = f"The contact search failed: {row.error}"
    else:
        message = "The contact search is not completed yet (status 1, Pending)"
    raise ValidationFailed(message, errors=[{"field": "status", "message": message}])


def result_page(
    conn: Connection,
    account_id: int,
    report_id: int,
    *,
    sort: str = "id",
    descending: bool = False,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[Any, list[Contact], int]:
    """(search, a page of the contacts it found, their total)."""
    row = get_search(conn, account_id, report_id)
    completed(row)
    rows, total = contacts_service.page_among(
        conn,
        row.list_id,
        repository.search_result_ids(report_id),
        sort=sort,
        descending=descending,
        offset=offset,
        limit=limit,
    )
    return row, rows, total


def stream_results(conn: Connection, row: Any) -> Iterator[list[Contact]]:
    """Every contact a completed search found, by id, a chunk at a time."""
    completed(row)
    return contacts_service.stream_among(conn, row.list_id, repository.search_result_ids(row.id))


# --- contact counts ---------------------------------------------------------------------------


def count_contacts(
    conn: Connection,
    clock: Clock,
    account_id: int,
    list_id: int,
    body: Any,
    ctx: Context | None = None,
) -> Counted:
    """Count a segment's contacts (`segment_id`) or criteria's (`criteria`, with `user_type`
    and `combined_as_and`) by status. With `ctx`, counted on the replica when it can answer.
    Only reads: the caller stores the answer in a short write afterwards."""
    if not isinstance(body, dict):
        message = "The request body must be a JSON object"
        raise ValidationFailed(message, errors=[{"field": "", "message": message}])
    segment_id = body.get("segment_id")
    if segment_id not in (None, ""):
        try:
            segment = ids.positive_int(segment_id, "segment_id")
        except ValueError as exc:
            message = str(exc)
            raise ValidationFailed(
                message, errors=[{"field": "segment_id", "message": message}]
            ) from None
        row = segments_service.get_segment(conn, account_id, segment)
        counts = segments_service.count_segment(conn, clock, account_id, segment, ctx)
        return Counted(int(row.list_id), {"segment_id": segment}, counts, segment)
    filters: dict[str, Any] = body["filters"] if isinstance(body.get("filters"), dict) else body
    if "criteria" not in filters:
        message = "give a segment_id or criteria"
        raise ValidationFailed(message, errors=[{"field": "criteria", "message": message}])
    problems: list[dict[str, Any]] = []
    combined = _flag(body, "combined_as_and", problems)
    if problems:
        raise ValidationFailed(str(problems[0]["message"]), errors=problems)
    compiled = criteria_service.compile_criteria(
        conn,
        account_id,
        list_id,
        filters.get("criteria"),
        user_type=filters.get("user_type"),
        combined_as_and=combined,
        clock=clock,
    )
    counts = criteria_service.count_by_status(conn, compiled, ctx)
    return Counted(
        list_id, {"criteria": compiled.written(), "user_type": compiled.user_type}, counts
    )


def store_counts(conn: Connection, clock: Clock, account_id: int, counted: Counted) -> Counts:
    """Store a count as a contact_counts row (a segment's also keeps it as its last_count)."""
    counts = counted.counts
    if counted.segment_id is not None:
        segments_service.keep_count(conn, clock, account_id, counted.segment_id, counts)
    now = now_s(clock)
    values = {
        "active": counts.active,
        "unsubscribed": counts.unsubscribed,
        "bounced": counts.bounced,
        "complaint": counts.complaint,
    }
    report_id = repository.insert_report(
        conn,
        {
            "account_id": account_id,
            "list_id": counted.list_id,
            "kind": COUNTS,
            "title": "contact counts",
            "request": counted.request,
            "status": COMPLETED,
            "row_count": counts.total,
            "result": values,
            "created": now,
            "completed": now,
        },
    )
    return get_counts(conn, account_id, report_id)


def get_counts(conn: Connection, account_id: int, counts_id: int) -> Counts:
    row = repository.get_report(conn, account_id, counts_id, COUNTS)
    if row is None:
        raise NotFound(COUNTS_NOT_FOUND)
    result = row.result or {}
    return Counts(
        id=int(row.id),
        list_id=int(row.list_id),
        segment_id=(row.request or {}).get("segment_id"),
        active=int(result.get("active", 0)),
        unsubscribed=int(result.get("unsubscribed", 0)),
        bounced=int(result.get("bounced", 0)),
        complaint=int(result.get("complaint", 0)),
        created=int(row.created),
    )
