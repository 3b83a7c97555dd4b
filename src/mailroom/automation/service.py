"""Use cases of events: create (with a mailing per trigger to record its sends under), read,
update the few keys Ongage lets change, toggle, delete."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection

from mailroom.accounts import service as accounts_service
from mailroom.automation import audience, repository
from mailroom.automation.schemas import (
    EVENT_NOT_FOUND,
    UPDATABLE,
    EventSpec,
    Problems,
    parse_event,
    parse_limits,
)
from mailroom.errors import NotFound, ValidationFailed
from mailroom.esp import distribution as dist
from mailroom.esp import service as esp_service
from mailroom.fields import service as fields_service
from mailroom.kit.clock import Clock, now_s
from mailroom.mailings import schemas as st
from mailroom.mailings import service as mailings_service
from mailroom.messages import service as messages_service


def _check_references(
    conn: Connection, account_id: int, list_id: int, spec: EventSpec, problems: Problems
) -> None:
    if (
        spec.mailing_id is not None
        and mailings_service.find_mailing(conn, account_id, spec.mailing_id) is None
    ):
        problems.add("mailing_id", f"mailing {spec.mailing_id} not found")
    if spec.date_field_name:
        kinds = {f.name: f.type for f in fields_service.fields_of_list(conn, list_id)}
        if spec.date_field_name not in kinds:
            problems.add("date_field_name", f"{spec.date_field_name} is not a field of the list")
        elif kinds[spec.date_field_name] != "date":
            problems.add("date_field_name", f"{spec.date_field_name} is not a date field")
    for trigger in spec.triggers:
        missing = messages_service.missing_messages(conn, account_id, trigger.email_messages)
        if missing:
            problems.add(
                f"triggers[{trigger.position - 1}].email_messages",
                f"email messages not found: {missing}",
            )
    for key, ids in (("segments", spec.segments), ("segments_excluded", spec.segments_excluded)):
        for message in audience.segment_problems(conn, account_id, list_id, ids):
            problems.add(key, message)
    known = esp_service.connections_by_id(conn, account_id)
    if not any(e["field"] == "distribution" for e in problems.errors):
        for error in dist.parse(spec.distribution, known)[1]:
            problems.add(error["field"], error["message"])
    for i, quota in enumerate(spec.esp_connections_quota or []):
        if quota["esp_connection_id"] not in known:
            problems.add(
                f"esp_connections_quota[{i}].esp_connection_id", "ESP connection not found"
            )


def create_event(conn: Connection, clock: Clock, account_id: int, list_id: int, data: Any) -> Any:
    zone = accounts_service.time_zone(conn, account_id)
    spec, problems = parse_event(data, zone)
    _check_references(conn, account_id, list_id, spec, problems)
    problems.raise_any()
    if spec.date_field_name:
        repository.ensure_date_index(conn, spec.date_field_name, spec.annually_event)
    now = now_s(clock)
    event_id = repository.insert_event(
        conn,
        {
            "account_id": account_id,
            "list_id": list_id,
            "name": spec.name,
            "description": spec.description,
            "based_on": spec.based_on,
            "mailing_id": spec.mailing_id,
            "date_field_name": spec.date_field_name,
            "annually_event": spec.annually_event,
            "ongoing_event": spec.ongoing_event,
            "start_date": spec.start_date,
            "end_date": spec.end_date,
            "active": spec.active,
            "segments": spec.segments,
            "segments_excluded": spec.segments_excluded,
            "distribution": spec.distribution,
            "esp_connections_quota": spec.esp_connections_quota,
            "emails_limit": spec.emails_limit,
            "created": now,
            "modified": now,
            "activated": now if spec.active else None,
            "checked_until_ms": clock.now_ms(),
        },
    )
    for trigger in spec.triggers:
        trigger_id = repository.insert_trigger(
            conn,
            {
                "event_id": event_id,
                "position": trigger.position,
                "based_on": trigger.based_on,
                "email_messages": trigger.email_messages,
                "days_diff": trigger.days_diff,
                "send_on_days": trigger.send_on_days,
                "operator": trigger.operator,
                "email_operator": trigger.email_operator,
                "based_on_trigger": trigger.based_on_trigger,
                "schedule_hour": trigger.schedule_hour,
                "schedule_minute": trigger.schedule_minute,
                "recurrence": trigger.recurrence,
            },
        )
        mailing_id = mailings_service.insert_mailing(
            conn,
            {
                "account_id": account_id,
                "list_id": list_id,
                "name": f"{spec.name} - trigger {trigger.position}",
                "campaign_activity_id": str(uuid.uuid4()),
                "type": "trigger",
                "status": st.IN_PROGRESS if spec.active else st.ON_HOLD,
                "email_message_id": trigger.email_messages[0],
                "email_messages": trigger.email_messages,
                "segments": spec.segments,
                "segments_excluded": spec.segments_excluded,
                "distribution": spec.distribution,
                "trigger_id": trigger_id,
                "created": now,
                "modified": now,
            },
        )
        repository.set_trigger_mailing(conn, trigger_id, mailing_id)
    return get_event(conn, account_id, event_id)


def get_event(conn: Connection, account_id: int, event_id: int) -> tuple[Any, list[Any]]:
    row = repository.get_event(conn, account_id, event_id)
    if row is None:
        raise NotFound(EVENT_NOT_FOUND)
    return row, repository.triggers_of(conn, [event_id])


def page_events(
    conn: Connection,
    account_id: int,
    *,
    name: str | None,
    sort: str,
    descending: bool,
    offset: int,
    limit: int | None,
) -> list[tuple[Any, list[Any]]]:
    rows, _ = repository.page_events(
        conn, account_id, name=name, sort=sort, descending=descending, offset=offset, limit=limit
    )
    by_event: dict[int, list[Any]] = {r.id: [] for r in rows}
    for trigger in repository.triggers_of(conn, list(by_event)):
        by_event[trigger.event_id].append(trigger)
    return [(r, by_event[r.id]) for r in rows]


def count_events(conn: Connection, account_id: int, name: str | None) -> int:
    _, total = repository.page_events(
        conn, account_id, name=name, sort="id", descending=False, offset=0, limit=0
    )
    return total


def update_event(conn: Connection, clock: Clock, account_id: int, event_id: int, data: Any) -> Any:
    """Ongage lets an event's name, description, esp_connections_quota and emails_limit change."""
    get_event(conn, account_id, event_id)
    if not isinstance(data, dict):
        raise ValidationFailed(
            "The request body must be a JSON object",
            errors=[{"field": "", "message": "expected a JSON object"}],
        )
    problems = Problems()
    for key in sorted(set(data) - set(UPDATABLE) - {"list_id", "id"}):
        problems.add(
            key, f"{key} cannot be changed (only {', '.join(UPDATABLE)}); create a new event"
        )
    values: dict[str, Any] = {}
    if "name" in data:
        if not isinstance(data["name"], str) or not data["name"].strip():
            problems.add("name", "name must be a non-empty string")
        else:
            values["name"] = data["name"].strip()
    if "description" in data:
        if data["description"] is not None and not isinstance(data["description"], str):
            problems.add("description", "description must be a string")
        else:
            values["description"] = data["description"] or ""
    quota, limit = parse_limits(data, problems)
    known = esp_service.connections_by_id(conn, account_id)
    for i, item in enumerate(quota or []):
        if item["esp_connection_id"] not in known:
            problems.add(
                f"esp_connections_quota[{i}].esp_connection_id", "ESP connection not found"
            )
    problems.raise_any()
    if "esp_connections_quota" in data:
        values["esp_connections_quota"] = quota
    if "emails_limit" in data:
        values["emails_limit"] = limit
    repository.update_event(conn, event_id, {**values, "modified": now_s(clock)})
    return get_event(conn, account_id, event_id)


