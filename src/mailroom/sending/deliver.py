"""Deliver due sends, exactly once: claim a batch, hand each message over, record outcomes.

Per send: claimed (a lease) -> "sending" written and committed just before the SMTP server can
accept the message (before the final ``.`` of DATA) -> "delivered" once the server said 250 ->
"sent" when its `em_sends` event is stored (once per batch, through the one ingest path).
A worker killed at any point leaves: a claimed send (certainly not accepted: taken again when
the lease runs out), a "sending" one (maybe accepted: `unknown`, not resent unless
``send_unknown = retry``), or a "delivered" one (recorded by the next worker's sweep).
4xx and lost connections before the hand-over are retried with back-off; a 5xx refusal is a
hard bounce, recorded as `em_bounces` (the contact becomes Bounced).
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from mailroom.accounts import service as accounts_service
from mailroom.activity import service as activity
from mailroom.activity.types import Source
from mailroom.context import Context
from mailroom.db import backend
from mailroom.esp import distribution as dist
from mailroom.esp import service as esp_service
from mailroom.kit.clock import local_day
from mailroom.mailings import schemas as mailing_status
from mailroom.mailings import service as mailings_service
from mailroom.messages import service as messages_service
from mailroom.messages.schemas import Compiled
from mailroom.sending import repository as repo
from mailroom.sending.compose import Sender, values_for
from mailroom.sending.pace import Pacer
from mailroom.sending.prepared import Prepared, fill, prepare
from mailroom.sending.quotas import Allowance, Wish
from mailroom.sending.transport import (
    BOUNCE,
    RETRY,
    SENT,
    Outcome,
    Transport,
    open_transport,
)
from mailroom.tracking.links import Recipient, TrackingLinks, send_idempotency_key

BACKOFF_S = (60, 300, 900, 3600, 14_400)  # after the 1st, 2nd ... temporary failure
MAX_ATTEMPTS = len(BACKOFF_S) + 1
BATCH = 100
RECORD_EVERY = 100  # outcomes a lane records in one transaction (one ingest call)
STATUS_EVERY_MS = 1000  # how often a batch being sent reads its mailings' status
LATER = "later"  # not sent now: back to the queue as it was (paused mailing, job's time up)
DROPPED = "dropped"  # not sent: the mailing was cancelled


@dataclass
class Pool:
    """Open transports (one SMTP session per lane and connection) and one pacer per
    connection, kept across batches. Lanes hand messages over in parallel threads: an SMTP
    exchange is mostly waiting for the server's replies."""

    lanes: int = 4
    transports: dict[tuple[int, int], Transport] = field(default_factory=dict)
    pacers: dict[int, Pacer] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    executor: ThreadPoolExecutor | None = None
    claimer: ThreadPoolExecutor | None = None  # claims the next batch while lanes send
    markers: dict[int, Connection] = field(default_factory=dict)
    stack: ExitStack = field(default_factory=ExitStack)

    def marker(self, ctx: Context, lane: int) -> Connection:
        """The lane's connection for "being sent" marks: each statement commits alone, and
        without waiting for the disk (a mark per message must cost one round trip)."""
        with self.lock:
            if lane not in self.markers:
                conn = self.stack.enter_context(ctx.db.single())
                backend.relaxed_commits(conn)
                self.markers[lane] = conn
            return self.markers[lane]

    def get(self, ctx: Context, row: Any, lane: int) -> tuple[Transport, Pacer]:
        with self.lock:
            if (lane, row.id) not in self.transports:
                self.transports[(lane, row.id)] = open_transport(row)
            if row.id not in self.pacers:
                self.pacers[row.id] = Pacer(row.rate_per_second, _reserve_pace(ctx, int(row.id)))
            return self.transports[(lane, row.id)], self.pacers[row.id]

    def run(self, work: list[Callable[[], list[Any]]]) -> list[Any]:
        """Each lane's work in its own thread; their results in lane order."""
        if len(work) == 1:
            return work[0]()
        if self.executor is None:
            self.executor = ThreadPoolExecutor(self.lanes, thread_name_prefix="mailroom-send")
        futures = [self.executor.submit(fn) for fn in work]
        wait(futures)  # every lane has stopped (a failed one too) before the batch settles
        return [item for future in futures for item in future.result()]

    def prefetch(self, fn: Callable[[], list[Any]]) -> Future[list[Any]]:
        if self.claimer is None:
            self.claimer = ThreadPoolExecutor(1, thread_name_prefix="mailroom-claim")
        return self.claimer.submit(fn)

    def close(self) -> None:
        for transport in self.transports.values():
            transport.close()
        self.transports.clear()
        for conn in self.markers.values():
            backend.relaxed_commits(conn, False)
        self.markers.clear()
        self.stack.close()
        for executor in (self.executor, self.claimer):
            if executor is not None:
                executor.shutdown()
        self.executor = self.claimer = None


