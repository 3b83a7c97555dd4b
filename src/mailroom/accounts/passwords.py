"""Password and token hashing: argon2 for passwords, SHA-256 for random bearer tokens.

Passwords are hashed at argon2-cffi's default cost (RFC 9106's low-memory profile, about 0.4 s
here). The test suite sets MAILROOM_CHEAP_PASSWORD_HASHES=1 before importing mailroom, which
drops the cost to the minimum so that its thousands of sign-ups and logins take milliseconds.
A hash records its own cost, so either hasher verifies the other's hashes.
"""

from __future__ import annotations

import hashlib
import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

CHEAP_ENV = "MAILROOM_CHEAP_PASSWORD_HASHES"


def _make_hasher() -> PasswordHasher:
    if os.environ.get(CHEAP_ENV) == "1":
        return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    return PasswordHasher()


_hasher = _make_hasher()


def hash_password(password: str) -> str:
    return str(_hasher.hash(password))


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return bool(_hasher.verify(password_hash, password))
    except (VerificationError, InvalidHashError):
        return False


def hash_token(token: str) -> str:
    # Tokens are 192-bit random values: a fast hash is enough, and it keeps lookups indexed.
    return hashlib.sha256(token.encode()).hexdigest()