def toggle_event(conn: Connection, clock: Clock, account_id: int, event_id: int) -> Any:
    """Active -> inactive, inactive -> active. Switching on counts only what falls due after
    it; switching off drops the sends still waiting."""
    row, triggers = get_event(conn, account_id, event_id)
    now = now_s(clock)
    mailing_ids = [t.mailing_id for t in triggers if t.mailing_id is not None]
    repository.skip_queued(conn, mailing_ids)
    if row.active:
        repository.update_event(conn, event_id, {"active": False, "modified": now})
        for mailing_id in mailing_ids:
            mailings_service.move_status(conn, clock, mailing_id, st.ON_HOLD, (st.IN_PROGRESS,))
    else:
        repository.update_event(
            conn,
            event_id,
            {"active": True, "activated": now, "checked_until_ms": clock.now_ms(), "modified": now},
        )
        for mailing_id in mailing_ids:
            mailings_service.move_status(conn, clock, mailing_id, st.IN_PROGRESS, (st.ON_HOLD,))
    return get_event(conn, account_id, event_id)


def delete_event(conn: Connection, clock: Clock, account_id: int, event_id: int) -> Any:
    row, triggers = get_event(conn, account_id, event_id)
    mailing_ids = [t.mailing_id for t in triggers if t.mailing_id is not None]
    repository.skip_queued(conn, mailing_ids)
    for mailing_id in mailing_ids:
        mailings_service.move_status(
            conn, clock, mailing_id, st.STOPPED, (st.IN_PROGRESS, st.ON_HOLD)
        )
    repository.delete_event(conn, event_id)
    return row, triggers


def sends_per_day(
    conn: Connection, clock: Clock, triggers: list[Any], days: int = 7
) -> dict[int, dict[int, int]]:
    """trigger id -> {UTC day start (Unix s): messages sent} over the last `days` days."""
    today_s = clock.now_ms() // 86_400_000 * 86_400
    since_ms = (today_s - (days - 1) * 86_400) * 1000
    found: dict[int, dict[int, int]] = {int(t.id): {} for t in triggers}
    for trigger_id, day, count in repository.sends_per_day(conn, list(found), since_ms):
        found[int(trigger_id)][int(day)] = int(count)
    return found


@dataclass(frozen=True)
class ConnectionQuotas:
    """Events' `esp_connections_quota`: at most `quota` messages of one event a day through a
    connection (beside the connection's own `daily_quota`)."""

    event_of: dict[int, int]  # trigger id -> event id, for the triggers that have quotas
    quotas: dict[int, dict[int, int]]  # event id -> connection id -> messages a day
    triggers_of: dict[int, list[int]]  # event id -> all its trigger ids (to count its sends)


def connection_quotas(conn: Connection, trigger_ids: Iterable[int]) -> ConnectionQuotas:
    """The quotas that apply to sends of these triggers."""
    event_of: dict[int, int] = {}
    quotas: dict[int, dict[int, int]] = {}
    for trigger_id, event_id, raw in repository.quotas_of_triggers(conn, sorted(set(trigger_ids))):
        if not raw:
            continue
        event_of[int(trigger_id)] = int(event_id)
        quotas[int(event_id)] = {int(q["esp_connection_id"]): int(q["quota"]) for q in raw}
    members = repository.trigger_ids_of(conn, sorted(quotas))
    triggers_of: dict[int, list[int]] = {}
    for trigger_id, event_id in members.items():
        triggers_of.setdefault(event_id, []).append(trigger_id)
    return ConnectionQuotas(event_of, quotas, triggers_of)
