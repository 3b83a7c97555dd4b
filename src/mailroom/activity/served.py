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

from collections import Counter
from collections.abc import Iterable, Sequence
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


def _pairs(times: Sequence[int], before: int | None = None) -> Counter[tuple[int, int]]:
    """(hour, previous hour) of each send in ``times`` (sorted), the first following ``before``."""
    out: Counter[tuple[int, int]] = Counter()
    prev = before
    for at in times:
        out[(_hour(at), _hour(prev))] += 1
        prev = at
    return out


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
    delta: Counter[tuple[int, int]] = Counter()
    late: list[int] = []
    for contact_id, times in new.items():
        times.sort()
        before = last.get(contact_id)
        if before is not None and times[0] < before:
            late.append(contact_id)
            continue
        delta.update(_pairs(times, before))
    if late:
        history = repository.send_times(conn, late)
        for contact_id in late:
            everything = history.get(contact_id, [])
            old = list(everything)
            for at in new[contact_id]:
                old.remove(at)  # the batch's own sends are stored already
            delta.update(_pairs(everything))
            delta.subtract(_pairs(old))
    return [(account_id, hour, prev, n) for (hour, prev), n in sorted(delta.items()) if n != 0]


def rebuild(conn: Connection, account_id: int) -> None:
    """Replace the account's ``served_hourly`` rows with ones counted from its stored sends."""
    repository.delete_served(conn, account_id)
    repository.insert_served_from_events(conn, account_id)
