"""Typed shapes of the sessions domain."""

from __future__ import annotations

from dataclasses import dataclass

from mailroom.config import Settings


@dataclass(frozen=True)
class SessionPolicy:
    """How long sessions live and how many wrong passwords are tolerated."""

    idle_s: int = 1800
    remember_s: int = 1_209_600
    failures_allowed: int = 5
    failure_window_s: int = 900
    # An address may fail this many times as often as one user at it (guessing many users).
    address_factor: int = 10
    # The idle deadline is pushed forward at most this often, so checks rarely write.
    touch_every_s: int = 60

    @classmethod
    def from_settings(cls, settings: Settings) -> SessionPolicy:
        return cls(
            idle_s=settings.session_idle_s,
            remember_s=settings.session_remember_s,
            failures_allowed=settings.login_failures_allowed,
            failure_window_s=settings.login_failure_window_s,
        )

    def lifetime_ms(self, remember: bool) -> int:
        return (self.remember_s if remember else self.idle_s) * 1000


@dataclass(frozen=True)
class Issued:
    """What the client receives: the session id for its cookie and an XSRF token."""

    session_id: str
    xsrf: str
    remember: bool = False


@dataclass(frozen=True)
class SessionView:
    """A live session as a request sees it (account and user are None before sign-in)."""

    account_id: int | None
    user_id: int | None
    remember: bool
    created_ms: int
    last_seen_ms: int
    expires_ms: int
    stale: bool = False  # the idle deadline is due to move (a `check` with touch=False)
