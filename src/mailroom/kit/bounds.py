"""Bounds every number and string from a request must keep before it reaches a column.

An integer beyond a column's range is an `OverflowError` on SQLite and an out-of-range error on
PostgreSQL, and a NUL character is refused by PostgreSQL alone: both would be server errors,
and different ones per backend. Edge code checks them here first, so either is a client error.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

MAX_BIGINT = 2**63 - 1  # BIGINT columns: ids, times
MAX_INT32 = 2**31 - 1  # INTEGER columns: positions, limits
FIRST_S = int(datetime(1, 1, 1, tzinfo=UTC).timestamp())  # the calendar's first second
LAST_S = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())  # and its last


def whole_number(value: Any, name: str, *, low: int = 0, high: int = MAX_BIGINT) -> int:
    """`value` (a JSON number or a digit string) as an int in [low, high]; ValueError naming it.

    Booleans, fractions, infinities and text other than ASCII digits (with an optional sign)
    are refused; ``1e3`` given as a JSON number is 1000.
    """
    number: int | None = None
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float):
        number = int(value) if math.isfinite(value) and value.is_integer() else None
    elif isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in "+-" else text
        if 0 < len(digits) <= 20 and digits.isascii() and digits.isdigit():
            number = int(text)
    if number is None:
        raise ValueError(f"{name} must be a whole number")
    if not low <= number <= high:
        raise ValueError(f"{name} must be a whole number from {low} to {high}")
    return number


def in_calendar(seconds: float | str, name: str) -> int:
    """Unix seconds (a number, or its digits as text) that name a moment of the years 1 to 9999
    (what dates can show and every time column holds, in milliseconds too); ValueError naming
    it otherwise (NaN included)."""
    if isinstance(seconds, str):  # digits beyond 20 are far past the calendar: not parsed
        seconds = int(seconds) if len(seconds) <= 20 else math.inf
    if not FIRST_S <= seconds <= LAST_S:
        raise ValueError(f"{name} must be Unix seconds within the years 1 to 9999")
    return int(seconds)


def has_nul(value: Any) -> bool:
    """Whether a NUL character is in any string of a JSON value (keys included)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    return False
