"""Ongage's event body, read and checked: every rule of the documentation, each failure a 412
naming its field. Pure parsing; `automation.service` checks what needs the database.

Where the documentation slips, the choice made (docs/automation.md):

* Every trigger variant is labelled ``"based_on": "list_field"`` there. A trigger's kind is its
  ``based_on`` when that is ``mailing``, ``trigger`` or ``list``; ``list_field`` is read from the
  trigger's keys and the event: with ``based_on_trigger`` a chained trigger, with ``recurrence``
  a daily one, in a mailing event a mailing trigger, else a date-field trigger.
* ``reccurance`` (an older spelling) is read as ``recurrence``.
* ``send_on_days`` is documented as required but the documentation's own example leaves it out:
  it is optional, every day by default.
* ``based_on`` is optional: without it the event's kind comes from ``mailing_id``, then
  ``date_field_name``, then a ``list`` trigger.
* ``ongoing_event`` defaults to false, so ``start_date``/``end_date`` are required unless it is
  true (the seed's recurring and mailing examples give dates; the birthday one is ongoing).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from mailroom.errors import ValidationFailed
from mailroom.kit.bounds import LAST_S, MAX_BIGINT, in_calendar

BASED_ON = ("mailing", "date_field", "recurring")
TRIGGER_KINDS = ("list_field", "mailing", "trigger", "list")
DAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")
EMAIL_OPERATORS = ("sent", "opened", "not_opened", "clicked", "not_clicked", "open_not_clicked")
PATTERNS = ("daily",)
EVENT_NOT_FOUND = "Event not found"
UPDATABLE = ("name", "description", "esp_connections_quota", "emails_limit")
# Which trigger kinds each event kind may hold (chained triggers follow any earlier trigger).
ALLOWED = {
    "date_field": ("list_field", "trigger"),
    "mailing": ("mailing", "trigger"),
    "recurring": ("list",),
}


@dataclass
class TriggerSpec:
    position: int
    based_on: str
    email_messages: list[int]
    schedule_hour: int
    schedule_minute: int
    days_diff: int | None = None
    send_on_days: list[str] | None = None
    operator: str | None = None
    email_operator: str | None = None
    based_on_trigger: int | None = None
    recurrence: dict[str, Any] | None = None


@dataclass
class EventSpec:
    name: str
    description: str
    based_on: str
    active: bool
    segments: list[int]
    segments_excluded: list[int]
    distribution: list[Any]
    triggers: list[TriggerSpec]
    mailing_id: int | None = None
    date_field_name: str | None = None
    annually_event: bool = False
    ongoing_event: bool = False
    start_date: int | None = None  # Unix seconds, start of that day in the account's zone
    end_date: int | None = None  # Unix seconds, the last second of that day
    esp_connections_quota: list[dict[str, int]] | None = None
    emails_limit: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Problems:
    """Collects every failure, then raises one 412 listing them all."""

    def __init__(self) -> None:
        self.errors: list[dict[str, str]] = []

    def add(self, where: str, message: str) -> None:
        self.errors.append({"field": where, "message": message})

    def raise_any(self) -> None:
        if self.errors:
            text = "; ".join(f"{e['field']}: {e['message']}" for e in self.errors)
            raise ValidationFailed(f"Invalid event: {text}", errors=self.errors)


def _bool(raw: Any, where: str, problems: Problems, default: bool | None = None) -> bool | None:
    if raw is None:
        return default
    if raw in (True, False, 1, 0, "1", "0", "true", "false"):
        return raw in (True, 1, "1", "true")
    problems.add(where, f"{where} must be true or false")
    return default


def _int(
    raw: Any, where: str, problems: Problems, low: int | None = None, high: int | None = None
) -> int | None:
    if isinstance(raw, bool) or raw is None or raw == "":
        problems.add(where, f"{where} is required (a whole number)")
        return None
    try:
        value = int(raw)
        if isinstance(raw, float) and raw != value:
            raise ValueError
    except (TypeError, ValueError):
        problems.add(where, f"{where} must be a whole number")
        return None
    low = -MAX_BIGINT if low is None else low
    high = MAX_BIGINT if high is None else high  # beyond a BIGINT column: a client error
    if not low <= value <= high:
        problems.add(where, f"{where} must be between {low} and {high}")
        return None
    return value


def int_list(raw: Any, where: str, problems: Problems, *, required: bool) -> list[int]:
    if raw is None or raw == []:
        if required:
            problems.add(where, f"{where} is required (an array of ids)")
        return []
    if not isinstance(raw, list):
        problems.add(where, f"{where} must be an array of ids")
        return []
    out: list[int] = []
    for item in raw:
        if isinstance(item, bool):
            problems.add(where, f"{where} must be an array of ids")
            return []
        try:
            value = int(item)
        except (TypeError, ValueError):
            problems.add(where, f"{where} must be an array of ids")
            return []
        if not -MAX_BIGINT <= value <= MAX_BIGINT:
            problems.add(where, f"{where} must be an array of ids")
            return []
        out.append(value)
    return out


_DMY = re.compile(r"^(\d{2})-(\d{2})-(\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


ONGOING = "ongoing_event is true"


def parse_day(
    raw: Any, where: str, problems: Problems, zone: ZoneInfo, *, end: bool, unless: str = ""
) -> int | None:
    """Unix seconds as given, or a ``DD-MM-YYYY`` / ``YYYY-MM-DD`` day in the account's zone
    (its first second, or its last for an end date). `unless` says when it may be left out."""
    if isinstance(raw, bool) or raw in (None, ""):
        problems.add(where, f"{where} is required" + (f" unless {unless}" if unless else ""))
        return None
    if isinstance(raw, int | float) or (isinstance(raw, str) and raw.isdigit()):
        try:
            return in_calendar(raw, where)
        except ValueError as exc:
            problems.add(where, str(exc))
            return None
    day: date | None = None
    if isinstance(raw, str):
        try:
            if m := _DMY.match(raw.strip()):
                day = date(int(m[3]), int(m[2]), int(m[1]))
            elif m := _YMD.match(raw.strip()):
                day = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            day = None
    if day is None:
        problems.add(where, f"{where} must be Unix seconds or a date DD-MM-YYYY or YYYY-MM-DD")
        return None
    start = datetime.combine(day, time(0), zone)
    if end:
        if day == date.max:
            return LAST_S
        return int((datetime.combine(day + timedelta(days=1), time(0), zone)).timestamp()) - 1
    return int(start.timestamp())


def _kind(raw: dict[str, Any], event_kind: str | None) -> str | None:
    label = raw.get("based_on")
    if label in ("mailing", "trigger", "list"):
        return str(label)
    if label not in (None, "list_field"):
        return None
    if raw.get("based_on_trigger") not in (None, ""):
        return "trigger"
    if "recurrence" in raw or "reccurance" in raw:
        return "list"
    if event_kind == "mailing":
        return "mailing"
    if event_kind == "recurring":
        return "list"
    return "list_field"


def parse_trigger(
    raw: Any, index: int, event_kind: str | None, problems: Problems
) -> TriggerSpec | None:
    at = f"triggers[{index}]"
    if not isinstance(raw, dict):
        problems.add(at, "each trigger must be an object")
        return None
    kind = _kind(raw, event_kind)
    if kind is None:
        problems.add(f"{at}.based_on", f"based_on must be one of {', '.join(TRIGGER_KINDS)}")
        return None
    if event_kind in ALLOWED and kind not in ALLOWED[event_kind]:
        problems.add(f"{at}.based_on", f"a {event_kind} event cannot hold a {kind} trigger")
    spec = TriggerSpec(
        position=index + 1,
        based_on=kind,
        email_messages=int_list(
            raw.get("email_messages"), f"{at}.email_messages", problems, required=True
        ),
        schedule_hour=_int(raw.get("schedule_hour"), f"{at}.schedule_hour", problems, 0, 23) or 0,
        schedule_minute=_int(raw.get("schedule_minute"), f"{at}.schedule_minute", problems, 0, 59)
        or 0,
    )
    if kind == "list":
        recurrence = raw.get("recurrence", raw.get("reccurance"))
        if not isinstance(recurrence, dict) or recurrence.get("pattern") not in PATTERNS:
            problems.add(f"{at}.recurrence", 'recurrence must be {"pattern": "daily"}')
        else:
            spec.recurrence = {"pattern": recurrence["pattern"]}
        return spec
    spec.days_diff = _int(raw.get("days_diff"), f"{at}.days_diff", problems, 0, 36500)
    operator = raw.get("operator", "after" if kind != "list_field" else None)
    if kind == "list_field":
        if operator not in ("before", "after"):
            problems.add(f"{at}.operator", "operator must be before or after")
        days = raw.get("send_on_days")
        if days is not None:
            if not isinstance(days, list) or not days or any(d not in DAYS for d in days):
                problems.add(
                    f"{at}.send_on_days", f"send_on_days must be days among {', '.join(DAYS)}"
                )
            else:
                spec.send_on_days = [d for d in DAYS if d in days]
    else:
        if operator != "after":
            problems.add(f"{at}.operator", f"operator must be after for a {kind} trigger")
        email_operator = raw.get("email_operator")
        if email_operator not in EMAIL_OPERATORS:
            problems.add(
                f"{at}.email_operator",
                f"email_operator must be one of {', '.join(EMAIL_OPERATORS)}",
            )
        spec.email_operator = email_operator
    spec.operator = operator if operator in ("before", "after") else None
    if kind == "trigger":
        parent = _int(raw.get("based_on_trigger"), f"{at}.based_on_trigger", problems, 1, 1000)
        if parent is not None and parent >= spec.position:
            problems.add(
                f"{at}.based_on_trigger",
                "based_on_trigger must name an earlier trigger (first = 1)",
            )
        spec.based_on_trigger = parent
    return spec


def _quota(raw: Any, problems: Problems) -> list[dict[str, int]] | None:
    if raw is None:
        return None
    where = "esp_connections_quota"
    if not isinstance(raw, list):
        problems.add(where, f'{where} must be an array of {{"esp_connection_id": id, "quota": n}}')
        return None
    out: list[dict[str, int]] = []
    for i, item in enumerate(raw):
        if not isinstance(item, dict):
            problems.add(f"{where}[{i}]", "each quota must be an object")
            continue
        conn_id = _int(
            item.get("esp_connection_id"), f"{where}[{i}].esp_connection_id", problems, 1
        )
        quota = _int(item.get("quota"), f"{where}[{i}].quota", problems, 0)
        if conn_id is not None and quota is not None:
            out.append({"esp_connection_id": conn_id, "quota": quota})
    return out


def parse_limits(
    data: dict[str, Any], problems: Problems
) -> tuple[list[dict[str, int]] | None, int | None]:
    quota = _quota(data.get("esp_connections_quota"), problems)
    limit = None
    if data.get("emails_limit") not in (None, ""):
        limit = _int(data.get("emails_limit"), "emails_limit", problems, 0)
    return quota, limit


def parse_event(data: Any, zone: ZoneInfo) -> tuple[EventSpec, Problems]:
    """The event as far as it can be read; `problems` holds every rule it breaks."""
    problems = Problems()
    if not isinstance(data, dict):
        problems.add("", "The request body must be a JSON object")
        problems.raise_any()
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        problems.add("name", "name is required")
    description = data.get("description") or ""
    if not isinstance(description, str):
        problems.add("description", "description must be a string")
    kind = data.get("based_on")
    if kind is None:
        if data.get("mailing_id") not in (None, ""):
            kind = "mailing"
        elif data.get("date_field_name"):
            kind = "date_field"
        elif any(
            isinstance(t, dict) and _kind(t, None) == "list" for t in data.get("triggers") or []
        ):
            kind = "recurring"
    if kind not in BASED_ON:
        problems.add("based_on", "based_on must be mailing, date_field or recurring")
    status = _bool(data.get("status"), "status", problems)
    if status is None and "status" not in data:
        problems.add("status", "status is required (true for active, false for inactive)")
    mailing_id = None
    if kind == "mailing":
        mailing_id = _int(data.get("mailing_id"), "mailing_id", problems, 1)
    date_field = None
    if kind == "date_field":
        date_field = data.get("date_field_name")
        if not isinstance(date_field, str) or not date_field.strip():
            problems.add("date_field_name", "date_field_name is required for a date_field event")
    annually = _bool(data.get("annually_event"), "annually_event", problems, False)
    if annually and kind != "date_field":
        problems.add("annually_event", "annually_event applies to date_field events only")
    ongoing = _bool(data.get("ongoing_event"), "ongoing_event", problems, False)
    start = end = None
    if (
        not ongoing
        or data.get("start_date") not in (None, "")
        or data.get("end_date") not in (None, "")
    ):
        if not ongoing or data.get("start_date") not in (None, ""):
            start = parse_day(
                data.get("start_date"), "start_date", problems, zone, end=False, unless=ONGOING
            )
        if not ongoing or data.get("end_date") not in (None, ""):
            end = parse_day(
                data.get("end_date"), "end_date", problems, zone, end=True, unless=ONGOING
            )
        if start is not None and end is not None and end < start:
            problems.add("end_date", "end_date must not be before start_date")
    segments = int_list(data.get("segments"), "segments", problems, required=True)
    excluded = int_list(
        data.get("segments_excluded"), "segments_excluded", problems, required=False
    )
    raw_triggers = data.get("triggers")
    triggers: list[TriggerSpec] = []
    if not isinstance(raw_triggers, list) or not raw_triggers:
        problems.add("triggers", "triggers is required (a non-empty array)")
    else:
        for i, raw in enumerate(raw_triggers):
            spec = parse_trigger(raw, i, kind if kind in BASED_ON else None, problems)
            if spec is not None:
                triggers.append(spec)
        if kind in ("date_field", "mailing") and triggers and triggers[0].based_on == "trigger":
            problems.add("triggers[0].based_on", "the first trigger cannot follow another trigger")
    if "distribution" not in data:
        problems.add("distribution", "distribution is required")
    quota, limit = parse_limits(data, problems)
    event = EventSpec(
        name=str(name or "").strip(),
        description=description if isinstance(description, str) else "",
        based_on=str(kind),
        active=bool(status),
        segments=segments,
        segments_excluded=excluded,
        distribution=data.get("distribution") if isinstance(data.get("distribution"), list) else [],
        triggers=triggers,
        mailing_id=mailing_id,
        date_field_name=date_field.strip() if isinstance(date_field, str) else None,
        annually_event=bool(annually),
        ongoing_event=bool(ongoing),
        start_date=start,
        end_date=end,
        esp_connections_quota=quota,
        emails_limit=limit,
    )
    return event, problems
