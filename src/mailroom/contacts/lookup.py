"""Resolve contacts in bulk by public id or by list and email, only within one account."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import Connection

from mailroom.contacts import repository


class ContactRef(NamedTuple):
    """What ingest needs of every contact it names: its ids. (A status is read apart, for the
    few contacts whose events change it: `current`.)"""

    id: int
    uid: str
    list_id: int


def by_uid(conn: Connection, account_id: int, uids: Iterable[str]) -> dict[str, ContactRef]:
    """Public id -> contact, for the account's contacts among `uids` (others are absent)."""
    rows = repository.refs_by_uid(conn, account_id, uids)
    return {ref.uid: ref for ref in map(ContactRef._make, rows)}


def by_email(
    conn: Connection, account_id: int, pairs: Iterable[tuple[int, str]]
) -> dict[tuple[int, str], ContactRef]:
    """(list id, lower-cased email) -> contact; other accounts' lists find nothing."""
    wanted: set[tuple[int, str]] = set()
    for list_id, email in pairs:
        wanted.add((list_id, email))
        wanted.add((list_id, email.lower()))
    rows = repository.refs_by_email(conn, account_id, wanted)
    return {(row[2], row[3].lower()): ContactRef(*row[:3]) for row in rows}


class ContactState(NamedTuple):
    """A contact's status state as of now, read inside the write transaction."""

    id: int
    status: str
    status_changed_ms: int


def gone(conn: Connection, ids: Iterable[int]) -> set[int]:
    """The contacts.id values among `ids` no contact has (deleted since they were looked up)."""
    return repository.missing_ids(conn, ids)


def current(conn: Connection, ids: Iterable[int]) -> dict[int, ContactState]:
    """contacts.id -> its current status state, for the contacts among `ids` that still exist."""
    rows = repository.status_states(conn, ids)
    return {row[0]: ContactState(*row) for row in rows}
