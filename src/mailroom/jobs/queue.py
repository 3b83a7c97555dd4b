"""Enqueue, claim, finish and retry jobs; a killed worker's claim expires and the job runs again.

Claims use ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several workers never take the same job;
SQLite serialises writers, which gives the same guarantee on one machine. Handlers must be safe
to run twice: a job whose worker died after the work but before `finish` is run again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, func, insert, or_, select, update

from mailroom.db import backend
from mailroom.db.tables import jobs
from mailroom.kit.clock import Clock

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    payload: dict[str, Any]
    attempts: int
    max_attempts: int


def enqueue(
    conn: Connection,
    clock: Clock,
    kind: str,
    payload: dict[str, Any] | None = None,
    *,
    run_at_ms: int | None = None,
    dedupe_key: str | None = None,
    max_attempts: int = 5,
) -> int | None:
    """Add a job in the caller's transaction; with a dedupe key, a second enqueue is a no-op."""
    now = clock.now_ms()
    row = {
        "kind": kind,
        "payload": payload or {},
        "status": QUEUED,
        "run_at_ms": run_at_ms if run_at_ms is not None else now,
        "max_attempts": max_attempts,
        "dedupe_key": dedupe_key,
        "created_ms": now,
    }
    if dedupe_key is None:
        result = conn.execute(insert(jobs).values(**row))
        return int(result.inserted_primary_key[0])  # type: ignore[index]
    inserted = backend.insert_ignore_returning(
        conn, jobs, [row], returning=["id"], index_elements=["dedupe_key"]
    )
    return int(inserted[0].id) if inserted else None


def _ready(now: int) -> ColumnElement[bool]:
    """Queued and due, or running with an expired lease (its worker died)."""
    return or_(
        and_(jobs.c.status == QUEUED, jobs.c.run_at_ms <= now),
        and_(jobs.c.status == RUNNING, jobs.c.locked_until_ms < now),
    )


def claim(
    conn: Connection,
    clock: Clock,
    worker: str,
    *,
    kinds: list[str] | None = None,
    lease_ms: int = 60_000,
) -> Job | None:
    """Take the oldest ready job (queued and due, or running with an expired lease)."""
    now = clock.now_ms()
    query = select(jobs).where(_ready(now)).order_by(jobs.c.run_at_ms, jobs.c.id).limit(1)
    if kinds:
        query = query.where(jobs.c.kind.in_(kinds))
    row = conn.execute(backend.for_update_skip_locked(conn, query)).first()
    if row is None:
        return None
    conn.execute(
        update(jobs)
        .where(jobs.c.id == row.id)
        .values(
            status=RUNNING,
            locked_by=worker,
            locked_until_ms=now + lease_ms,
            attempts=jobs.c.attempts + 1,
        )
    )
    return Job(row.id, row.kind, dict(row.payload or {}), row.attempts + 1, row.max_attempts)


def extend(conn: Connection, clock: Clock, job_id: int, lease_ms: int = 60_000) -> None:
    """Push a running job's lease forward: a long job keeps it while its worker lives."""
    conn.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.status == RUNNING)
        .values(locked_until_ms=clock.now_ms() + lease_ms)
    )


def ready_any(conn: Connection, clock: Clock, kinds: list[str]) -> bool:
    """Whether a claim could find a job: a plain read, so an idle worker takes no write lock."""
    query = select(jobs.c.id).where(_ready(clock.now_ms()), jobs.c.kind.in_(kinds)).limit(1)
    return conn.execute(query).first() is not None


def waiting(conn: Connection, kind: str) -> int:
    """Jobs of this kind queued and not started yet (due or not)."""
    query = select(func.count()).where(jobs.c.kind == kind, jobs.c.status == QUEUED)
    return int(conn.execute(query).scalar_one())


def finish(conn: Connection, clock: Clock, job_id: int) -> None:
    conn.execute(
        update(jobs)
        .where(jobs.c.id == job_id)
        .values(status=DONE, finished_ms=clock.now_ms(), locked_by=None, locked_until_ms=None)
    )


def fail(conn: Connection, clock: Clock, job: Job, error: str) -> None:
    """Retry with exponential back-off (1 s, 2 s, 4 s …) until max_attempts, then mark failed."""
    now = clock.now_ms()
    values: dict[str, Any] = {"error": error[:4000], "locked_by": None, "locked_until_ms": None}
    if job.attempts >= job.max_attempts:
        values.update(status=FAILED, finished_ms=now)
    else:
        values.update(status=QUEUED, run_at_ms=now + 1000 * 2 ** (job.attempts - 1))
    conn.execute(update(jobs).where(jobs.c.id == job.id).values(**values))


def get(conn: Connection, job_id: int) -> Any:
    return conn.execute(select(jobs).where(jobs.c.id == job_id)).first()
