"""All SQL of the sending domain: the `sends` table (claims, markers, outcomes, progress) and
the places taken in daily quotas (`quota_usage`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Select, and_, bindparam, case, func, or_, select, update

from mailroom.db import backend
from mailroom.db.driver import DriverStatement
from mailroom.db.tables import connection_pace, contacts, mailings, quota_usage, sends
from mailroom.mailings.schemas import NOT_SENDING

QUEUED = "queued"
CLAIMED = "claimed"
SENDING = "sending"
DELIVERED = "delivered"  # accepted by the server, not yet recorded as activity
SENT = "sent"
FAILED = "failed"
BOUNCED = "bounced"
UNKNOWN = "unknown"
SKIPPED = "skipped"
OPEN = (QUEUED, CLAIMED, SENDING, DELIVERED)  # not finished yet

INSERT_COLUMNS = (
    "account_id",
    "key",
    "mailing_id",
    "trigger_id",
    "contact_id",
    "email_message_id",
    "due_ms",
    "status",
    "created_ms",
    "segment_id",
)


def insert_due(conn: Connection, query: Select[Any]) -> int:
    """Claim keys for the rows `query` yields (columns in `INSERT_COLUMNS` order); rows whose
    key exists already are skipped. The number of new sends."""
    return backend.insert_select_ignore(conn, sends, INSERT_COLUMNS, query, index_elements=["key"])


def contact_chunk_end(
    conn: Connection, account_id: int, after: int | None, size: int
) -> int | None:
    """The contact id that ends the next chunk of `size` of the account's contacts after
    `after` (None: fewer are left). A mailing's start claims its recipients chunk by chunk."""
    query = select(contacts.c.id).where(contacts.c.account_id == account_id)
    if after is not None:
        query = query.where(contacts.c.id > after)
    found = conn.execute(query.order_by(contacts.c.id).offset(size - 1).limit(1)).scalar()
    return None if found is None else int(found)


def claim(conn: Connection, now_ms: int, worker: str, limit: int, lease_ms: int) -> list[Any]:
    """Take up to `limit` sends that are due (claimed by a worker whose lease ran out before it
    marked them as being sent, then queued ones, earliest first), with the recipient's details.

    Two reads, each walking the (status, due_ms) index and stopping at `limit`: one read with
    both conditions under an OR (and an order by id) would sort every due send on each batch,
    a second a batch with 900,000 sends queued."""
    sending = mailings.c.status.notin_(NOT_SENDING)
    expired = (
        select(sends.c.id)
        .join(mailings, mailings.c.id == sends.c.mailing_id)
        .where(sends.c.status == CLAIMED, sends.c.lease_until_ms < now_ms, sending)
        .limit(limit)
    )
    ids = list(conn.execute(backend.for_update_of_skip_locked(conn, expired, sends)).scalars())
    if len(ids) < limit:
        queued = (
            select(sends.c.id)
            .join(mailings, mailings.c.id == sends.c.mailing_id)
            .where(sends.c.status == QUEUED, sends.c.due_ms <= now_ms, sending)
            .order_by(sends.c.due_ms)
            .limit(limit - len(ids))
        )
        found = conn.execute(backend.for_update_of_skip_locked(conn, queued, sends)).scalars()
        ids.extend(found)
    if not ids:
        return []
    conn.execute(
        update(sends)
        .where(sends.c.id.in_(ids))
        .values(status=CLAIMED, claimed_by=worker, lease_until_ms=now_ms + lease_ms)
    )
    return list(
        conn.execute(
            select(
                sends,
                contacts.c.uid,
                contacts.c.email,
                contacts.c.fields,
                contacts.c.list_id,
                contacts.c.created.label("contact_created"),
                contacts.c.import_id,
                contacts.c.status.label("contact_status"),
            )
            .join(contacts, contacts.c.id == sends.c.contact_id, isouter=True)
            .where(sends.c.id.in_(ids))
            .order_by(sends.c.id)
        )
    )


_THIS = sends.c.id == bindparam("this_id")
# Built and compiled once, run on the driver's cursor: a statement per message must not pay for
# building, keying and wrapping its expression (three times the CPU of the round trip).
_MARK_SENDING = DriverStatement(
    update(sends)
    .where(or_(_THIS, sends.c.id == bindparam("other_id")))
    .values(
        status=case((_THIS, SENDING), else_=DELIVERED),
        connection_id=case((_THIS, bindparam("connection_id")), else_=sends.c.connection_id),
        lease_until_ms=case((_THIS, bindparam("lease_until_ms")), else_=sends.c.lease_until_ms),
        sent_ms=case((_THIS, sends.c.sent_ms), else_=bindparam("now_ms")),
    )
)


