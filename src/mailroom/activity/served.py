"""Distinct contacts sent to, exactly, per hour-aligned bucket: the ``served_hourly`` counts.

Each stored send counts once under (its UTC hour, the UTC hour of the same contact's previous
send, or -1 for its first). A contact was sent to in a bucket [a, b) exactly when one of its
sends in [a, b) has its previous send before a; so for any a and b on hour boundaries the
distinct count is the sum of ``sends`` over hour in [a, b) and prev_hour < a. Mailings send to
many contacts within an hour or two, so the table holds few rows per account and a year's chart
reads them in milliseconds.

Ingest keeps it in the transaction that stores the sends. A contact's previous send is
``contact_totals.last_sent_ms``, read (and locked on PostgreSQL) before the batch adds to it;
a batch whose sends all come after it just chains them. A late send (before the contact's last
one) reads that contact's stored sends and replaces their pairs: the pairs before and after.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection

from mailroom.activity import repository
from mailroom.activity.parse import Draft
from mailroom.activity.types import EventType

HOUR_MS = 3_600_000
NONE = -1  # prev_hour of a contact's first send

_SENDS = EventType.EM_SENDS


def _hour(at_ms: int | None) -> int:
    return NONE if at_ms is None else at_ms // HOUR_MS * 3600


def _add(delta: dict[tuple[int, int], int], hour: int, prev: int, n: int) -> None:
    key = (hour, prev)
    delta[key] = delta.get(key, 0) + n


def _chain(delta: dict[tuple[int, int], int], times: list[int], before: int | None) -> None:
    """Pairs of sends that all follow the contact's stored ones: a chain after ``before``."""
    prev = _hour(before)
    for at in times:
        hour = at // HOUR_MS * 3600
        _add(delta, hour, prev, 1)
        prev = hour


def _insert(delta: dict[tuple[int, int], int], stored: list[int], times: list[int]) -> None:
    """Pair changes when ``times`` (sorted) join ``stored`` (sorted, without them): each new send
    pairs with its predecessor, and a stored send whose predecessor changed moves its pair."""
    prev = NONE  # hour of the predecessor in the merged sequence
    prev_old = NONE  # ... among the stored sends only
    prev_was_new = False
    i = j = 0
    while i < len(stored) or j < len(times):
        if j < len(times) and (i == len(stored) or times[j] < stored[i]):
            hour = times[j] // HOUR_MS * 3600
            _add(delta, hour, prev, 1)
            prev, prev_was_new = hour, True
            j += 1
            continue
        hour = stored[i] // HOUR_MS * 3600
        if prev_was_new and prev != prev_old:
            _add(delta, hour, prev, 1)
            _add(delta, hour, prev_old, -1)
        prev = prev_old = hour
        prev_was_new = False
        i += 1


def counts(conn: Connection, account_id: int, stored: Iterable[Draft]) -> list[tuple[Any, ...]]:
    """The ``served_hourly`` changes (account, hour, prev_hour, +/-sends) of stored drafts.

    Call it after the batch's events are inserted and before ``contact_totals`` is added to.
    """
    new: dict[int, list[int]] = {}
    for d in stored:
        if d.type is _SENDS:
            new.setdefault(d.contact_id, []).append(d.at_ms)
    if not new:
        return []
    last = repository.last_sent_locked(conn, sorted(new))
    delta: dict[tuple[int, int], int] = {}
    late: list[int] = []
    for contact_id, times in new.items():
        times.sort()
        before = last.get(contact_id)
        if before is not None and times[0] < before:
            late.append(contact_id)
            continue
        _chain(delta, times, before)
    if late:
        history = repository.send_times(conn, late)
        for contact_id in late:
            old = history.get(contact_id, [])
            for at in new[contact_id]:
                old.remove(at)  # the batch's own sends are stored already
            _insert(delta, old, new[contact_id])
    return [(account_id, hour, prev, n) for (hour, prev), n in sorted(delta.items()) if n != 0]


def rebuild(conn: Connection, account_id: int) -> None:
    """Replace the account's ``served_hourly`` rows with ones counted from its stored sends."""
    repository.delete_served(conn, account_id)
    repository.insert_served_from_events(conn, account_id)
