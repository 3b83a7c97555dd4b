"""Status effects of engagement events: hard bounces, complaints and opt-outs change a contact.

The same `status.transition` rule as `change_status` decides, so a repeated or out-of-order
event changes nothing. A batch folds each contact's events in time order and writes at most one
update per contact; the update is guarded by ``status_changed_ms`` so a concurrent newer change
is never overwritten.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection

from mailroom.contacts import repository
from mailroom.contacts.status import opts_out, transition


class Change:
    """A status change an event asks for: which contact, what change, when."""

    __slots__ = ("at_ms", "change", "contact_id", "status", "status_changed_ms")

    def __init__(
        self, contact_id: int, status: str, status_changed_ms: int, change: str, at_ms: int
    ) -> None:
        self.contact_id = contact_id
        self.status = status  # the contact's state as read before the batch
        self.status_changed_ms = status_changed_ms
        self.change = change
        self.at_ms = at_ms


def fold(
    changes: Iterable[Change], opted_out: list[Change] | None = None
) -> dict[int, dict[str, Any]]:
    """contact id -> the column updates of all its changes applied in time order.

    The changes that opt a contact out (`status.opts_out`) are appended to `opted_out`.
    """
    per_contact: dict[int, list[Change]] = defaultdict(list)
    for change in changes:
        per_contact[change.contact_id].append(change)
    updates: dict[int, dict[str, Any]] = {}
    for contact_id, items in per_contact.items():
        items.sort(key=lambda c: c.at_ms)
        status, changed_ms = items[0].status, items[0].status_changed_ms
        merged: dict[str, Any] = {}
        for item in items:
            columns = transition(status, changed_ms, item.change, item.at_ms)
            if columns is None:
                continue
            if opted_out is not None and opts_out(status, columns["status"]):
                opted_out.append(item)
            merged.update(columns)
            status, changed_ms = columns["status"], columns["status_changed_ms"]
        if merged:
            updates[contact_id] = merged
    return updates


def apply(
    conn: Connection, changes: Iterable[Change], now_s: int, opted_out: list[int] | None = None
) -> int:
    """Write the folded changes, one row per contact; return how many contacts it asked to change.

    The write skips a contact whose status changed later than the change (a concurrent newer
    change wins), so the count is an upper bound. The times (Unix seconds) of the changes that
    opt a contact out (`status.opts_out`) are appended to `opted_out`, for the charts' counters.
    """
    out: list[Change] = []
    updates = fold(changes, out)
    by_shape: dict[tuple[str, ...], list[tuple[Any, ...]]] = defaultdict(list)
    for contact_id, columns in sorted(updates.items()):  # one lock order for every batch
        shape = ("modified", *sorted(columns))
        by_shape[shape].append((contact_id, now_s, *(columns[name] for name in shape[1:])))
    for shape, rows in by_shape.items():
        repository.update_statuses(conn, shape, rows)
    if opted_out is not None:
        opted_out.extend(c.at_ms // 1000 for c in out)
    return len(updates)
