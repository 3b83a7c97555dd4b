"""Public identifiers: 24-hex contact ids (Ongage's ObjectId form) and random secrets."""

from __future__ import annotations

import itertools
import os
import secrets
import threading
from typing import Any

MAX_ID = 2**63  # ids are BIGINT
_counter = itertools.count(int.from_bytes(os.urandom(3), "big"))
_lock = threading.Lock()
_process_random = os.urandom(5)


def object_id(now_ms: int) -> str:
    """A 24-hex id: 4 bytes of seconds, 5 per process, 3 of counter (unique, sortable)."""
    with _lock:
        count = next(_counter) & 0xFFFFFF
    raw = (now_ms // 1000).to_bytes(4, "big") + _process_random + count.to_bytes(3, "big")
    return raw.hex()


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