def mark_sending(
    conn: Connection,
    send_id: int,
    connection_id: int,
    lease_until_ms: int,
    accepted_id: int | None = None,
    now_ms: int = 0,
) -> None:
    """One statement: this send is being handed over, and `accepted_id` (the lane's previous
    send, if the server accepted it) was. Run on a connection where each statement commits
    alone. Two scalar ids, not a list: the statement compiles once."""
    _MARK_SENDING.execute(
        conn,
        {
            "this_id": send_id,
            "other_id": accepted_id if accepted_id is not None else send_id,
            "connection_id": connection_id,
            "lease_until_ms": lease_until_ms,
            "now_ms": now_ms,
        },
    )


def mark_delivered(conn: Connection, delivered: Sequence[tuple[int, int]]) -> None:
    if delivered:
        conn.execute(
            update(sends)
            .where(sends.c.id == bindparam("send_id"))
            .values(status=DELIVERED, sent_ms=bindparam("at_ms")),
            [{"send_id": i, "at_ms": at} for i, at in delivered],
        )


def stale_delivered(conn: Connection, now_ms: int) -> list[Any]:
    """Sends accepted by the server whose sender died before recording them."""
    return list(
        conn.execute(
            select(sends, contacts.c.uid)
            .join(contacts, contacts.c.id == sends.c.contact_id, isouter=True)
            .where(sends.c.status == DELIVERED, sends.c.lease_until_ms < now_ms)
        )
    )


def expire_sending(conn: Connection, now_ms: int, to_status: str) -> list[Any]:
    """Sends whose sender died while handing them over: `to_status` (unknown, or queued when
    the unknown are to be retried). (mailing_id, count) of those moved."""
    stale = and_(sends.c.status == SENDING, sends.c.lease_until_ms < now_ms)
    rows = list(
        conn.execute(
            select(sends.c.mailing_id, func.count()).where(stale).group_by(sends.c.mailing_id)
        )
    )
    if rows:
        conn.execute(update(sends).where(stale).values(status=to_status, lease_until_ms=None))
    return rows


def record(conn: Connection, outcomes: Sequence[dict[str, Any]]) -> None:
    """Write each send's outcome: status, attempts, due time, connection, sent time, error.
    Sent ones (nearly all) in one statement per shared set of values, the rest one by one."""
    if not outcomes:
        return
    sent: dict[tuple[Any, ...], list[int]] = {}
    others: list[dict[str, Any]] = []
    for o in outcomes:
        if o["status"] == SENT and o["error"] is None:
            shared = (o["attempts"], o["due_ms"], o["connection_id"], o["sent_ms"])
            sent.setdefault(shared, []).append(o["send_id"])
        else:
            others.append(o)
    for (attempts, due_ms, connection_id, sent_ms), ids in sent.items():
        conn.execute(
            update(sends)
            .where(sends.c.id.in_(ids))
            .values(
                status=SENT,
                attempts=attempts,
                due_ms=due_ms,
                connection_id=connection_id,
                sent_ms=sent_ms,
                error=None,
                lease_until_ms=None,
                claimed_by=None,
            )
        )
    if not others:
        return
    stmt = (
        update(sends)
        .where(sends.c.id == bindparam("send_id"))
        .values(
            status=bindparam("new_status"),
            attempts=bindparam("new_attempts"),
            due_ms=bindparam("new_due_ms"),
            connection_id=bindparam("new_connection_id"),
            sent_ms=bindparam("new_sent_ms"),
            error=bindparam("new_error"),
            lease_until_ms=None,
            claimed_by=None,
        )
    )
    conn.execute(
        stmt, [{f"new_{k}" if k != "send_id" else k: v for k, v in o.items()} for o in others]
    )


def open_counts(conn: Connection, mailing_ids: Iterable[int]) -> dict[int, int]:
    """Unfinished sends per mailing, for the given mailings."""
    wanted = list(set(mailing_ids))
    if not wanted:
        return {}
    rows = conn.execute(
        select(sends.c.mailing_id, func.count())
        .where(sends.c.mailing_id.in_(wanted), sends.c.status.in_(OPEN))
        .group_by(sends.c.mailing_id)
    )
    found = {int(m): int(c) for m, c in rows}
    return {m: found.get(m, 0) for m in wanted}


def _quota_day(key: tuple[int, int], day_ms: int) -> Any:
    connection_id, event_id = key
    return and_(
        quota_usage.c.connection_id == connection_id,
        quota_usage.c.event_id == event_id,
        quota_usage.c.day_ms == day_ms,
    )


def take_places(
    conn: Connection, key: tuple[int, int], day_ms: int, wanted: int, quota: int
) -> int | None:
    """Up to `wanted` places in the daily quota of `key` (connection id, event id or 0) on the
    day starting at `day_ms`, fewer when fewer are left: how many were taken. None: the day has
    no row yet (`open_day` makes it).

    Each try is one UPDATE that matches only while used + n <= quota, so processes racing for
    the last places never pass the quota together (PostgreSQL rechecks the condition on the row
    a concurrent writer left; SQLite has one writer); a lost race retries with what is left."""
    this = _quota_day(key, day_ms)
    n = min(wanted, quota)
    for _ in range(16):  # each lost race leaves fewer places; give up (send less) if it goes on
        if n <= 0:
            return 0
        taken = conn.execute(
            update(quota_usage)
            .where(this, quota_usage.c.used + n <= quota)
            .values(used=quota_usage.c.used + n)
        )
        if taken.rowcount:
            return n
        used = conn.execute(select(quota_usage.c.used).where(this)).scalar()
        if used is None:
            return None
        n = min(n, quota - int(used))
    return 0


