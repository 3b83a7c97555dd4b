"""Server-side sessions: XSRF rules, sign-in, idle expiry, remember-me, logout, wrong passwords."""

from __future__ import annotations

import pytest

from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context
from mailroom.db.database import Database
from mailroom.errors import Forbidden, RateLimited, Unauthorized
from mailroom.kit.clock import FrozenClock
from mailroom.sessions import service
from mailroom.sessions.schemas import Issued, SessionPolicy

POLICY = SessionPolicy(idle_s=600, remember_s=86_400, failures_allowed=3, failure_window_s=900)


def _ping(ctx: Context, session_id: str | None = None) -> Issued:
    with ctx.db.write() as conn:
        return service.issue_xsrf(conn, ctx.clock, POLICY, session_id)


def _sign_in(ctx: Context, acc: NewAccount, issued: Issued, *, remember: bool = False) -> Issued:
    with ctx.db.write() as conn:
        principal = service.authenticate(
            conn, ctx.clock, POLICY, username=acc.username, password=acc.password, address="a"
        )
        assert principal is not None
        return service.login(
            conn, ctx.clock, POLICY, issued.session_id, principal, remember=remember
        )


def _check(ctx: Context, session_id: str | None, xsrf: str | None, **kw: bool) -> object:
    with ctx.db.write() as conn:
        return service.check(conn, ctx.clock, POLICY, session_id, xsrf, **kw)


def test_first_and_newest_xsrf_are_accepted_older_ones_refused(
    ctx: Context, account: NewAccount
) -> None:
    first = _ping(ctx)
    second = _ping(ctx, first.session_id)
    third = _ping(ctx, first.session_id)
    assert second.session_id == third.session_id == first.session_id
    assert len({first.xsrf, second.xsrf, third.xsrf}) == 3
    signed = _sign_in(ctx, account, first)
    assert signed.session_id != first.session_id
    for token in (first.xsrf, third.xsrf):
        view = _check(ctx, signed.session_id, token)
        assert view.account_id == account.account_id  # type: ignore[attr-defined]
    for token in (second.xsrf, "", None, "made-up"):
        with pytest.raises(Forbidden):
            _check(ctx, signed.session_id, token)


def test_login_gives_a_new_id_and_the_old_one_is_refused(ctx: Context, account: NewAccount) -> None:
    issued = _ping(ctx)
    with pytest.raises(Unauthorized):
        _check(ctx, issued.session_id, issued.xsrf)  # not signed in yet
    assert _check(ctx, issued.session_id, issued.xsrf, need_user=False)
    signed = _sign_in(ctx, account, issued)
    with pytest.raises(Unauthorized):
        _check(ctx, issued.session_id, issued.xsrf, need_user=False)
    assert _check(ctx, signed.session_id, issued.xsrf)


def test_idle_expiry_slides_and_remember_me_lasts_longer(
    ctx: Context, clock: FrozenClock, account: NewAccount
) -> None:
    short = _sign_in(ctx, account, first := _ping(ctx))
    long = _sign_in(ctx, account, second := _ping(ctx), remember=True)
    for _ in range(3):  # calls within the idle time keep the session alive
        clock.advance(seconds=500)
        _check(ctx, short.session_id, first.xsrf)
    clock.advance(seconds=601)
    with pytest.raises(Unauthorized):
        _check(ctx, short.session_id, first.xsrf)
    clock.advance(seconds=80_000)
    assert _check(ctx, long.session_id, second.xsrf)
    clock.advance(seconds=86_401)
    with pytest.raises(Unauthorized):
        _check(ctx, long.session_id, second.xsrf)


def test_expired_sessions_are_purged_and_a_ping_starts_a_new_one(
    ctx: Context, clock: FrozenClock
) -> None:
    old = _ping(ctx)
    clock.advance(seconds=601)
    fresh = _ping(ctx, old.session_id)
    assert fresh.session_id != old.session_id
    with ctx.db.write() as conn:
        assert service.purge_expired(conn, clock) == 0  # the ping already removed the old row
        assert service.logout(conn, old.session_id) is False


def test_logout_ends_the_session(ctx: Context, account: NewAccount) -> None:
    issued = _ping(ctx)
    signed = _sign_in(ctx, account, issued)
    with ctx.db.write() as conn:
        assert service.logout(conn, signed.session_id) is True
    with pytest.raises(Unauthorized):
        _check(ctx, signed.session_id, issued.xsrf)


def _attempt(ctx: Context, username: str, password: str, address: str) -> bool:
    with ctx.db.read() as conn:
        principal = service.authenticate(
            conn, ctx.clock, POLICY, username=username, password=password, address=address
        )
    if principal is None:
        with ctx.db.write() as conn:
            service.record_failure(conn, ctx.clock, POLICY, username=username, address=address)
    return principal is not None


def test_wrong_passwords_lock_out_that_user_at_that_address(
    ctx: Context, clock: FrozenClock, account: NewAccount
) -> None:
    for _ in range(3):
        assert _attempt(ctx, account.username, "wrong", "10.0.0.1") is False
    with pytest.raises(RateLimited) as refused:
        _attempt(ctx, account.username, account.password, "10.0.0.1")  # right, but locked
    assert 0 < int(refused.value.headers["Retry-After"]) <= 900
    assert _attempt(ctx, account.username, account.password, "10.0.0.2")  # another address
    clock.advance(seconds=901)
    assert _attempt(ctx, account.username, account.password, "10.0.0.1")


def test_one_address_guessing_many_users_is_locked_out(ctx: Context, account: NewAccount) -> None:
    for n in range(30):  # three tries each at ten users: the address's limit (3 x 10)
        _attempt(ctx, f"user{n // 3}", "guess", "10.9.9.9")
    with pytest.raises(RateLimited):
        _attempt(ctx, account.username, account.password, "10.9.9.9")


def test_a_session_opened_through_one_engine_is_accepted_through_another(
    ctx: Context, account: NewAccount
) -> None:
    issued = _ping(ctx)
    signed = _sign_in(ctx, account, issued)
    other = Database(ctx.settings.database_url)  # another process's pool on the same database
    try:
        with other.write() as conn:
            view = service.check(conn, ctx.clock, POLICY, signed.session_id, issued.xsrf)
        assert view.user_id is not None and view.account_id == account.account_id
        with other.write() as conn:
            service.logout(conn, signed.session_id)
    finally:
        other.dispose()
    with pytest.raises(Unauthorized):
        _check(ctx, signed.session_id, issued.xsrf)


def test_a_read_only_check_says_when_the_deadline_is_due_and_touch_moves_it(
    ctx: Context, clock: FrozenClock, account: NewAccount
) -> None:
    issued = _ping(ctx)
    signed = _sign_in(ctx, account, issued)
    clock.advance(seconds=30)
    with ctx.db.read() as conn:
        fresh = service.check(conn, clock, POLICY, signed.session_id, issued.xsrf, touch=False)
    assert fresh.stale is False
    clock.advance(seconds=500)
    with ctx.db.read() as conn:
        due = service.check(conn, clock, POLICY, signed.session_id, issued.xsrf, touch=False)
    assert due.stale is True
    clock.advance(seconds=80)  # 610 s after sign-in: alive only if touched at 530 s
    with pytest.raises(Unauthorized):
        _check(ctx, signed.session_id, issued.xsrf)
    again = _sign_in(ctx, account, _ping(ctx))
    clock.advance(seconds=530)
    with ctx.db.write() as conn:
        service.touch(conn, clock, POLICY, again.session_id)
    clock.advance(seconds=80)
    assert _check(ctx, again.session_id, None, need_xsrf=False)
