"""Path ids of Ongage routes: a non-number is as unknown as a missing row (404); a number past
BIGINT is a 412 (`web.inputs.path_id`), never a value the database refuses."""

from __future__ import annotations

from mailroom.web.inputs import path_id as bounded_path_id


def path_id(raw: str, not_found: str) -> int:
    return bounded_path_id(raw, not_found)
