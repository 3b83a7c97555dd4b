"""Retention: prune raw events past a configurable age; every aggregate stays as it was.

Reports and charts read `contact_totals`, `contact_mailing_totals` and `activity_hourly`, which
are kept separately from the raw events, so deleting old events changes no total. The prune
walks the primary key in chunks (no index on time needed) and leaves a marker so that
`rebuild_aggregates` knows history is gone.
"""

from __future__ import annotations

from sqlalchemy import Connection

from mailroom.activity import deletions, maintenance_repository
from mailroom.kit.clock import Clock

DAY_MS = 86_400_000
CHUNK = 10_000
MARKER = "activity.pruned"  # replica_state row: last_event_id = highest pruned event id


def cutoff_ms(clock: Clock, older_than_days: int) -> int:
    return clock.now_ms() - older_than_days * DAY_MS


def id_range(conn: Connection) -> tuple[int, int]:
    low, high = maintenance_repository.select_event_id_range(conn)
    return (int(low) - 1, int(high)) if low is not None else (0, 0)


def prune_chunk(
    conn: Connection, cutoff: int, after_id: int, now_ms: int, chunk: int = CHUNK
) -> int:
    """Delete events older than `cutoff` with ids in (after_id, after_id + chunk]; return count."""
    ids = maintenance_repository.delete_events_before(conn, cutoff, after_id, chunk)
    if ids:
        maintenance_repository.upsert_marker(conn, MARKER, max(ids), now_ms)
        deletions.record(
            conn,
            0,
            deletions.RANGE,
            id_low=after_id + 1,
            id_high=after_id + chunk,
            before_ms=cutoff,
        )
    return len(ids)


def prune(conn: Connection, clock: Clock, older_than_days: int, *, chunk: int = CHUNK) -> int:
    """Delete raw events older than `older_than_days`, chunk by chunk; return how many."""
    if older_than_days <= 0:
        raise ValueError("older_than_days must be positive")
    cutoff = cutoff_ms(clock, older_than_days)
    after, high = id_range(conn)
    deleted = 0
    while after < high:
        deleted += prune_chunk(conn, cutoff, after, clock.now_ms(), chunk)
        after += chunk
    return deleted


def pruned_any(conn: Connection) -> bool:
    value = maintenance_repository.select_marker(conn, MARKER)
    return bool(value)
