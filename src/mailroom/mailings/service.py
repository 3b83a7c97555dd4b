"""Use cases of the mailings domain needed so far: resolve ids, create and list mailings."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection

from mailroom.errors import NotFound
from mailroom.kit.clock import Clock, now_s
from mailroom.mailings import repository


def resolve(
    conn: Connection, account_id: int, ids: Iterable[int], activity_ids: Iterable[str] = ()
) -> tuple[set[int], dict[str, int]]:
    """The account's mailing ids among `ids`, and campaign_activity_id -> id for `activity_ids`."""
    known: set[int] = set()
    by_activity: dict[str, int] = {}
    for mailing_id, activity_id in repository.find_ids(conn, account_id, ids, activity_ids):
        known.add(mailing_id)
        by_activity[activity_id] = mailing_id
    return known, by_activity


def create_mailing(
    conn: Connection,
    clock: Clock,
    account_id: int,
    name: str,
    *,
    list_id: int | None = None,
    campaign_activity_id: str | None = None,
    sent: int | None = None,
) -> int:
    """Create a mailing (for imports and demos); its Constant Contact uuid is made if not given."""
    return repository.insert_mailing(
        conn,
        {
            "account_id": account_id,
            "list_id": list_id,
            "name": name,
            "campaign_activity_id": campaign_activity_id or str(uuid.uuid4()),
            "created": now_s(clock),
            "sent": sent,
        },
    )


def account_mailings(conn: Connection, account_id: int) -> list[Any]:
    """The account's mailings (id, name, list_id, sent), oldest first."""
    return repository.mailings_of_account(conn, account_id)


def get_mailing(conn: Connection, account_id: int, mailing_id: int) -> Any:
    """The account's mailing (id, name), or NotFound."""
    row = repository.mailing_of_account(conn, account_id, mailing_id)
    if row is None:
        raise NotFound(f"Mailing {mailing_id} not found", code="mailing_not_found")
    return row