def _reserve_pace(ctx: Context, connection_id: int) -> Callable[[int, int], int]:
    """The connection's slots reserved in the database, shared by every worker process."""

    def reserve(now_us: int, span_us: int) -> int:
        with backend.writer_queue(ctx.db.engine), ctx.db.write() as conn:
            return repo.reserve_pace(conn, connection_id, now_us, span_us)

    return reserve


@dataclass
class _Account:
    messages: dict[int, Compiled]
    connections: dict[int, Any]
    mailings: dict[int, Any]
    allowance: Allowance  # what each connection may still send today
    all_segments: dict[int, str]  # mailing id -> its included segments ({{ocx_all_segments}})
    chosen: dict[int, Any] = field(default_factory=dict)  # send id -> its connection (None:
    # out of quota today); a send not in it has no active connection
    # (message, connection, mailing) -> the message prepared for them (lanes may race to make
    # one: both are the same)
    prepared: dict[tuple[int, int, int], Prepared] = field(default_factory=dict)


def _account(conn: Connection, ctx: Context, account_id: int, rows: list[Any]) -> _Account:
    day = local_day(ctx.clock.now_ms(), accounts_service.time_zone(conn, account_id))
    mine = [r for r in rows if r.account_id == account_id]
    found = {
        m: mailings_service.find_mailing(conn, account_id, m) for m in {r.mailing_id for r in mine}
    }
    return _Account(
        messages_service.compiled(conn, account_id, {r.email_message_id for r in mine}),
        esp_service.connections_by_id(conn, account_id),
        found,
        Allowance.load(conn, {r.trigger_id for r in mine if r.trigger_id is not None}, day),
        # a trigger's mailing holds its event's segments
        {m: ",".join(str(s) for s in row.segments or []) for m, row in found.items() if row},
    )


def _candidates(row: Any, account: _Account) -> list[Any]:
    """The send's active connections in the distribution's order (by recipient domain, then
    the percentages; the account's active ones by id without a distribution)."""
    mailing = account.mailings.get(row.mailing_id)
    rules = dist.from_stored(mailing.distribution or []) if mailing is not None else None
    active = {c: r for c, r in account.connections.items() if r.active}
    if rules is None or not rules.default:
        return [active[c] for c in sorted(active)]
    return [active[c] for c in dist.candidates(rules, row.email, row.key) if c in active]


def _sendable(row: Any, account: _Account) -> bool:
    return (
        row.uid is not None
        and row.contact_status == "active"
        and row.email_message_id in account.messages
        and account.mailings.get(row.mailing_id) is not None
    )


def _choose(ctx: Context, account: _Account, rows: list[Any]) -> None:
    """Each sendable send's connection, its places in the daily quotas reserved."""
    wishes = []
    for row in rows:
        if _sendable(row, account) and (candidates := _candidates(row, account)):
            wishes.append(Wish(row.id, row.trigger_id, candidates))
    account.chosen = account.allowance.plan(ctx, wishes)


class _Gate:
    """What stops a claimed batch between two messages: its mailing paused (the send waits
    for resume) or cancelled (dropped), or the delivery job's time being up (the send goes back
    to the queue for the next job). The mailings' status is read at most once a second, so a
    pause or a cancel takes hold within a second even in a batch that a slow pace stretches
    over minutes; a message already being handed over still goes."""

    def __init__(self, ctx: Context, rows: list[Any], deadline: float | None) -> None:
        self.ctx = ctx
        self.mailing_ids = {r.mailing_id for r in rows}
        self.deadline = deadline
        self.read_ms: int | None = None
        self.stopped: dict[int, int] = {}
        self.lock = threading.Lock()

    def check(self, row: Any) -> Outcome | None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            return Outcome(LATER, 0, "the delivery job's time is up")
        status = self._stopped().get(row.mailing_id)
        if status == mailing_status.ON_HOLD:
            return Outcome(LATER, 0, "the mailing is on hold")
        if status is not None:
            return Outcome(DROPPED, 0, "the mailing was cancelled")
        return None

    def _stopped(self) -> dict[int, int]:
        now = self.ctx.clock.now_ms()
        with self.lock:
            if self.read_ms is None or now - self.read_ms >= STATUS_EVERY_MS:
                with self.ctx.db.read() as conn:
                    statuses = mailings_service.statuses_of(conn, self.mailing_ids)
                self.stopped = {
                    i: s for i, s in statuses.items() if s in mailing_status.NOT_SENDING
                }
                self.read_ms = now
            return self.stopped


