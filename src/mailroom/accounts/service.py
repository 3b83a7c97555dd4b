"""Use cases of the accounts domain: create tenants, authenticate callers."""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection

from mailroom.accounts import hooks, passwords, repository
from mailroom.accounts.schemas import NewAccount, Principal
from mailroom.errors import Forbidden, NotFound, Unauthorized, ValidationFailed
from mailroom.kit import ids
from mailroom.kit.clock import Clock, now_s

ONGAGE_BAD_CREDENTIALS = (
    "Invalid Credentials. Please provide valid x_username, x_password and x_account_code headers."
    ' x_account_code as displayed in the "Account Profile" page in your Ongage account.'
)


def create_account(
    conn: Connection,
    clock: Clock,
    name: str,
    *,
    username: str | None = None,
    password: str | None = None,
    code: str | None = None,
    token: str | None = None,
) -> NewAccount:
    """A tenant with one API user, one bearer token and a default list."""
    now = now_s(clock)
    code = code or ids.account_code()
    username = username or f"api@{code}"
    password = password or ids.token(18)
    token = token or ids.token(32)
    account_id = repository.insert_account(conn, code=code, name=name, now=now)
    user_id = repository.insert_user(
        conn,
        account_id=account_id,
        username=username,
        password_hash=passwords.hash_password(password),
        now=now,
    )
    repository.insert_token(
        conn,
        account_id=account_id,
        user_id=user_id,
        token_hash=passwords.hash_token(token),
        scopes="contact_data campaign_data account_read",
        now=now,
    )
    hooks.created(conn, clock, account_id, name)  # the lists domain adds the default list
    default_list_id = repository.default_list_id(conn, account_id)
    if default_list_id is None:
        raise RuntimeError("no default list was created for the new account")
    return NewAccount(account_id, code, username, password, token, default_list_id)


def set_default_list(conn: Connection, account_id: int, list_id: int) -> None:
    repository.set_default_list(conn, account_id, list_id)


def default_list_id(conn: Connection, account_id: int) -> int | None:
    """The account's default list (where calls that name no list land)."""
    return repository.default_list_id(conn, account_id)


class CredentialCache:
    """Remembers verified credentials briefly so argon2 runs once per minute, not per call."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(*parts: str) -> str:
        return hashlib.sha256("\x00".join(parts).encode()).hexdigest()

    def get(self, key: str) -> Principal | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, key: str, principal: Principal) -> None:
        with self._lock:
            if len(self._entries) > 10_000:
                self._entries.clear()
            self._entries[key] = (time.monotonic() + self.ttl_s, principal)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def _principal(row: Any, scopes: frozenset[str] = frozenset()) -> Principal:
    return Principal(
        account_id=row.account_id,
        account_code=row.code,
        user_id=row.user_id,
        default_list_id=row.default_list_id,
        rate_limit_per_minute=row.rate_limit_per_minute,
        rate_limit_in_flight=row.rate_limit_in_flight,
        scopes=scopes,
    )


def authenticate_user(
    conn: Connection, cache: CredentialCache, account_code: str, username: str, password: str
) -> Principal:
    """Ongage header credentials → the caller's account, or Unauthorized."""
    if not (account_code and username and password):
        raise Unauthorized(ONGAGE_BAD_CREDENTIALS)
    key = cache.key("user", account_code, username, password)
    cached = cache.get(key)
    if cached is not None:
        return cached
    row = repository.find_user(conn, account_code, username)
    if row is None or not passwords.verify_password(row.password_hash, password):
        raise Unauthorized(ONGAGE_BAD_CREDENTIALS)
    if not row.api_access:
        raise Forbidden("This user has no API access.")
    principal = _principal(row)
    cache.put(key, principal)
    return principal


def verify_login(
    conn: Connection, username: str, password: str, account_code: str | None = None
) -> Principal | None:
    """A username and password (a web sign-in) → the user's account, or None when wrong.

    Usernames are unique within an account only: without an account code, the first of the
    (at most five) users of that name whose password matches is the one signing in.
    """
    if not (username and password):
        return None
    rows = repository.find_users_named(conn, username, account_code)
    if not rows:  # the same argon2 work as for a known name: timing tells no names apart
        passwords.verify_password(_unknown_user_hash(), password)
    for row in rows:
        if row.api_access and passwords.verify_password(row.password_hash, password):
            return _principal(row)
    return None


_UNKNOWN_USER_HASH: list[str] = []


def _unknown_user_hash() -> str:
    if not _UNKNOWN_USER_HASH:
        _UNKNOWN_USER_HASH.append(passwords.hash_password(ids.token(16)))
    return _UNKNOWN_USER_HASH[0]


def user_info(conn: Connection, user_id: int) -> dict[str, Any]:
    """The user and its account as a web session shows them (Tellody's UserInfo)."""
    row = repository.find_user_by_id(conn, user_id)
    if row is None:
        raise NotFound("No such user")
    return {
        "user_id": row.user_id,
        "username": row.username,
        "role": row.role,
        "created": row.user_created,
        "account_id": row.account_id,
        "account_code": row.code,
        "account_name": row.account_name,
        "default_list_id": row.default_list_id,
    }


def principal_of_user(conn: Connection, user_id: int) -> Principal:
    """The account a signed-in user acts for, or Unauthorized once the user is gone."""
    row = repository.find_user_by_id(conn, user_id)
    if row is None:
        raise Unauthorized("The user of this session no longer exists.")
    return _principal(row)


def authenticate_token(conn: Connection, cache: CredentialCache, token: str) -> Principal:
    """A bearer token (Constant Contact dialect) → the caller's account, or Unauthorized."""
    if not token:
        raise Unauthorized("The Access Token used is invalid.")
    key = cache.key("token", token)
    cached = cache.get(key)
    if cached is not None:
        return cached
    row = repository.find_token(conn, passwords.hash_token(token))
    if row is None or row.revoked is not None:
        raise Unauthorized("The Access Token used is invalid.")
    principal = _principal(row, frozenset(row.scopes.split()))
    cache.put(key, principal)
    return principal


def account_by_code(conn: Connection, code: str) -> Any:
    """The account row with this code (CLI commands name accounts by code), or NotFound."""
    row = repository.find_account_by_code(conn, code)
    if row is None:
        raise NotFound(f"No account with code {code!r}")
    return row


def all_accounts(conn: Connection) -> list[Any]:
    """Every account row, oldest first (for the CLI, which acts for one of them)."""
    return repository.all_accounts(conn)


def usernames(conn: Connection) -> dict[int, list[str]]:
    return repository.usernames(conn)


def claim_calls(conn: Connection, account_id: int, minute: int, calls: int) -> int:
    """Count `calls` more for the account in this clock minute (every process shares the count);
    the minute's total so far, these included."""
    return repository.add_calls(conn, account_id, minute, calls)


def time_zone(conn: Connection, account_id: int) -> ZoneInfo:
    """The account's time zone (automation's days and hours are the account's)."""
    row = repository.get_account(conn, account_id)
    if row is None:
        raise NotFound("Account not found")
    return zone(row.time_zone)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def set_time_zone(conn: Connection, account_id: int, name: str) -> str:
    """Set the account's time zone (an IANA name such as Europe/Paris); 412 for unknown names."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed(
            f"unknown time zone {name!r} (an IANA name such as Europe/Paris)",
            errors=[{"field": "time_zone", "message": "unknown time zone"}],
        ) from None
    repository.set_time_zone(conn, account_id, name)
    return name
