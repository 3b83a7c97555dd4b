"""All SQL of the mailings domain."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, insert, or_, select

from mailroom.db.tables import mailings

CHUNK = 2000


def find_ids(
    conn: Connection, account_id: int, ids: Iterable[int], activity_ids: Iterable[str]
) -> list[Any]:
    """(id, campaign_activity_id) of the account's mailings among the given ids and uuids."""
    id_list = sorted(set(ids))
    uuid_list = sorted(set(activity_ids))
    rows: list[Any] = []
    for start in range(0, max(len(id_list), len(uuid_list)), CHUNK):
        some_ids = id_list[start : start + CHUNK]
        some_uuids = uuid_list[start : start + CHUNK]
        conditions = []
        if some_ids:
            conditions.append(mailings.c.id.in_(some_ids))
        if some_uuids:
            conditions.append(mailings.c.campaign_activity_id.in_(some_uuids))
        rows.extend(
            conn.execute(
                select(mailings.c.id, mailings.c.campaign_activity_id).where(
                    mailings.c.account_id == account_id, or_(*conditions)
                )
            )
        )
    return rows


def insert_mailing(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(mailings).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]
