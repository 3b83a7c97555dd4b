"""Use cases of the sessions domain: open, sign in, check, sign out (see the package docstring)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from sqlalchemy import Connection

from mailroom.accounts import service as accounts_service
from mailroom.accounts.schemas import Principal
from mailroom.errors import Forbidden, RateLimited, Unauthorized
from mailroom.kit import ids
from mailroom.kit.clock import Clock
from mailroom.sessions import repository
from mailroom.sessions.schemas import Issued, SessionPolicy, SessionView

NO_SESSION = "No valid session: call RememberMeController/ping, then login."
NOT_SIGNED_IN = "This session is not signed in: log in first."
BAD_XSRF = "Missing or invalid X-XSRF-TOKEN header for this session."
TOO_MANY_FAILURES = "Too many wrong passwords; try again later."


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _live(conn: Connection, clock: Clock, session_id: str | None) -> tuple[str, Any] | None:
    """(digest, row) of an unexpired session, or None."""
    if not session_id:
        return None
    digest = _digest(session_id)
    row = repository.get_session(conn, digest)
    if row is None or row.expires_ms <= clock.now_ms():
        return None
    return digest, row


def purge_expired(conn: Connection, clock: Clock) -> int:
    """Delete sessions past their idle deadline; returns how many."""
    return repository.delete_expired(conn, clock.now_ms())


def issue_xsrf(
    conn: Connection, clock: Clock, policy: SessionPolicy, session_id: str | None
) -> Issued:
    """A new (newest) XSRF token for a live session, else a new anonymous session and token."""
    now = clock.now_ms()
    xsrf = ids.token(24)
    found = _live(conn, clock, session_id)
    if found is not None and session_id is not None:
        digest, row = found
        remember = bool(row.remember)
        repository.update_session(
            conn,
            digest,
            {
                "xsrf_last": _digest(xsrf),
                "last_seen_ms": now,
                "expires_ms": now + policy.lifetime_ms(remember),
            },
        )
        return Issued(session_id, xsrf, remember)
    purge_expired(conn, clock)
    new_id = ids.token(32)
    repository.insert_session(
        conn,
        {
            "id_hash": _digest(new_id),
            "account_id": None,
            "user_id": None,
            "remember": False,
            "xsrf_first": _digest(xsrf),
            "xsrf_last": _digest(xsrf),
            "created_ms": now,
            "last_seen_ms": now,
            "expires_ms": now + policy.lifetime_ms(False),
        },
    )
    return Issued(new_id, xsrf)


def _failure_keys(username: str, address: str) -> tuple[str, str]:
    return _digest(f"user\x00{username}\x00{address}"), _digest(f"address\x00{address}")


def _failures_in_window(conn: Connection, key: str, now: int, window_ms: int) -> tuple[int, int]:
    """(failures, window start) of a key's current window; (0, now) when it has lapsed."""
    row = repository.get_failures(conn, key)
    if row is None or row.window_start_ms + window_ms <= now:
        return 0, now
    return int(row.failures), int(row.window_start_ms)


