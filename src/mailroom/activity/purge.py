"""Remove the activity of deleted lists and contacts, in the transaction that deletes them.

`events` and the three aggregate tables carry no foreign keys (pruning stays cheap), so nothing
cascades: list and contact deletes call these functions before their own DELETE. Every
statement is set-based and scoped by account, and each is served by an index:

* events by ``ix_events_contact_at_type`` (leads with ``contact_id``), for the contacts named
  or, for a list, the ids the list's contacts have (``uq_contacts_list_id_email`` leads with
  ``list_id``), so a list is purged before its contacts go;
* ``contact_totals`` and ``contact_mailing_totals`` by their primary keys (both lead with
  ``contact_id``), for a list through its contacts' ids as for events;
* ``activity_hourly`` by its primary key (leads with ``list_id``).

Deleting contacts keeps their list's hourly counters: those are the list's history, like the
counts a prune leaves behind. Deleting the list removes them with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from mailroom.activity import deletions, lock, maintenance_repository


@dataclass(frozen=True)
class Purged:
    """How many rows of each table a purge deleted."""

    events: int = 0
    contact_totals: int = 0
    contact_mailing_totals: int = 0
    activity_hourly: int = 0


def purge_list(conn: Connection, account_id: int, list_id: int) -> Purged:
    """Delete the list's events and every aggregate of it; call before its contacts go.

    Takes the account's activity lock (`activity.lock`) until the transaction ends.
    """
    lock.for_deleting(conn, account_id)
    purged = Purged(**maintenance_repository.delete_list_activity(conn, account_id, list_id))
    deletions.record(conn, account_id, deletions.LIST, list_id=list_id)
    return purged


def purge_contacts(conn: Connection, account_id: int, contact_ids: Sequence[int]) -> Purged:
    """Delete these contacts' events and totals; their list's hourly counters stay.

    Takes the account's activity lock (`activity.lock`) until the transaction ends.
    """
    if not contact_ids:
        return Purged()
    lock.for_deleting(conn, account_id)
    ids = sorted(set(contact_ids))

    purged = Purged(**maintenance_repository.delete_contacts_activity(conn, account_id, ids))
    deletions.record(conn, account_id, deletions.CONTACTS, contact_ids=ids)
    return purged
