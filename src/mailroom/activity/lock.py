"""One lock per account between storing events and deleting the contacts they belong to.

Ingest looks its contacts up and stores their events in one transaction; a contact delete
purges the contact's events and then the contact in another. Without a lock, a delete that
commits between an ingest's lookup and its commit leaves events of a contact that no longer
exists. So, on PostgreSQL, every transaction that stores events holds the account's lock
shared (ingests run together), and every one that deletes contacts or a list holds it
exclusive, from before it purges until it commits: a delete waits for the ingests under way,
and ingests that start meanwhile wait for the delete, then find the contacts gone.

SQLite has one writer at a time and ingest rechecks its contacts inside the write
transaction, so nothing is taken there. The lock is a transaction-scoped advisory lock keyed
by (`NAMESPACE`, account id folded to 31 bits); a fold that makes two accounts share a key
only makes them wait for each other.
"""

from __future__ import annotations

from sqlalchemy import Connection

from mailroom.db import locks

NAMESPACE = 0x6D61_696C  # "mail"


def for_storing(conn: Connection, account_id: int) -> None:
    """Hold the account's lock shared until the transaction ends: events are being stored."""
    locks.hold_shared(conn, NAMESPACE, account_id & 0x7FFF_FFFF)


def for_deleting(conn: Connection, account_id: int) -> None:
    """Hold the account's lock exclusive until the transaction ends: contacts are deleted."""
    locks.hold_exclusive(conn, NAMESPACE, account_id & 0x7FFF_FFFF)
