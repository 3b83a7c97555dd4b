"""True/false values as clients spell them in JSON bodies: booleans, 0/1, and their texts."""

from __future__ import annotations

from typing import Any

# 0 and 1 find False and True here: they are equal keys.
FLAGS: dict[Any, bool] = {
    **dict.fromkeys((None, "", False, "0", "false", "False"), False),
    **dict.fromkeys((True, "1", "true", "True"), True),
}


def read_flag(value: Any) -> bool | None:
    """The flag `value` spells, or None when it spells none (``"yes"``, ``0.5``, a list)."""
    if isinstance(value, float | dict | list) or value not in FLAGS:
        return None
    return FLAGS[value]
