"""The automation minute: for every active event, claim what fell due since it last looked.

Each event remembers how far it was checked (`checked_until_ms`); a run looks from there (never
before the event was created or last switched on, never further back than the grace period) to
now, so a worker that was down catches up on the occasions it missed. Claims are inserted under
their unique keys (`sends.key`): two schedulers running at once, or a run repeated after a
crash, claim nothing twice.

A run claims in chunks of contact ids (`due.keyset`), each chunk one ``INSERT ... SELECT`` in
its own transaction, so delivery starts after the first chunk and no statement writes a whole
million-row set. `checked_until_ms` moves only once every chunk is in: a run cut short is done
again, its claimed chunks skipped by their keys. A run stops when the event is switched off or
edited meanwhile; the next minute runs the event as it is then.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from mailroom.accounts import service as accounts_service
from mailroom.automation import audience, due, repository
from mailroom.context import Context
from mailroom.errors import MailroomError

log = logging.getLogger("mailroom.automation")

# Called in a chunk's transaction after it claimed sends (sending enqueues its delivery).
OnClaimed = Callable[[Connection], None]


def window_start(ctx: Context, event: Any, now_ms: int) -> int:
    switched_on_ms = (event.activated or event.created) * 1000 - 1
    checked = int(event.checked_until_ms or 0)
    return max(checked, int(switched_on_ms), now_ms - ctx.settings.automation_grace_s * 1000)


@dataclass
class _Run:
    """What one run of an event works from, read in its first transaction."""

    event: Any
    triggers: list[Any]
    occasions: list[tuple[Any, due.Occasion]]
    where: Any
    segment: Any
    zone: Any
    now_ms: int


def _plan(conn: Connection, ctx: Context, event_id: int, now_ms: int) -> _Run | None:
    event = repository.event_by_id(conn, event_id)
    if event is None or not event.active:
        return None
    after = window_start(ctx, event, now_ms)
    if after >= now_ms:
        return None
    zone = accounts_service.time_zone(conn, event.account_id)
    triggers = repository.triggers_of(conn, [event.id])
    runs = [(t, o) for t in triggers for o in due.occasions(event, t, zone, after, now_ms)]
    if not runs:  # the audience is compiled only when some trigger runs
        repository.update_event(conn, event.id, {"checked_until_ms": now_ms})
        return None
    where = audience.where(conn, event.account_id, event.segments, event.segments_excluded)
    segment = audience.segment(conn, event.account_id, event.segments)
    return _Run(event, triggers, runs, where, segment, zone, now_ms)


def run_event(ctx: Context, event_id: int, now_ms: int, on_claimed: OnClaimed | None = None) -> int:
    """Claim every due send of one event up to now, chunk by chunk; how many were claimed."""
    with ctx.db.write() as conn:
        run = _plan(conn, ctx, event_id, now_ms)
    if run is None:
        return 0
    claimed = 0
    by_position = {t.position: t for t in run.triggers}
    mailing_ids = [t.mailing_id for t in run.triggers]
    size = max(1, ctx.settings.automation_chunk)
    for trigger, occasion in run.occasions:
        parent = by_position.get(trigger.based_on_trigger or 0)
        keys = due.keyset(run.event, trigger)
        low: int | None = None
        while True:
            with ctx.db.write() as conn:
                if not repository.still_on(conn, run.event):
                    return claimed
                high = None if keys is None else repository.chunk_end(conn, *keys, low, size)
                made = _claim_chunk(conn, run, trigger, parent, occasion, (low, high), mailing_ids)
                if made is None:  # the event's emails_limit is reached
                    break
                if made and on_claimed is not None:
                    on_claimed(conn)
            claimed += made
            if high is None:
                break
            low = high
    with ctx.db.write() as conn:
        if repository.still_on(conn, run.event):
            repository.update_event(conn, event_id, {"checked_until_ms": now_ms})
    return claimed


def _claim_chunk(
    conn: Connection,
    run: _Run,
    trigger: Any,
    parent: Any,
    occasion: due.Occasion,
    bounds: due.Bounds,
    mailing_ids: list[int],
) -> int | None:
    """One chunk's claims (None when the event may send no more)."""
    query = due.due_select(
        run.event,
        trigger,
        parent,
        run.where,
        occasion,
        run.zone,
        run.now_ms,
        segment=run.segment,
        bounds=bounds,
    )
    if run.event.emails_limit is not None:
        left = run.event.emails_limit - repository.claimed_count(conn, mailing_ids)
        if left <= 0:
            return None
        query = query.limit(left)
    return repository.insert_due(conn, query)


def tick(ctx: Context, on_claimed: OnClaimed | None = None) -> int:
    """One scheduler run over every active event (each chunk in its own transaction)."""
    now_ms = ctx.clock.now_ms()
    with ctx.db.read() as conn:
        event_ids = [e.id for e in repository.active_events(conn)]
    claimed = 0
    for event_id in event_ids:
        try:
            claimed += run_event(ctx, event_id, now_ms, on_claimed)
        except MailroomError as exc:  # e.g. a segment deleted since: the other events go on
            log.warning("event %s skipped: %s", event_id, exc.message)
    return claimed