def deliver(
    ctx: Context,
    worker: str,
    *,
    limit: int = BATCH,
    pool: Pool | None = None,
    budget_s: float | None = None,
) -> int:
    """Send due sends batch after batch until none is left (or `budget_s` of wall time has
    passed: a job hands the rest to the next job); how many were handled."""
    own = pool is None
    pool = pool or Pool(lanes=ctx.settings.send_lanes)
    total = 0
    deadline = None if budget_s is None else time.monotonic() + budget_s
    upcoming: Future[list[Any]] | None = None
    try:
        rows = _claim_rows(ctx, worker, limit)
        while rows:
            total += len(rows)
            if deadline is None or time.monotonic() <= deadline:
                # the next batch is claimed while this one is sent (the lanes never wait for it)
                upcoming = pool.prefetch(lambda: _claim_rows(ctx, worker, limit))
            _send_rows(ctx, pool, rows, deadline)
            rows = upcoming.result() if upcoming is not None else []
            upcoming = None
    finally:
        if upcoming is not None:  # this batch failed: the next one's claims run out by lease
            with contextlib.suppress(Exception):
                upcoming.result()
        if own:
            pool.close()
    return total


def sweep(ctx: Context) -> None:
    """Settle the sends of dead workers: delivered ones recorded, unknown ones marked."""
    now = ctx.clock.now_ms()
    to_status = repo.QUEUED if ctx.settings.send_unknown == "retry" else repo.UNKNOWN
    with backend.writer_queue(ctx.db.engine), ctx.db.write() as conn:
        moved = repo.expire_sending(conn, now, to_status)
        delivered = repo.stale_delivered(conn, now)
        if delivered:
            _record(conn, ctx, [(r, r.uid, Outcome(SENT, 250), r.connection_id) for r in delivered])
        finish_mailings(conn, ctx, {m for m, _ in moved} | {r.mailing_id for r in delivered})


def deliver_batch(ctx: Context, worker: str, pool: Pool, limit: int = BATCH) -> int:
    """Claim one batch and send it; how many sends it held."""
    rows = _claim_rows(ctx, worker, limit)
    if rows:
        _send_rows(ctx, pool, rows)
    return len(rows)


def _claim_rows(ctx: Context, worker: str, limit: int) -> list[Any]:
    sweep(ctx)
    lease_ms = ctx.settings.send_lease_s * 1000
    with backend.writer_queue(ctx.db.engine), ctx.db.write() as conn:
        return repo.claim(conn, ctx.clock.now_ms(), worker, limit, lease_ms)


def _send_rows(ctx: Context, pool: Pool, rows: list[Any], deadline: float | None = None) -> None:
    """Hand a claimed batch over lane by lane (until `deadline`, a `time.monotonic()` value).
    What each account may still send is read now, after the previous batch's outcomes are all
    recorded."""
    lease_ms = ctx.settings.send_lease_s * 1000
    with ctx.db.read() as conn:
        accounts = {a: _account(conn, ctx, a, rows) for a in {r.account_id for r in rows}}
    try:
        for account_id, account in accounts.items():
            _choose(ctx, account, [r for r in rows if r.account_id == account_id])
        _send_lanes(ctx, pool, rows, accounts, lease_ms, _Gate(ctx, rows, deadline))
    finally:  # places reserved and not used go back, a batch cut short too
        for account in accounts.values():
            account.allowance.settle(ctx)
    with backend.writer_queue(ctx.db.engine), ctx.db.write() as conn:
        finish_mailings(conn, ctx, {r.mailing_id for r in rows})


