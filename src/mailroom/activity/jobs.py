"""Activity's background work: the retention prune, on a schedule when retention is on."""

from __future__ import annotations

from mailroom.activity import retention
from mailroom.context import Context
from mailroom.jobs.worker import periodic

PRUNE_EVERY_S = 3600


def prune(ctx: Context, older_than_days: int) -> int:
    """Delete raw events older than the age, one transaction per chunk (short locks)."""
    cutoff = retention.cutoff_ms(ctx.clock, older_than_days)
    with ctx.db.read() as conn:
        after, high = retention.id_range(conn)
    deleted = 0
    while after < high:
        with ctx.db.write() as conn:
            deleted += retention.prune_chunk(conn, cutoff, after, ctx.clock.now_ms())
        after += retention.CHUNK
    return deleted


@periodic("activity.prune", every_s=PRUNE_EVERY_S, enabled=lambda s: s.retention_days > 0)
def prune_on_schedule(ctx: Context) -> None:
    """Each hour: drop raw events past `retention_days` (aggregates keep every total)."""
    prune(ctx, ctx.settings.retention_days)
