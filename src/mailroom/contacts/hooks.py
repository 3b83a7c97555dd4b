"""Moments of the contacts domain that upper packages react to, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from mailroom.kit.clock import Clock
from mailroom.kit.hooks import Hook


@dataclass(frozen=True)
class StatusChange:
    """Contacts `change_status` changed (already written), and what the change is credited to."""

    account_id: int
    change_to: str  # a `status.CHANGES` value
    at_ms: int
    uids: Sequence[str]
    mailing_id: int | None = None
    connection_id: int | None = None


# (conn, account_id, contact ids): these contacts are about to be deleted.
deleting: Hook[[Connection, int, Sequence[int]]] = Hook("contacts.deleting")

# (conn, clock, change): `change_status` changed contacts; activity records the events.
status_changed: Hook[[Connection, Clock, StatusChange]] = Hook("contacts.status_changed")