def _send_lanes(
    ctx: Context,
    pool: Pool,
    rows: list[Any],
    accounts: dict[int, _Account],
    lease_ms: int,
    gate: _Gate,
) -> None:
    links = TrackingLinks.for_context(ctx)
    lanes = max(1, min(pool.lanes, len(rows)))
    delivered: list[list[tuple[int, int]]] = [[] for _ in range(lanes)]  # accepted, unmarked

    def lane(number: int) -> Callable[[], list[Any]]:
        def work() -> list[Any]:
            done: list[Any] = []
            pending: list[Any] = []
            for row in rows[number::lanes]:
                account = accounts[row.account_id]
                stop = gate.check(row)
                if stop is not None:
                    outcome, connection_id = stop, None
                else:
                    outcome, connection_id = _send_one(
                        ctx, row, account, links, pool, number, lease_ms, delivered[number]
                    )
                pending.append((row, row.uid, outcome, connection_id))
                if outcome.kind == SENT:
                    delivered[number].append((row.id, ctx.clock.now_ms()))
                if len(pending) >= RECORD_EVERY:
                    _record_lane(ctx, pending, delivered[number])
                    done.extend(pending)
                    pending = []
            _record_lane(ctx, pending, delivered[number])
            return done + pending

        return work

    pool.run([lane(n) for n in range(lanes)])


def _record_lane(ctx: Context, results: list[Any], delivered: list[tuple[int, int]]) -> None:
    """A lane records its outcomes itself, `RECORD_EVERY` at a time (one ingest call), while
    the other lanes go on sending. Its accepted sends are then recorded as sent: none may be
    marked "delivered" again by its next hand-over."""
    if not results:
        return
    with backend.writer_queue(ctx.db.engine), ctx.db.write() as conn:
        _record(conn, ctx, results)
    delivered.clear()


def _send_one(
    ctx: Context,
    row: Any,
    account: _Account,
    links: TrackingLinks,
    pool: Pool,
    lane: int,
    lease_ms: int,
    delivered: list[tuple[int, int]],
) -> tuple[Outcome, int | None]:
    if row.uid is None or row.contact_status != "active":
        return Outcome("skip", 0, "contact is not active"), None
    message = account.messages.get(row.email_message_id)
    mailing = account.mailings.get(row.mailing_id)
    if message is None or mailing is None:
        return Outcome("fail", 0, "email message or mailing no longer exists"), None
    if row.id not in account.chosen:
        return Outcome("fail", 0, "no active ESP connection for this send"), None
    chosen = account.chosen[row.id]
    if chosen is None:
        return Outcome("defer", 0, "daily quota reached"), None  # (or the event's)
    sender = Sender(
        message.from_name or chosen.from_name,
        message.from_address or chosen.from_address,
        message.reply_address or chosen.reply_address,
    )
    to = Recipient(row.account_id, row.uid, row.mailing_id)
    key = (message.id, chosen.id, row.mailing_id)
    prepared = account.prepared.get(key)
    if prepared is None:
        prepared = prepare(message, sender, links, row.account_id, row.mailing_id)
        account.prepared[key] = prepared
    system = {
        "email": row.email,
        "ocx_contact_id": row.uid,
        "ocx_created_date": row.contact_created,
        "ocx_list_id": row.list_id,
        "ocx_import_id": row.import_id,
        "ocx_mailing_id": row.mailing_id,
        "ocx_child_id": row.mailing_id,
        "ocx_segment_id": row.segment_id,
        "ocx_all_segments": account.all_segments.get(row.mailing_id, ""),
        "ocx_campaign_name": mailing.name,
        "ocx_message_id": message.id,
        "ocx_connection_id": chosen.id,
        "ocx_esp_id": chosen.esp_id,
        "ocx_from_address": sender.from_address,
        "ocx_from_address_domain": sender.from_address.rpartition("@")[2],
        "ocx_from_name": sender.from_name,
        "ocx_reply_address": sender.reply_address,
    }
    envelope = fill(
        prepared,
        email=row.email,
        values=values_for(row.fields, system),
        to=to,
        links=links,
        send_key=row.key,
        now_s=ctx.clock.now_ms() / 1000,
    )
    transport, pacer = pool.get(ctx, chosen, lane)
    pacer.wait()

    def before_commit() -> None:
        now = ctx.clock.now_ms()
        marker = pool.marker(ctx, lane)
        accepted = delivered.pop()[0] if delivered else None
        # SQLite: lanes wait in line for the writer (its busy handler would sleep and poll)
        with backend.writer_queue(ctx.db.engine):
            if delivered:  # more than one accepted since the last mark (not the usual case)
                repo.mark_delivered(marker, list(delivered))
                delivered.clear()
            repo.mark_sending(marker, row.id, chosen.id, now + lease_ms, accepted, now)
        account.allowance.keep(row.id)

    outcome = transport.send(envelope.sender, envelope.recipient, envelope.data, before_commit)
    if outcome.kind in (RETRY, BOUNCE):  # refused: not sent (a lost reply, UNKNOWN, counts)
        account.allowance.release(row.id)
    return outcome, chosen.id


