"""The replica's feed, run every second by one of the workers while the replica is in use."""

from __future__ import annotations

from mailroom.context import Context
from mailroom.jobs.worker import periodic
from mailroom.replica import service

FEED_EVERY_S = 1
ROLLUP_EVERY_S = 300


@periodic("replica.feed", every_s=FEED_EVERY_S, enabled=service.enabled_by)
def feed(ctx: Context) -> None:
    """Bring the replica up to date (rebuilding it if it fell behind the trimmed logs)."""
    service.feed_if_moved(ctx)


@periodic("replica.rollup", every_s=ROLLUP_EVERY_S, enabled=service.enabled_by)
def refresh_rollup(ctx: Context) -> None:
    """Rebuild the per-contact period totals long report windows read, when they fell behind."""
    service.refresh_rollup(ctx)


@periodic("replica.trim", every_s=3600, enabled=lambda s: not service.enabled_by(s))
def trim(ctx: Context) -> None:
    """With the replica off, keep its logs from growing (a replica turned on later rebuilds)."""
    service.trim_unused(ctx)
