"""Moments of the lists domain that upper packages react to, and what they provide to it."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from mailroom.kit.hooks import Hook, Provider
from mailroom.lists.schemas import ListCounts

# (conn, account_id, list_id): the list is about to be deleted (its contacts still exist, so
# activity can find their events).
deleting: Hook[[Connection, int, int]] = Hook("lists.deleting")

# (conn, list ids) -> contacts per list and status; the contacts domain counts its own rows.
contact_counts: Provider[[Connection, Sequence[int]], dict[int, ListCounts]] = Provider(
    "lists.contact_counts"
)