def _record(
    conn: Connection, ctx: Context, results: list[tuple[Any, str | None, Outcome, int | None]]
) -> None:
    """Outcomes to `sends`, sends and hard bounces to activity, counts to mailings."""
    now = ctx.clock.now_ms()
    updates: list[dict[str, Any]] = []
    items: dict[tuple[int, int], list[dict[str, Any]]] = {}
    counts: dict[int, list[int]] = {}
    for row, uid, outcome, connection_id in results:
        status, due, error, sent_ms = repo.FAILED, row.due_ms, outcome.detail or None, None
        attempts = row.attempts + (0 if outcome.kind == SENT else 1)
        source = Source.TRIGGER if row.trigger_id is not None else Source.MAILING
        group = items.setdefault((row.account_id, int(source)), [])
        if outcome.kind == SENT:
            status, sent_ms, error = repo.SENT, row.sent_ms or now, None
            key = (
                send_idempotency_key(uid, row.mailing_id)
                if row.trigger_id is None and uid
                else f"send:{row.key}"
            )
            group.append(
                {
                    "type": "em_sends",
                    "contact_id": uid,
                    "mailing_id": row.mailing_id,
                    "at": sent_ms,
                    "idempotency_key": key,
                }
            )
        elif outcome.kind == RETRY and attempts < MAX_ATTEMPTS:
            status, due = repo.QUEUED, now + BACKOFF_S[attempts - 1] * 1000
        elif outcome.kind == BOUNCE:
            status = repo.BOUNCED
            if uid:
                group.append(
                    {
                        "type": "em_bounces",
                        "contact_id": uid,
                        "mailing_id": row.mailing_id,
                        "at": now,
                        "bounce_type": "hard",
                        "smtp_status": str(outcome.code),
                        "diagnostic": outcome.detail[:500],
                        "idempotency_key": f"bounce:{row.key}",
                    }
                )
        elif outcome.kind == "unknown":
            status = repo.QUEUED if ctx.settings.send_unknown == "retry" else repo.UNKNOWN
        elif outcome.kind == "skip":
            status = repo.SKIPPED
        elif outcome.kind == "defer":
            status, attempts = repo.QUEUED, row.attempts
            due = max(row.due_ms, _next_day(conn, ctx, row.account_id))
        elif outcome.kind == LATER:
            status, attempts, error = repo.QUEUED, row.attempts, None
        elif outcome.kind == DROPPED:  # as the cancel drops the queued ones: not a failure
            status, attempts = repo.SKIPPED, row.attempts
        tally = counts.setdefault(row.mailing_id, [0, 0])
        if status == repo.SENT:
            tally[0] += 1
        elif outcome.kind == DROPPED:
            pass
        elif status in (repo.FAILED, repo.BOUNCED, repo.UNKNOWN, repo.SKIPPED):
            tally[1] += 1
        updates.append(
            {
                "send_id": row.id,
                "status": status,
                "attempts": attempts,
                "due_ms": due,
                "connection_id": connection_id,
                "sent_ms": sent_ms,
                "error": error,
            }
        )
    repo.record(conn, updates)
    for (account_id, code), group in items.items():
        if group:
            activity.ingest(conn, ctx.clock, account_id, group, source=Source(code))
    for mailing_id, (sent, failed) in counts.items():
        mailings_service.add_counts(conn, mailing_id, sent, failed)


def _next_day(conn: Connection, ctx: Context, account_id: int) -> int:
    """The account's next midnight (a quota's next day), 23 to 25 hours after this one."""
    return local_day(ctx.clock.now_ms(), accounts_service.time_zone(conn, account_id))[1]


def finish_mailings(conn: Connection, ctx: Context, mailing_ids: set[int]) -> None:
    """A mailing (not a trigger's) with no open sends left is Completed (With Errors)."""
    for mailing_id, still_open in repo.open_counts(conn, mailing_ids).items():
        if still_open:
            continue
        row = mailings_service.find_mailing_any(conn, mailing_id)
        if row is None or row.trigger_id is not None:
            continue
        status = (
            mailing_status.COMPLETED_WITH_ERRORS if row.failed_count else mailing_status.COMPLETED
        )
        mailings_service.move_status(
            conn, ctx.clock, mailing_id, status, [mailing_status.IN_PROGRESS]
        )
