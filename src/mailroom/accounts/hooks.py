"""Moments of the accounts domain that upper packages react to, in the caller's transaction."""

from __future__ import annotations

from sqlalchemy import Connection

from mailroom.kit.clock import Clock
from mailroom.kit.hooks import Hook

# (conn, clock, account_id, name): a tenant was created; lists gives it its default list.
created: Hook[[Connection, Clock, int, str]] = Hook("accounts.created")
