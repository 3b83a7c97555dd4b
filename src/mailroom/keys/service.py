"""Which secret signs tracking links, and which older ones still verify.

No secret is built in: a published default would let anyone sign unsubscribes and redirects.
``MAILROOM_SECRET_KEY`` wins when set (with ``MAILROOM_OLD_SECRET_KEYS``, comma-separated, still
verifying during a rotation). Otherwise the first start generates 256 random bits and stores
them in the database (`server_keys`): every process and host of the database uses the same key,
and a backup restores the key with the contacts its links name. `rotate` retires the current
key; a retired key still verifies for ``grace_days``, then links signed with it stop working.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import Connection

from mailroom.context import Context
from mailroom.keys import repository
from mailroom.kit.clock import Clock, now_s

log = logging.getLogger("mailroom")

FROM_SETTING = "the MAILROOM_SECRET_KEY setting"
GENERATED = "a new key, generated on this start and stored in the database (table server_keys)"
FROM_DATABASE = "the database (table server_keys)"
MIN_LENGTH = 16
PUBLISHED_DEFAULT = "change-me-in-production"
SERVICE_KEY = "mailroom.keys.ring"


@dataclass(frozen=True)
class KeyRing:
    """The key that signs, the keys that still verify, and where they came from."""

    current: str
    previous: tuple[str, ...]
    source: str


def configured(secret: str, old: tuple[str, ...]) -> KeyRing:
    if len(secret) < MIN_LENGTH:
        raise ValueError(f"MAILROOM_SECRET_KEY must be at least {MIN_LENGTH} characters long")
    if secret == PUBLISHED_DEFAULT:
        raise ValueError("MAILROOM_SECRET_KEY is the default published in old docs; choose another")
    return KeyRing(secret, tuple(o for o in old if o and o != secret), FROM_SETTING)


def key_ring(ctx: Context) -> KeyRing:
    """The process's keys, resolved once (a rotation takes effect when processes restart)."""
    found: KeyRing | None = ctx.services.get(SERVICE_KEY)
    if found is None:
        settings = ctx.settings
        if settings.secret_key:
            found = configured(settings.secret_key, settings.old_secret_keys)
        else:
            with ctx.db.write() as conn:
                found = stored(conn, ctx.clock, settings.secret_grace_days)
        ctx.services[SERVICE_KEY] = found
    return found


def stored(conn: Connection, clock: Clock, grace_days: int) -> KeyRing:
    """The database's keys; the first one is generated here when there is none yet."""
    source = FROM_DATABASE
    rows = repository.all_keys(conn)
    if not rows:
        repository.insert_first(conn, _generate(), now_s(clock))
        rows = repository.all_keys(conn)
        source = GENERATED
    now = now_s(clock)
    current = next(r for r in rows if r.retired is None)
    previous = tuple(
        r.secret for r in rows if r.retired is not None and now - r.retired <= grace_days * 86_400
    )
    return KeyRing(current.secret, previous, source)


def rotate(conn: Connection, clock: Clock) -> int:
    """A new current key; the old one verifies for the grace period. Returns the new key's id."""
    rows = repository.all_keys(conn)
    now = now_s(clock)
    for row in rows:
        if row.retired is None:
            repository.retire(conn, row.id, now)
    new_id = (rows[0].id if rows else 0) + 1
    repository.insert_next(conn, new_id, _generate(), now)
    return new_id


def _generate() -> str:
    return secrets.token_urlsafe(32)


def announce(ring: KeyRing) -> str:
    """The startup line that says where the key came from (never the key)."""
    extra = f"; {len(ring.previous)} older key(s) still accepted" if ring.previous else ""
    line = f"tracking links are signed with the secret key from {ring.source}{extra}"
    log.info(line)
    return line
