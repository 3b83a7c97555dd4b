"""The automation minute: for every active event, claim what fell due since it last looked.

Each event remembers how far it was checked (`checked_until_ms`); a run looks from there (never
before the event was created or last switched on, never further back than the grace period) to
now, so a worker that was down catches up on the occasions it missed. Claims are inserted under
their unique keys (`sends.key`): two schedulers running at once, or a run repeated after a
crash, claim nothing twice.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Connection

from mailroom.accounts import service as accounts_service
from mailroom.automation import audience, due, repository
from mailroom.context import Context
from mailroom.errors import MailroomError

log = logging.getLogger("mailroom.automation")


def window_start(ctx: Context, event: Any, now_ms: int) -> int:
    switched_on_ms = (event.activated or event.created) * 1000 - 1
    checked = int(event.checked_until_ms or 0)
    return max(checked, int(switched_on_ms), now_ms - ctx.settings.automation_grace_s * 1000)


def run_event(conn: Connection, ctx: Context, event: Any, now_ms: int) -> int:
    """Claim every due send of one event up to now; how many were claimed."""
    after = window_start(ctx, event, now_ms)
    if after >= now_ms:
        return 0
    zone = accounts_service.time_zone(conn, event.account_id)
    triggers = repository.triggers_of(conn, [event.id])
    by_position = {t.position: t for t in triggers}
    runs = [(t, o) for t in triggers for o in due.occasions(event, t, zone, after, now_ms)]
    claimed = 0
    if runs:  # the audience is compiled only when some trigger runs
        where = audience.where(conn, event.account_id, event.segments, event.segments_excluded)
        claimed = _claim(conn, event, triggers, by_position, runs, where, zone, now_ms)
    repository.update_event(conn, event.id, {"checked_until_ms": now_ms})
    return claimed


def _claim(
    conn: Connection,
    event: Any,
    triggers: list[Any],
    by_position: dict[int, Any],
    runs: list[tuple[Any, due.Occasion]],
    where: Any,
    zone: Any,
    now_ms: int,
) -> int:
    mailing_ids = [t.mailing_id for t in triggers]
    claimed = 0
    for trigger, occasion in runs:
        parent = by_position.get(trigger.based_on_trigger or 0)
        query = due.due_select(event, trigger, parent, where, occasion, zone, now_ms)
        if event.emails_limit is not None:
            left = event.emails_limit - repository.claimed_count(conn, mailing_ids)
            if left <= 0:
                break
            query = query.limit(left)
        claimed += repository.insert_due(conn, query)
    return claimed


def tick(ctx: Context) -> int:
    """One scheduler run over every active event (each in its own transaction)."""
    now_ms = ctx.clock.now_ms()
    with ctx.db.read() as conn:
        event_ids = [e.id for e in repository.active_events(conn)]
    claimed = 0
    for event_id in event_ids:
        try:
            with ctx.db.write() as conn:
                event = repository.event_by_id(conn, event_id)
                if event is not None and event.active:
                    claimed += run_event(conn, ctx, event, now_ms)
        except MailroomError as exc:  # e.g. a segment deleted since: the other events go on
            log.warning("event %s skipped: %s", event_id, exc.message)
    return claimed
