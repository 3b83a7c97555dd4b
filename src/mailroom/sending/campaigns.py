"""Mailings through the API: validate, register or schedule, start (claim every recipient at
once, set-wise), cancel, pause and resume."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Select, String, cast, literal, select

from mailroom.automation import audience
from mailroom.automation.due import message_choice
from mailroom.context import Context
from mailroom.db.tables import contacts
from mailroom.errors import Conflict, ValidationFailed
from mailroom.esp import distribution as dist
from mailroom.esp import service as esp_service
from mailroom.jobs import queue
from mailroom.kit.bounds import LAST_S, MAX_BIGINT
from mailroom.kit.clock import Clock, now_s
from mailroom.kit.flags import read_flag
from mailroom.mailings import schemas as st
from mailroom.mailings import service as mailings_service
from mailroom.messages import service as messages_service
from mailroom.sending import deliver
from mailroom.sending import repository as repo

START_JOB = "sending.start_mailing"
DELIVER_JOB = "sending.deliver"


def _ids(value: Any, key: str, errors: list[dict[str, str]], *, required: bool) -> list[int]:
    if value is None or value == []:
        if required:
            errors.append({"field": key, "message": f"{key} is required (an array of ids)"})
        return []
    items = value if isinstance(value, list) else [value]
    out: list[int] = []
    for item in items:
        if isinstance(item, bool):
            item = None
        try:
            number = int(item)
        except (TypeError, ValueError):
            number = None
        if number is None or not 0 <= number <= MAX_BIGINT:  # beyond an id column: refused
            errors.append({"field": key, "message": f"{key} must be an array of whole numbers"})
            return []
        out.append(number)
    return out


def _flag(value: Any, key: str, errors: list[dict[str, str]]) -> bool:
    """True or false; anything else is an error, never a guess (a guessed false would send)."""
    found = read_flag(value)
    if found is None:
        errors.append({"field": key, "message": f"{key} must be true or false"})
        return True  # checked no further as a send
    return found


def create_mailing(conn: Connection, clock: Clock, account_id: int, list_id: int, data: Any) -> Any:
    """A mailing: registered (sent elsewhere), scheduled, or sent now (a job starts it)."""
    if not isinstance(data, dict):
        raise ValidationFailed(
            "The request body must be a JSON object",
            errors=[{"field": "", "message": "expected a JSON object"}],
        )
    errors: list[dict[str, str]] = []
    register_only = _flag(data.get("register_only", False), "register_only", errors)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        errors.append({"field": "name", "message": "name is required"})
    messages = _ids(data.get("email_message"), "email_message", errors, required=not register_only)
    included = _ids(data.get("segments"), "segments", errors, required=not register_only)
    excluded = _ids(data.get("segments_excluded"), "segments_excluded", errors, required=False)
    if missing := messages_service.missing_messages(conn, account_id, messages):
        errors.append({"field": "email_message", "message": f"email messages not found: {missing}"})
    for key, ids in (("segments", included), ("segments_excluded", excluded)):
        for message in audience.segment_problems(conn, account_id, list_id, ids):
            errors.append({"field": key, "message": message})
    schedule = data.get("schedule_date")
    schedule_s: int | None = None
    if schedule not in (None, "", 0):
        try:
            schedule_s = int(schedule)
        except (TypeError, ValueError):
            schedule_s = None
        if schedule_s is None or not 0 < schedule_s <= LAST_S:  # later is no date
            schedule_s = None
            errors.append(
                {"field": "schedule_date", "message": "schedule_date must be Unix seconds"}
            )
    raw_distribution = data.get("distribution") or []
    if raw_distribution or not register_only:
        known = esp_service.connections_by_id(conn, account_id)
        if raw_distribution:
            _, problems = dist.parse(raw_distribution, known)
            errors.extend(problems)
        elif not any(r.active for r in known.values()):
            errors.append(
                {"field": "distribution", "message": "no distribution and no active ESP connection"}
            )
    if errors:
        raise ValidationFailed(
            "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors
        )
    now = now_s(clock)
    status = st.COMPLETED if register_only else (st.SCHEDULED if schedule_s else st.NEW)
    mailing_id = mailings_service.insert_mailing(
        conn,
        {
            "account_id": account_id,
            "list_id": list_id,
            "name": name,
            "description": str(data.get("description") or ""),
            "campaign_activity_id": str(data.get("campaign_activity_id") or uuid.uuid4()),
            "type": "campaign",
            "status": status,
            "email_message_id": messages[0] if messages else None,
            "email_messages": messages,
            "segments": included,
            "segments_excluded": excluded,
            "distribution": raw_distribution,
            "schedule_date": schedule_s,
            "register_only": register_only,
            "created": now,
            "modified": now,
            "sent": (schedule_s or now) if register_only else None,
        },
    )
    if not register_only:
        run_at = max(schedule_s or 0, now) * 1000
        queue.enqueue(
            conn,
            clock,
            START_JOB,
            {"mailing_id": mailing_id},
            run_at_ms=run_at,
            dedupe_key=f"{START_JOB}:{mailing_id}",
        )
    return mailings_service.get_mailing(conn, account_id, mailing_id)


def due_rows(
    conn: Connection,
    account_id: int,
    *,
    key_prefix: str,
    mailing_id: int,
    trigger_id: int | None,
    message_ids: Sequence[int],
    due_ms: Any,
    now_ms: int,
    where: Any,
    segment: Any,
    key_suffix: str = "",
) -> Select[Any]:
    """The INSERT ... SELECT source of new sends (columns as `repo.INSERT_COLUMNS`)."""
    key = literal(key_prefix) + cast(contacts.c.id, String)
    if key_suffix:
        key = key + literal(key_suffix)
    return select(
        literal(account_id),
        key,
        literal(mailing_id),
        literal(trigger_id),
        contacts.c.id,
        message_choice(message_ids),
        due_ms,
        literal(repo.QUEUED),
        literal(now_ms),
        segment,
    ).where(where)


def enqueue_delivery(
    conn: Connection, clock: Clock, workers: int = 1, follow_up: int | None = None
) -> None:
    """Delivery jobs, so that `workers` of them wait to run. Sends claimed after a running
    job's last look are found by a waiting one, not left for the next minute's tick; when
    enough wait already, this adds nothing. A job that ran out of its time budget enqueues its
    follow-up under its own id."""
    if follow_up is not None:
        queue.enqueue(conn, clock, DELIVER_JOB, {}, dedupe_key=f"{DELIVER_JOB}:after:{follow_up}")
        return
    for _ in range(queue.waiting(conn, DELIVER_JOB), workers):
        queue.enqueue(conn, clock, DELIVER_JOB, {})


def cancel(conn: Connection, clock: Clock, account_id: int, mailing_id: int) -> Any:
    row = mailings_service.get_mailing(conn, account_id, mailing_id)
    movable = (st.NEW, st.SCHEDULED, st.IN_PROGRESS, st.ON_HOLD)
    if not mailings_service.move_status(conn, clock, mailing_id, st.CANCELLED, movable):
        raise Conflict(f"A mailing in status {st.STATUS_DESC.get(row.status)} cannot be cancelled")
    repo.skip_open(conn, mailing_id)
    return mailings_service.get_mailing(conn, account_id, mailing_id)


def pause(conn: Connection, clock: Clock, account_id: int, mailing_id: int) -> Any:
    row = mailings_service.get_mailing(conn, account_id, mailing_id)
    if not mailings_service.move_status(conn, clock, mailing_id, st.ON_HOLD, (st.IN_PROGRESS,)):
        raise Conflict(f"A mailing in status {st.STATUS_DESC.get(row.status)} cannot be paused")
    return mailings_service.get_mailing(conn, account_id, mailing_id)


def resume(conn: Connection, clock: Clock, account_id: int, mailing_id: int) -> Any:
    row = mailings_service.get_mailing(conn, account_id, mailing_id)
    if not mailings_service.move_status(conn, clock, mailing_id, st.IN_PROGRESS, (st.ON_HOLD,)):
        raise Conflict(f"A mailing in status {st.STATUS_DESC.get(row.status)} cannot be resumed")
    enqueue_delivery(conn, clock)
    return mailings_service.get_mailing(conn, account_id, mailing_id)


def run_start(ctx: Context, mailing_id: int) -> int:
    """Start a mailing: claim a send for every recipient (`claim_chunks`), then move it to In
    Progress; the number of recipients (0 if it was not New or Scheduled, or was cancelled
    while it was claimed)."""
    now_ms = ctx.clock.now_ms()
    for _ in claim_chunks(ctx, mailing_id, now_ms):
        pass
    with ctx.db.write() as conn:
        return _started(conn, ctx, mailing_id, now_ms)


def claim_chunks(ctx: Context, mailing_id: int, now_ms: int) -> Iterator[int]:
    """A mailing's claims in chunks of contact ids, each one ``INSERT ... SELECT`` committed
    (delivery enqueued with it) before its count is yielded.

    The mailing stays New (or Scheduled) meanwhile: delivery already sends what is claimed, but
    cannot complete the mailing before its last chunk; a cancel stops the claiming. A start cut
    short is run again by its job, the claimed chunks skipped by their keys."""
    with ctx.db.write() as conn:
        row = mailings_service.find_mailing_any(conn, mailing_id)
        if row is None or row.status not in (st.NEW, st.SCHEDULED):
            return
        query = due_rows(
            conn,
            row.account_id,
            key_prefix=f"m:{mailing_id}:",
            mailing_id=mailing_id,
            trigger_id=None,
            message_ids=row.email_messages or [row.email_message_id],
            due_ms=literal(now_ms),
            now_ms=now_ms,
            where=audience.where(conn, row.account_id, row.segments, row.segments_excluded),
            segment=audience.segment(conn, row.account_id, row.segments or []),
        )
    size = max(1, ctx.settings.automation_chunk)
    low: int | None = None
    while True:
        with ctx.db.write() as conn:
            current = mailings_service.find_mailing_any(conn, mailing_id)
            if current is None or current.status not in (st.NEW, st.SCHEDULED):
                return  # cancelled (or deleted) meanwhile
            high = repo.contact_chunk_end(conn, row.account_id, low, size)
            chunk = query.where(contacts.c.id > low) if low is not None else query
            if high is not None:
                chunk = chunk.where(contacts.c.id <= high)
            made = repo.insert_due(conn, chunk)
            if made:
                enqueue_delivery(conn, ctx.clock)
        yield made
        if high is None:
            return
        low = high


def _started(conn: Connection, ctx: Context, mailing_id: int, now_ms: int) -> int:
    recipients = repo.count_for(conn, repo.sends_of(mailing_id))
    status = st.IN_PROGRESS if recipients else st.COMPLETED
    if not mailings_service.move_status(
        conn, ctx.clock, mailing_id, status, (st.NEW, st.SCHEDULED)
    ):
        return 0
    mailings_service.update_mailing(
        conn, mailing_id, {"recipients": recipients, "sent": now_ms // 1000}
    )
    if recipients:  # delivery may have handled every send already
        deliver.finish_mailings(conn, ctx, {mailing_id})
    return recipients
