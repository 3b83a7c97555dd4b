"""Who would get which message when, over a date range: judged on the contacts as they are now,
nothing claimed, nothing sent. Chained triggers follow the previewed sends of their parent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from mailroom.accounts import service as accounts_service
from mailroom.automation import audience, due, repository
from mailroom.automation.schemas import EVENT_NOT_FOUND, Problems, parse_day
from mailroom.errors import NotFound
from mailroom.kit.clock import Clock

MAX_DAYS = 366 * 2


@dataclass(frozen=True)
class Item:
    contact_id: str
    email: str
    trigger: int
    email_message_id: int
    at_s: int
    row_id: int = 0  # contacts.id, for the split between several messages

    def as_json(self) -> dict[str, Any]:
        return {
            "contact_id": self.contact_id,
            "email": self.email,
            "trigger": self.trigger,
            "email_message_id": str(self.email_message_id),
            "time": self.at_s,
            "date": datetime.fromtimestamp(self.at_s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }


LAST_PREVIEW_S = int(datetime(9999, 1, 1, tzinfo=UTC).timestamp())


def _range(raw_from: Any, raw_to: Any, zone: Any) -> tuple[int, int]:
    problems = Problems()
    start = parse_day(raw_from, "from", problems, zone, end=False)
    end = parse_day(raw_to, "to", problems, zone, end=True)
    if start is not None and end is not None:
        if end < start:
            problems.add("to", "to must not be before from")
        elif end - start > MAX_DAYS * 86_400:
            problems.add("to", f"a preview covers at most {MAX_DAYS} days")
        elif end >= LAST_PREVIEW_S:  # a later day's moments leave the calendar in some zones
            problems.add("to", "to must be before the year 9999")
    problems.raise_any()
    assert start is not None and end is not None
    return start * 1000, end * 1000 + 999


def preview(
    conn: Connection, clock: Clock, account_id: int, event_id: int, raw_from: Any, raw_to: Any
) -> list[Item]:
    event = repository.get_event(conn, account_id, event_id)
    if event is None:
        raise NotFound(EVENT_NOT_FOUND)
    zone = accounts_service.time_zone(conn, account_id)
    start_ms, end_ms = _range(raw_from, raw_to, zone)
    triggers = repository.triggers_of(conn, [event.id])
    where = audience.where(conn, account_id, event.segments, event.segments_excluded)
    now_ms = clock.now_ms()
    items: list[Item] = []
    by_trigger: dict[int, list[Item]] = {}
    for trigger in triggers:
        found: list[Item] = []
        if trigger.based_on == "trigger":
            found = _chained(
                conn,
                trigger,
                by_trigger.get(trigger.based_on_trigger or 0, []),
                zone,
                event,
                end_ms,
            )
        else:
            for occasion in due.occasions(event, trigger, zone, start_ms - 1, end_ms):
                query = due.due_select(event, trigger, None, where, occasion, zone, now_ms)
                for row in conn.execute(query.with_only_columns(*_columns(query))):
                    found.append(_item(conn, row, trigger.position, occasion.at_ms))
        by_trigger[trigger.position] = found
        items.extend(i for i in found if start_ms <= i.at_s * 1000 <= end_ms)
    items.sort(key=lambda i: (i.at_s, i.trigger, i.email))
    return items


def _columns(query: Any) -> list[Any]:
    from mailroom.db.tables import contacts

    cols = list(query.selected_columns)
    return [contacts.c.uid, contacts.c.email, cols[5], contacts.c.id]


def _item(conn: Connection, row: Any, position: int, at_ms: int) -> Item:
    return Item(str(row[0]), str(row[1]), position, int(row[2]), at_ms // 1000, int(row[3]))


def _chained(
    conn: Connection, trigger: Any, parents: list[Item], zone: Any, event: Any, end_ms: int
) -> list[Item]:
    """A chained trigger after each previewed parent send (the parent's message is not sent
    yet, so opened/clicked conditions cannot hold and not_* ones do)."""
    if trigger.email_operator in ("opened", "clicked", "open_not_clicked"):
        return []
    found: list[Item] = []
    messages = list(trigger.email_messages)
    for parent in parents:
        ready = datetime.fromtimestamp(parent.at_s, zone) + timedelta(days=trigger.days_diff or 0)
        at = due.at_local(ready.date(), trigger.schedule_hour, trigger.schedule_minute, zone)
        if at <= parent.at_s * 1000 + (trigger.days_diff or 0) * 86_400_000 - 1:
            at = due.at_local(
                ready.date() + timedelta(days=1),
                trigger.schedule_hour,
                trigger.schedule_minute,
                zone,
            )
        if at > end_ms or not due._inside(event, at):
            continue
        message = messages[parent.row_id % len(messages)]
        found.append(
            Item(
                parent.contact_id,
                parent.email,
                trigger.position,
                message,
                at // 1000,
                parent.row_id,
            )
        )
    return found
