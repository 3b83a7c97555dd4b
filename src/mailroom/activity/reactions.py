"""What activity does when contacts or lists change: purge their events, record status events."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from mailroom.activity import purge
from mailroom.activity import service as activity_service
from mailroom.activity.types import Source
from mailroom.contacts import hooks as contacts_hooks
from mailroom.contacts.hooks import StatusChange
from mailroom.kit.clock import Clock
from mailroom.lists import hooks as lists_hooks

# The engagement event a `change_status` records when it changes a contact.
CHANGE_EVENTS: dict[str, dict[str, str]] = {
    "unsubscribe": {"type": "em_optouts"},
    "complaint": {"type": "em_complaints"},
    "bounce": {"type": "em_bounces", "bounce_type": "hard"},
}


@contacts_hooks.deleting.register
def purge_contacts(conn: Connection, account_id: int, contact_ids: Sequence[int]) -> None:
    """Deleted contacts take their events and totals with them."""
    purge.purge_contacts(conn, account_id, contact_ids)


@lists_hooks.deleting.register
def purge_list(conn: Connection, account_id: int, list_id: int) -> None:
    """A deleted list takes its events and every aggregate of it with it."""
    purge.purge_list(conn, account_id, list_id)


@contacts_hooks.status_changed.register
def record_status_events(conn: Connection, clock: Clock, change: StatusChange) -> None:
    """Store the engagement event of each status change through the one ingest path.

    The contacts' new status is already written, so ingest's status effect finds nothing left
    to change: the change is applied once and counted once.
    """
    template = CHANGE_EVENTS.get(change.change_to)
    if template is None or not change.uids:
        return
    credit: dict[str, Any] = {}
    if change.mailing_id is not None:
        credit["mailing_id"] = change.mailing_id
    items = [{**template, **credit, "contact_id": uid, "at": change.at_ms} for uid in change.uids]
    batch = activity_service.validate(clock, items)
    if change.connection_id is not None:
        for draft in batch.drafts:
            draft.details = {**(draft.details or {}), "connection_id": change.connection_id}
    result = activity_service.store(conn, change.account_id, batch, source=Source.API)
    if result.rejected:  # every item names a contact and mailing checked by change_status
        raise RuntimeError(f"change_status events rejected: {result.rejected[:3]}")
