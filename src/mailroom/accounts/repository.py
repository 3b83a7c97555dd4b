"""All SQL of the accounts domain."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, select, text, update

from mailroom.db import backend
from mailroom.db.tables import accounts, api_tokens, users

# A username may repeat across accounts; a sign-in without an account code tries this many.
MAX_SAME_NAME = 5


def insert_account(conn: Connection, *, code: str, name: str, now: int) -> int:
    result = conn.execute(insert(accounts).values(code=code, name=name, created=now))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def default_list_id(conn: Connection, account_id: int) -> int | None:
    value = conn.execute(
        select(accounts.c.default_list_id).where(accounts.c.id == account_id)
    ).scalar_one_or_none()
    return int(value) if value is not None else None


def set_default_list(conn: Connection, account_id: int, list_id: int) -> None:
    conn.execute(
        update(accounts).where(accounts.c.id == account_id).values(default_list_id=list_id)
    )


def insert_user(
    conn: Connection, *, account_id: int, username: str, password_hash: str, now: int
) -> int:
    result = conn.execute(
        insert(users).values(
            account_id=account_id, username=username, password_hash=password_hash, created=now
        )
    )
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def insert_token(
    conn: Connection,
    *,
    account_id: int,
    user_id: int | None,
    token_hash: str,
    scopes: str,
    now: int,
) -> None:
    conn.execute(
        insert(api_tokens).values(
            account_id=account_id,
            user_id=user_id,
            token_hash=token_hash,
            scopes=scopes,
            created=now,
        )
    )


def find_user(conn: Connection, account_code: str, username: str) -> Any:
    query = (
        select(
            users.c.id.label("user_id"),
            users.c.password_hash,
            users.c.api_access,
            accounts.c.id.label("account_id"),
            accounts.c.code,
            accounts.c.default_list_id,
            accounts.c.rate_limit_per_minute,
            accounts.c.rate_limit_in_flight,
        )
        .join(accounts, accounts.c.id == users.c.account_id)
        .where(accounts.c.code == account_code, users.c.username == username)
    )
    return conn.execute(query).first()


def find_users_named(conn: Connection, username: str, account_code: str | None) -> list[Any]:
    """Users with this username (in one account when a code is given), oldest first."""
    query = (
        select(
            users.c.id.label("user_id"),
            users.c.username,
            users.c.password_hash,
            users.c.api_access,
            accounts.c.id.label("account_id"),
            accounts.c.code,
            accounts.c.default_list_id,
            accounts.c.rate_limit_per_minute,
            accounts.c.rate_limit_in_flight,
        )
        .join(accounts, accounts.c.id == users.c.account_id)
        .where(users.c.username == username)
        .order_by(users.c.id)
        .limit(MAX_SAME_NAME)
    )
    if account_code is not None:
        query = query.where(accounts.c.code == account_code)
    return list(conn.execute(query))


def find_user_by_id(conn: Connection, user_id: int) -> Any:
    query = (
        select(
            users.c.id.label("user_id"),
            users.c.username,
            users.c.role,
            users.c.created.label("user_created"),
            accounts.c.id.label("account_id"),
            accounts.c.code,
            accounts.c.name.label("account_name"),
            accounts.c.default_list_id,
            accounts.c.rate_limit_per_minute,
            accounts.c.rate_limit_in_flight,
        )
        .join(accounts, accounts.c.id == users.c.account_id)
        .where(users.c.id == user_id)
    )
    return conn.execute(query).first()


def find_token(conn: Connection, token_hash: str) -> Any:
    query = (
        select(
            api_tokens.c.user_id,
            api_tokens.c.scopes,
            api_tokens.c.revoked,
            accounts.c.id.label("account_id"),
            accounts.c.code,
            accounts.c.default_list_id,
            accounts.c.rate_limit_per_minute,
            accounts.c.rate_limit_in_flight,
        )
        .join(accounts, accounts.c.id == api_tokens.c.account_id)
        .where(api_tokens.c.token_hash == token_hash)
    )
    return conn.execute(query).first()


def find_account_by_code(conn: Connection, code: str) -> Any:
    return conn.execute(select(accounts).where(accounts.c.code == code)).first()


def all_accounts(conn: Connection) -> list[Any]:
    return list(conn.execute(select(accounts).order_by(accounts.c.id)).all())


def usernames(conn: Connection) -> dict[int, list[str]]:
    """Every account's API usernames, in creation order."""
    query = select(users.c.account_id, users.c.username).order_by(users.c.id)
    found: dict[int, list[str]] = {}
    for account_id, username in conn.execute(query).all():
        found.setdefault(int(account_id), []).append(str(username))
    return found


# The same statement on SQLite (3.35+) and PostgreSQL: an upsert that returns the new count.
_ADD_CALLS = text(
    "INSERT INTO rate_counts (account_id, minute, calls) VALUES (:account_id, :minute, :calls) "
    "ON CONFLICT (account_id, minute) DO UPDATE SET calls = rate_counts.calls + excluded.calls "
    "RETURNING calls"
)
_FORGET_MINUTES = text(
    "DELETE FROM rate_counts WHERE account_id = :account_id AND minute < :minute"
)


def add_calls(conn: Connection, account_id: int, minute: int, calls: int) -> int:
    """Add calls to the account's count for the minute; the count after, all processes'."""
    params = {"account_id": account_id, "minute": minute, "calls": calls}
    backend.commit_without_flush(conn)  # a count lost in a crash only lets a few calls more
    total = conn.execute(_ADD_CALLS, params).scalar_one()
    if total == calls:  # the minute's first claim: earlier minutes are done with
        conn.execute(_FORGET_MINUTES, params)
    return int(total)


def set_time_zone(conn: Connection, account_id: int, name: str) -> None:
    conn.execute(update(accounts).where(accounts.c.id == account_id).values(time_zone=name))


def get_account(conn: Connection, account_id: int) -> Any:
    return conn.execute(select(accounts).where(accounts.c.id == account_id)).first()
