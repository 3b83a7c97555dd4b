"""All SQL of the webhooks domain: the `webhook_endpoints` table."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from mailroom.db.tables import accounts, webhook_endpoints
from mailroom.webhooks.schemas import Endpoint


def insert_endpoint(conn: Connection, values: dict[str, Any]) -> int:
    result = conn.execute(insert(webhook_endpoints).values(**values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def get_by_token(conn: Connection, token: str) -> Endpoint | None:
    """The endpoint named in a URL; its list falls back to the account's default list."""
    w = webhook_endpoints
    row = conn.execute(
        select(
            w.c.id,
            w.c.account_id,
            w.c.provider,
            w.c.token,
            w.c.secret,
            func.coalesce(w.c.list_id, accounts.c.default_list_id).label("list_id"),
        )
        .join(accounts, accounts.c.id == w.c.account_id)
        .where(w.c.token == token)
    ).first()
    if row is None:
        return None
    return Endpoint(row.id, row.account_id, row.provider, row.token, row.secret, row.list_id)


def set_secret(conn: Connection, endpoint_id: int, secret: str) -> None:
    conn.execute(
        update(webhook_endpoints).where(webhook_endpoints.c.id == endpoint_id).values(secret=secret)
    )
