"""Public identifiers: 24-hex contact ids (Ongage's ObjectId form) and random secrets."""

from __future__ import annotations

import os
import secrets
from typing import Any

MAX_ID = 2**63  # ids are BIGINT


def object_id(now_ms: int) -> str:
    """A 24-hex id: 4 bytes of seconds, then 8 random bytes.

    The seconds keep ids of one import close together in indexes; the 64 random bits make an id
    unguessable from another one (the ObjectId layout, a per-process constant and a counter, let
    anyone who saw one id list its neighbours) and unique without coordination.
    """
    return ((now_ms // 1000) & 0xFFFFFFFF).to_bytes(4, "big").hex() + os.urandom(8).hex()


def is_object_id(value: str) -> bool:
    if len(value) != 24:
        return False
    try:
        int(value, 16)
    except ValueError:
        return False
    return True


def token(nbytes: int = 24) -> str:
    return secrets.token_urlsafe(nbytes)


def account_code(nbytes: int = 8) -> str:
    """Alphanumeric, like the code on Ongage's Account Profile page."""
    return secrets.token_hex(nbytes)


def positive_int(value: Any, name: str, error: type[ValueError] = ValueError) -> int:
    """A positive BIGINT id, as a number or an ASCII digit string; `error` naming `name` else."""
    if isinstance(value, bool):
        raise error(f"{name} must be an integer")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and (text := value.strip()).isascii() and text.isdigit():
        number = int(text)
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    else:
        raise error(f"{name} must be an integer")
    if number <= 0 or number >= MAX_ID:
        raise error(f"{name} must be a positive integer")
    return number
