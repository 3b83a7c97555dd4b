"""Typed shapes of the accounts domain."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """Who is calling: the account (tenant) every query is scoped to."""

    account_id: int
    account_code: str
    user_id: int | None
    default_list_id: int | None
    rate_limit_per_minute: int | None = None
    rate_limit_in_flight: int | None = None
    scopes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class NewAccount:
    account_id: int
    account_code: str
    username: str
    password: str
    token: str
    default_list_id: int
