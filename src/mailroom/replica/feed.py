"""Bring the replica up to date with the main database, one consistent snapshot at a time.

Each round reads, in one snapshot of the main database: the event deletions logged since the
last round (applied first, so a deleted event never comes back), the contacts changed, new
tracked links, and the next batch of events by id. The watermarks move in the same DuckDB
transaction as the rows, so a killed feed resumes where its last committed round ended.

On PostgreSQL a transaction may commit an id lower than ones already seen. The ids skipped in
a batch are kept as holes and read again each round until they show up or are older than
`HOLE_TTL_MS` (a transaction that stays open longer than that loses its events from the
replica until a rebuild; none of mailroom's writers come near).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa

from mailroom.activity import deletions
from mailroom.db import backend
from mailroom.kit.clock import Clock
from mailroom.replica import repository, rollup, store

BATCH = 100_000
HOLE_TTL_MS = 600_000

EVENT_TYPES = (
    pa.int64(), pa.int64(), pa.int64(), pa.int64(), pa.int16(), pa.int64(),
    pa.int64(), pa.int64(), pa.bool_(), pa.string(),
)  # fmt: skip
CONTACT_TYPES = (
    pa.int64(), pa.int64(), pa.int64(), pa.string(), pa.string(), pa.string(),
    pa.int64(), pa.int64(), pa.int64(), pa.int64(), pa.int64(),
)  # fmt: skip


class NeedsRebuild(Exception):
    """The replica is missing log rows the main database has already trimmed."""


@dataclass
class Round:
    """What one round did."""

    events: int = 0
    contacts: int = 0
    deletions: int = 0
    marks: dict[str, int] = field(default_factory=dict)


def arrow(rows: Sequence[Any], names: Sequence[str], types: Sequence[pa.DataType]) -> pa.Table:
    """Rows from the main database as an Arrow table, one column at a time."""
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    return pa.table([_column(c, t) for c, t in zip(columns, types, strict=True)], names=list(names))


def _column(values: Sequence[Any], kind: pa.DataType) -> pa.Array:
    if kind == pa.bool_():  # SQLite's driver gives 0 and 1, psycopg True and False
        return pa.array(values).cast(kind) if values else pa.array([], kind)
    return pa.array(values, type=kind)


def _append_events(duck: duckdb.DuckDBPyConnection, rows: Sequence[Any], *, dedupe: bool) -> None:
    batch = arrow(rows, repository.EVENT_COLUMNS, EVENT_TYPES)  # noqa: F841 (read by DuckDB)
    if dedupe:
        duck.execute("DELETE FROM events WHERE id IN (SELECT id FROM batch)")
    duck.execute("INSERT INTO events SELECT * FROM batch")


def _apply_deletion(duck: duckdb.DuckDBPyConnection, row: Any) -> None:
    if row.kind == deletions.CONTACTS:
        ids = pa.table({"id": pa.array(row.contact_ids or [], pa.int64())})  # noqa: F841
        duck.execute(
            "DELETE FROM events WHERE account_id = ? AND contact_id IN (SELECT id FROM ids)",
            [row.account_id],
        )
    elif row.kind == deletions.LIST:
        duck.execute(
            "DELETE FROM events WHERE account_id = ? AND list_id = ?", [row.account_id, row.list_id]
        )
    elif row.kind == deletions.RANGE:
        duck.execute(
            "DELETE FROM events WHERE id BETWEEN ? AND ? AND at_ms < ?",
            [row.id_low, row.id_high, row.before_ms],
        )
    elif row.kind == deletions.ACCOUNT:
        duck.execute("DELETE FROM events WHERE account_id = ?", [row.account_id])
        duck.execute("DELETE FROM contacts WHERE account_id = ?", [row.account_id])


def _apply_contacts(
    duck: duckdb.DuckDBPyConnection, ids: Sequence[int], rows: Sequence[Any]
) -> None:
    changed = pa.table({"id": pa.array(sorted(set(ids)), pa.int64())})  # noqa: F841
    batch = arrow(rows, repository.CONTACT_COLUMNS, CONTACT_TYPES)  # noqa: F841
    duck.execute("DELETE FROM contacts WHERE id IN (SELECT id FROM changed)")
    duck.execute("INSERT INTO contacts SELECT * FROM batch")


def _gaps(after: int, ids: Sequence[int]) -> list[tuple[int, int]]:
    """Ranges of ids missing between `after` and the last of `ids` (sorted)."""
    gaps = []
    previous = after
    for i in ids:
        if i > previous + 1:
            gaps.append((previous + 1, i - 1))
        previous = i
    return gaps


def _holes(duck: duckdb.DuckDBPyConnection, now_ms: int) -> list[tuple[int, int]]:
    duck.execute("DELETE FROM holes WHERE seen_ms < ?", [now_ms - HOLE_TTL_MS])
    rows = duck.execute("SELECT lo, hi FROM holes WHERE log = 'events'").fetchall()
    return [(int(lo), int(hi)) for lo, hi in rows]


def _fill(duck: duckdb.DuckDBPyConnection, holes: list[tuple[int, int]], found: list[int]) -> None:
    """Cut the ids that showed up out of the holes (a filled hole is never read again)."""
    seen = set(found)
    rows = duck.execute("SELECT lo, hi, seen_ms FROM holes WHERE log = 'events'").fetchall()
    kept: list[tuple[int, int, int]] = []
    for lo, hi, seen_ms in rows:
        start = lo
        for i in sorted(x for x in seen if lo <= x <= hi):
            if i > start:
                kept.append((start, i - 1, seen_ms))
            start = i + 1
        if start <= hi:
            kept.append((start, hi, seen_ms))
    duck.execute("DELETE FROM holes WHERE log = 'events'")
    for lo, hi, seen_ms in kept:
        duck.execute("INSERT INTO holes VALUES ('events', ?, ?, ?)", [lo, hi, seen_ms])


def order_by_time(duck: duckdb.DuckDBPyConnection) -> None:
    """Rewrite the events in time order, in one transaction.

    The feed appends in id order, which live ingest makes nearly time order, so a report's
    window reads only the row groups whose times it covers. A rebuild copies in id order too,
    but ids of imported or back-filled history need not follow time; this restores the order.
    """
    duck.execute("BEGIN")
    try:
        duck.execute("CREATE TABLE events_by_time AS SELECT * FROM events ORDER BY at_ms, id")
        duck.execute("DROP TABLE events")
        duck.execute("ALTER TABLE events_by_time RENAME TO events")
        duck.execute("COMMIT")
    except BaseException:
        duck.execute("ROLLBACK")
        raise


def pending_holes(duck: duckdb.DuckDBPyConnection) -> bool:
    """Whether gaps in the events' ids are still being watched for late commits."""
    return bool(duck.execute("SELECT count(*) FROM holes").fetchall()[0][0])


