"""Recompute an account's aggregates from its stored events with set-based SQL.

Used after bulk-loading events (the demo generator) and as a repair tool. Pruned events are
gone, so a rebuild after pruning would silently lose their history: it refuses unless told
`allow_pruned=True` (and then totals cover only the events still stored).
"""

from __future__ import annotations

from sqlalchemy import Connection

from mailroom.activity import maintenance_repository, retention, served
from mailroom.errors import Conflict


def rebuild_aggregates(conn: Connection, account_id: int, *, allow_pruned: bool = False) -> None:
    """Replace the account's contact, contact x mailing, hourly and served totals with ones from
    events."""
    if not allow_pruned and retention.pruned_any(conn):
        raise Conflict(
            "Raw events were pruned: a rebuild would lose their history from every total."
        )
    maintenance_repository.replace_aggregates(conn, account_id)
    served.rebuild(conn, account_id)