def open_day(conn: Connection, key: tuple[int, int], day_ms: int, used: int) -> None:
    """A quota's row for a day, starting at `used` places; left as it is when another process
    made it first (insert-if-missing, safe against a concurrent insert on both backends)."""
    connection_id, event_id = key
    backend.insert_ignore(
        conn,
        quota_usage,
        [{"connection_id": connection_id, "event_id": event_id, "day_ms": day_ms, "used": used}],
        index_elements=["connection_id", "event_id", "day_ms"],
    )


def give_back_places(conn: Connection, key: tuple[int, int], day_ms: int, n: int) -> None:
    """Places taken but not used (the server did not accept the message, or it never went)."""
    conn.execute(
        update(quota_usage)
        .where(_quota_day(key, day_ms), quota_usage.c.used >= n)
        .values(used=quota_usage.c.used - n)
    )


def places_used(conn: Connection, key: tuple[int, int], day_ms: int) -> int | None:
    """The places taken in a quota's day so far (None: the day has no row)."""
    found = conn.execute(select(quota_usage.c.used).where(_quota_day(key, day_ms))).scalar()
    return None if found is None else int(found)


def sent_in(
    conn: Connection, connection_id: int, trigger_ids: Sequence[int] | None, day: tuple[int, int]
) -> int:
    """Messages the connection (or these triggers through it) had accepted in the day
    [start, end): where a quota's day starts when its counter starts mid-day."""
    query = (
        select(func.count())
        .select_from(sends)
        .where(
            sends.c.connection_id == connection_id,
            sends.c.status.in_((SENT, DELIVERED)),
            sends.c.sent_ms >= day[0],
            sends.c.sent_ms < day[1],
        )
    )
    if trigger_ids is not None:
        query = query.where(sends.c.trigger_id.in_(sorted(trigger_ids)))
    return int(conn.execute(query).scalar() or 0)


def skip_open(conn: Connection, mailing_id: int) -> int:
    """A cancelled mailing: its queued sends are dropped."""
    result = conn.execute(
        update(sends)
        .where(sends.c.mailing_id == mailing_id, sends.c.status == QUEUED)
        .values(status=SKIPPED)
    )
    return int(result.rowcount or 0)


def count_for(conn: Connection, where: Any) -> int:
    return int(conn.execute(select(func.count()).select_from(sends).where(where)).scalar() or 0)


def statuses(conn: Connection, mailing_id: int) -> dict[str, int]:
    rows = conn.execute(
        select(sends.c.status, func.count())
        .where(sends.c.mailing_id == mailing_id)
        .group_by(sends.c.status)
    )
    return {str(s): int(n) for s, n in rows}


def sends_of(mailing_id: int) -> Any:
    return sends.c.mailing_id == mailing_id


def anything_due(conn: Connection, now_ms: int) -> bool:
    """Whether a delivery run has work: due sends of mailings that are sending (a paused
    mailing's wait for resume, which queues delivery itself), or sends of a dead worker to
    settle."""
    held = select(mailings.c.id).where(mailings.c.status.in_(NOT_SENDING))
    ready = or_(
        and_(sends.c.status == QUEUED, sends.c.due_ms <= now_ms, sends.c.mailing_id.notin_(held)),
        and_(sends.c.status.in_((CLAIMED, SENDING, DELIVERED)), sends.c.lease_until_ms < now_ms),
    )
    return conn.execute(select(sends.c.id).where(ready).limit(1)).first() is not None


def reserve_pace(conn: Connection, connection_id: int, now_us: int, span_us: int) -> int:
    """`span_us` of the connection's sending time, starting at its first free moment not
    before `now_us` (Unix time in microseconds): where the span starts.

    One UPDATE moves the connection's next free moment past the span, so processes reserving
    at once get spans one after the other (PostgreSQL re-evaluates the SET on the row a
    concurrent writer left; SQLite has one writer); the read after it sees this transaction's
    own write."""
    backend.insert_ignore(
        conn,
        connection_pace,
        [{"connection_id": connection_id, "next_us": 0}],
        index_elements=["connection_id"],
    )
    this = connection_pace.c.connection_id == connection_id
    free = connection_pace.c.next_us
    start = case((free > now_us, free), else_=now_us)
    conn.execute(update(connection_pace).where(this).values(next_us=start + span_us))
    end = conn.execute(select(free).where(this)).scalar_one()
    return int(end) - span_us