def one_round(
    conn: Any, duck: duckdb.DuckDBPyConnection, clock: Clock, batch: int = BATCH
) -> Round:
    """Apply one snapshot's worth of the main database's logs; the caller commits DuckDB."""
    done = Round()
    known = store.marks(duck)
    marks = {name: known.get(name, 0) for name in repository.LOGS}
    floor = repository.log_floor(conn)
    for log in ("contact_changes", "event_deletions"):
        if floor[log] > marks[log] + 1:
            raise NeedsRebuild(f"the main database trimmed {log} past the replica's watermark")
    lowered = False
    deleted = repository.deletions_after(conn, marks["event_deletions"])
    if deleted:
        rollup.invalidate(duck)  # until its next build, reports count the raw events
    for row in deleted:
        _apply_deletion(duck, row)
        marks["event_deletions"] = int(row.id)
        if row.events_max < marks["events"]:  # SQLite will hand these ids out again
            marks["events"] = int(row.events_max)
            lowered = True
        done.deletions += 1
    changes = repository.changes_after(conn, marks["contact_changes"], batch)
    if changes:
        ids = [c for _, c in changes]
        _apply_contacts(duck, ids, repository.contacts_by_id(conn, ids))
        marks["contact_changes"] = changes[-1][0]
        done.contacts = len(changes)
    new_links = repository.links_after(conn, marks["links"], batch)
    if new_links:
        found = arrow(new_links, ("id", "url"), (pa.int64(), pa.string()))  # noqa: F841
        duck.execute("INSERT INTO links SELECT * FROM found")
        marks["links"] = int(new_links[-1].id)
    rows = repository.events_after(conn, marks["events"], batch)
    if not backend.ids_commit_in_order(conn):
        holes = _holes(duck, clock.now_ms())
        late = repository.events_in(conn, holes)
        if late:
            if min(int(r[0]) for r in late) <= rollup.through(duck):
                rollup.invalidate(duck)  # below its watermark: the table misses these
            _append_events(duck, late, dedupe=True)
            _fill(duck, holes, [int(r[0]) for r in late])
            done.events += len(late)
        if rows:
            now = clock.now_ms()
            for lo, hi in _gaps(marks["events"], [int(r[0]) for r in rows]):
                duck.execute("INSERT INTO holes VALUES ('events', ?, ?, ?)", [lo, hi, now])
    if rows:
        _append_events(duck, rows, dedupe=lowered)
        marks["events"] = int(rows[-1][0])
        done.events += len(rows)
    store.put_all(duck, {k: v for k, v in marks.items() if known.get(k) != v})
    done.marks = marks
    return done