def authenticate(
    conn: Connection,
    clock: Clock,
    policy: SessionPolicy,
    *,
    username: str,
    password: str,
    address: str,
    account_code: str | None = None,
) -> Principal | None:
    """The user these credentials name, None when wrong, RateLimited while locked out.

    A locked-out caller is refused before its password is looked at, right or wrong.
    """
    now = clock.now_ms()
    window_ms = policy.failure_window_s * 1000
    limits = (policy.failures_allowed, policy.failures_allowed * policy.address_factor)
    for key, limit in zip(_failure_keys(username, address), limits, strict=True):
        failures, start = _failures_in_window(conn, key, now, window_ms)
        if limit > 0 and failures >= limit:
            wait_s = max(1, -(-(start + window_ms - now) // 1000))
            raise RateLimited(TOO_MANY_FAILURES, headers={"Retry-After": str(wait_s)})
    return accounts_service.verify_login(conn, username, password, account_code)


def record_failure(
    conn: Connection, clock: Clock, policy: SessionPolicy, *, username: str, address: str
) -> None:
    """Count one wrong password against the user at this address and against the address."""
    now = clock.now_ms()
    window_ms = policy.failure_window_s * 1000
    for key in _failure_keys(username, address):
        repository.ensure_failures(conn, key, now)
        repository.add_failure(conn, key, now, window_ms)


def login(
    conn: Connection,
    clock: Clock,
    policy: SessionPolicy,
    session_id: str | None,
    principal: Principal,
    *,
    remember: bool = False,
    username: str = "",
    address: str = "",
) -> Issued:
    """Sign the session in as ``principal`` under a new id; its XSRF tokens stay valid.

    A caller without a live session gets a fresh one (and a new first XSRF token).
    """
    now = clock.now_ms()
    found = _live(conn, clock, session_id)
    xsrf = ""
    if found is None:
        issued = issue_xsrf(conn, clock, policy, None)
        session_id, xsrf = issued.session_id, issued.xsrf
        found = _live(conn, clock, session_id)
        assert found is not None
    digest = found[0]
    new_id = ids.token(32)
    repository.update_session(
        conn,
        digest,
        {
            "id_hash": _digest(new_id),
            "account_id": principal.account_id,
            "user_id": principal.user_id,
            "remember": remember,
            "last_seen_ms": now,
            "expires_ms": now + policy.lifetime_ms(remember),
        },
    )
    if username:
        repository.delete_failures(conn, _failure_keys(username, address)[0])
    return Issued(new_id, xsrf, remember)


def check(
    conn: Connection,
    clock: Clock,
    policy: SessionPolicy,
    session_id: str | None,
    xsrf: str | None,
    *,
    need_user: bool = True,
    need_xsrf: bool = True,
    touch: bool = True,
) -> SessionView:
    """The live session of this cookie, its idle deadline pushed forward; 401 or 403 if not.

    With ``touch=False`` it only reads (a read transaction will do); ``SessionView.stale`` then
    says the deadline is due to move: call `touch` in a write transaction.
    """
    found = _live(conn, clock, session_id)
    if found is None:
        raise Unauthorized(NO_SESSION)
    digest, r = found
    if need_user and r.user_id is None:
        raise Unauthorized(NOT_SIGNED_IN)
    if need_xsrf:
        given = _digest(xsrf) if xsrf else ""
        accepted = (r.xsrf_first, r.xsrf_last)
        if not any(hmac.compare_digest(given, token) for token in accepted):
            raise Forbidden(BAD_XSRF)
    now = clock.now_ms()
    remember = bool(r.remember)
    last_seen, expires = int(r.last_seen_ms), int(r.expires_ms)
    stale = now - last_seen >= policy.touch_every_s * 1000
    if stale and touch:
        last_seen, expires = now, now + policy.lifetime_ms(remember)
        repository.update_session(conn, digest, {"last_seen_ms": now, "expires_ms": expires})
        stale = False
    return SessionView(
        account_id=r.account_id,
        user_id=r.user_id,
        remember=remember,
        created_ms=int(r.created_ms),
        last_seen_ms=last_seen,
        expires_ms=expires,
        stale=stale,
    )


def touch(conn: Connection, clock: Clock, policy: SessionPolicy, session_id: str | None) -> None:
    """Push a live session's idle deadline forward (after a read-only `check`)."""
    found = _live(conn, clock, session_id)
    if found is not None:
        now = clock.now_ms()
        expires = now + policy.lifetime_ms(bool(found[1].remember))
        repository.update_session(conn, found[0], {"last_seen_ms": now, "expires_ms": expires})


def logout(conn: Connection, session_id: str | None) -> bool:
    """End the session; True when there was one. Its cookie is refused from then on."""
    if not session_id:
        return False
    return repository.delete_session(conn, _digest(session_id)) > 0
