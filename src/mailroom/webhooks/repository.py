"""All SQL of the webhooks domain: the `webhook_endpoints` and `webhook_replays` tables."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from mailroom.db import backend
from mailroom.db.tables import accounts, webhook_endpoints, webhook_replays
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


def remember_token(
    conn: Connection, endpoint_id: int, token: str, body_hash: str, now_s: int, keep_s: int
) -> str:
    """Record a signature token with its body's hash; the hash stored first is returned.

    Tokens older than `keep_s` are forgotten here (their signatures are stale by then anyway),
    so the table holds only a few minutes of calls.
    """
    r = webhook_replays
    conn.execute(delete(r).where(r.c.seen_s < now_s - keep_s))
    row = {"endpoint_id": endpoint_id, "token": token, "body_hash": body_hash, "seen_s": now_s}
    backend.insert_ignore(conn, r, [row], index_elements=["endpoint_id", "token"])
    stored = conn.execute(
        select(r.c.body_hash).where(r.c.endpoint_id == endpoint_id, r.c.token == token)
    ).scalar_one()
    return str(stored)
