"""Use cases of the mailings domain: resolve ids, create, read, move status, count sends."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection

from mailroom.errors import NotFound
from mailroom.kit.clock import Clock, now_s
from mailroom.mailings import repository, schemas


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


MAX_REGISTERED_ID = 2**31 - 1  # numeric ids of campaigns sent elsewhere: Ongage's are 32-bit


def create_registered(
    conn: Connection,
    clock: Clock,
    account_id: int,
    ids: Iterable[int],
    activity_ids: Iterable[str],
) -> tuple[set[int], dict[str, int]]:
    """Register campaigns sent elsewhere that events name but mailroom does not know yet.

    A numeric id up to `MAX_REGISTERED_ID` becomes the new mailing's id; a campaign_activity_id
    gets a mailing with a fresh id. Ids another account uses stay unknown (ids are unique
    across accounts), and so do larger numeric ids: the id sequence moves past a registered
    id, and must keep room for every account's next mailings. Returns what `resolve` does for
    the new ones.
    """
    now = now_s(clock)
    wanted = {i for i in ids if 0 < i <= MAX_REGISTERED_ID}
    free = sorted(wanted - repository.taken_ids(conn, wanted))
    activity_ids = set(activity_ids)
    activity_ids -= repository.taken_activity_ids(conn, activity_ids)
    base = {
        "account_id": account_id,
        "type": "campaign",
        "status": schemas.COMPLETED,
        "register_only": True,
        "created": now,
        "modified": now,
    }
    repository.insert_with_ids(
        conn,
        [
            {**base, "id": i, "name": f"Mailing {i}", "campaign_activity_id": str(uuid.uuid4())}
            for i in free
        ],
    )
    by_activity: dict[str, int] = {}
    for activity_id in sorted(set(activity_ids)):
        by_activity[activity_id] = repository.insert_mailing(
            conn, {**base, "name": f"Campaign {activity_id}", "campaign_activity_id": activity_id}
        )
    return set(free), by_activity


def statuses_of(conn: Connection, mailing_ids: Iterable[int]) -> dict[int, int]:
    """mailing id -> status, for the mailings among `mailing_ids` (any account's: the caller
    holds their sends)."""
    return repository.statuses_of(conn, mailing_ids)


def insert_mailing(conn: Connection, values: dict[str, Any]) -> int:
    return repository.insert_mailing(conn, values)


def get_mailing(conn: Connection, account_id: int, mailing_id: int) -> Any:
    row = repository.get_mailing(conn, account_id, mailing_id)
    if row is None:
        raise NotFound(f"Mailing {mailing_id} not found", code="mailing_not_found")
    return row


def find_mailing(conn: Connection, account_id: int, mailing_id: int) -> Any:
    """The mailing or None."""
    return repository.get_mailing(conn, account_id, mailing_id)


def page_mailings(
    conn: Connection, account_id: int, offset: int, limit: int | None, descending: bool
) -> tuple[list[Any], int]:
    return repository.page_mailings(conn, account_id, offset, limit, descending)


def update_mailing(conn: Connection, mailing_id: int, values: dict[str, Any]) -> None:
    repository.update_mailing(conn, mailing_id, values)


def move_status(
    conn: Connection, clock: Clock, mailing_id: int, status: int, current: Iterable[int]
) -> bool:
    return repository.set_status_where(conn, mailing_id, status, current, now_s(clock))


def add_counts(conn: Connection, mailing_id: int, sent: int, failed: int) -> None:
    repository.add_counts(conn, mailing_id, sent, failed)


def find_mailing_any(conn: Connection, mailing_id: int) -> Any:
    """The mailing whatever its account (for work already scoped by its sends)."""
    return repository.get_by_id(conn, mailing_id)
