"""Password and token hashing: argon2 for passwords, SHA-256 for random bearer tokens."""

from __future__ import annotations

import hashlib

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


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
