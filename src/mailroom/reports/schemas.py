"""A contact activity report request, validated whole: every problem is reported at once.

Ongage's body (`title`, `selected_fields`, `filters{criteria, user_type, from_date, to_date}`,
`include_behavior`, `combined_as_and`) plus mailroom's `include_machine`. Dates are Unix
seconds or calendar dates (``MM/DD/YYYY``, ``YYYY-MM-DD``, optionally with ``HH:MM[:SS]``), in
UTC; a date without a time means the start of that day for `from_date` and its last second for
`to_date`. Both ends are inclusive, to the second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mailroom.errors import ValidationFailed
from mailroom.kit.bounds import in_calendar

PENDING, COMPLETED, FAILED = 1, 2, 3
STATUS_DESC = {PENDING: "Pending", COMPLETED: "Completed", FAILED: "Failed"}
KIND = "contact_activity"

# Columns of the contact itself, by selected-field name -> report row column.
CONTACT_FIELDS = {
    "email": "email",
    "ocx_status": "status",
    "ocx_created_date": "created",
    "ocx_unsubscribe_date": "unsubscribe_date",
    "ocx_resubscribe_date": "resubscribe_date",
    "ocx_bounce_date": "bounce_date",
    "ocx_complaint_date": "complaint_date",
}
COUNTERS = (
    "sent",
    "opens",
    "clicks",
    "machine_opens",
    "machine_clicks",
    "unsubscribe",
    "complains",
    "bounces",
)
LAST_DATES = ("last_sent_date", "last_open_date", "last_click_date")
ACTIVITY_FIELDS = (*COUNTERS, *LAST_DATES)
USER_TYPES = ("all", "active", "nonactive", "unsubscribed", "bounced", "complaint", "inactive")
SORTABLE = ("id", "title", "created", "status")
MAX_TITLE = 255

_DATE_FORMATS = (
    "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M", "%m/%d/%Y",
    "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S",
)  # fmt: skip


@dataclass(frozen=True)
class ReportSpec:
    """What a report asks for, checked; stored as the report's `request` (see `stored`)."""

    title: str
    selected_fields: tuple[str, ...]
    criteria: list[Any]
    user_type: str
    from_s: int | None
    to_s: int | None
    combined_as_and: bool
    include_machine: bool
    include_behavior: bool

    @property
    def windowed(self) -> bool:
        return self.from_s is not None or self.to_s is not None

    def window_ms(self) -> tuple[int, int]:
        """[start, end) in Unix milliseconds; an open end is the whole range."""
        start = self.from_s * 1000 if self.from_s is not None else -(2**62)
        end = (self.to_s + 1) * 1000 if self.to_s is not None else 2**62
        return start, end

    def stored(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "selected_fields": list(self.selected_fields),
            "filters": {
                "criteria": self.criteria,
                "user_type": self.user_type,
                "from_date": self.from_s,
                "to_date": self.to_s,
            },
            "combined_as_and": self.combined_as_and,
            "include_machine": self.include_machine,
            "include_behavior": self.include_behavior,
        }

    @classmethod
    def from_stored(cls, data: dict[str, Any]) -> ReportSpec:
        filters = data["filters"]
        return cls(
            title=data["title"],
            selected_fields=tuple(data["selected_fields"]),
            criteria=list(filters.get("criteria") or []),
            user_type=filters.get("user_type") or "all",
            from_s=filters.get("from_date"),
            to_s=filters.get("to_date"),
            combined_as_and=bool(data.get("combined_as_and")),
            include_machine=bool(data.get("include_machine")),
            include_behavior=bool(data.get("include_behavior")),
        )


class _Problems(list[dict[str, str]]):
    def add(self, field: str, message: str) -> None:
        self.append({"field": field, "message": message})


def parse_date(value: Any, *, end_of_day: bool) -> int:
    """Unix seconds from a number, a digit string or a calendar date (UTC), within the years 1
    to 9999; ValueError else."""
    if isinstance(value, bool):
        raise ValueError("expected Unix seconds or a date such as MM/DD/YYYY")
    if isinstance(value, int | float):
        return in_calendar(value, "Unix seconds")
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit():
            return in_calendar(text, "Unix seconds")
        for fmt in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(text, fmt).replace(tzinfo=UTC)
            except ValueError:
                continue
            seconds = int(parsed.timestamp())
            if end_of_day and "%H" not in fmt:
                seconds += 86_399
            return seconds
    raise ValueError("expected Unix seconds or a date such as MM/DD/YYYY")


def _flag(problems: _Problems, body: dict[str, Any], key: str) -> bool:
    value = body.get(key, False)
    if value in (None, False, True, 0, 1, "0", "1", "true", "false", ""):
        return value in (True, 1, "1", "true")
    problems.add(key, f"{key} must be true or false")
    return False


def parse_request(body: Any, list_fields: set[str]) -> tuple[ReportSpec, _Problems]:
    """The request as a spec, and every problem found in it (criteria are checked apart)."""
    problems = _Problems()
    if not isinstance(body, dict):
        raise ValidationFailed(
            "The request body must be a JSON object",
            errors=[{"field": "", "message": "expected a JSON object"}],
        )
    title = body.get("title")
    if not isinstance(title, str) or not title.strip():
        problems.add("title", "title is required")
        title = ""
    elif len(title) > MAX_TITLE:
        problems.add("title", f"title is longer than {MAX_TITLE} characters")
    selected = body.get("selected_fields")
    fields: list[str] = []
    if not isinstance(selected, list) or not selected:
        problems.add("selected_fields", "selected_fields must be a non-empty array of field names")
    else:
        known = {*CONTACT_FIELDS, *ACTIVITY_FIELDS, *list_fields}
        for i, name in enumerate(selected):
            if not isinstance(name, str) or name not in known:
                problems.add(f"selected_fields[{i}]", f"unknown field {name!r}")
            elif name in fields:
                problems.add(f"selected_fields[{i}]", f"field {name!r} is selected twice")
            else:
                fields.append(name)
    filters = body.get("filters")
    if filters is None:
        filters = {}
    if not isinstance(filters, dict):
        problems.add("filters", "filters must be an object")
        filters = {}
    criteria = filters.get("criteria")
    if criteria is None:
        criteria = []
    if not isinstance(criteria, list):
        problems.add("filters.criteria", "criteria must be an array")
        criteria = []
    user_type = filters.get("user_type") or "all"
    if user_type not in USER_TYPES:
        problems.add("filters.user_type", f"user_type must be one of: {', '.join(USER_TYPES)}")
    window: dict[str, int | None] = {}
    for key in ("from_date", "to_date"):
        raw = filters.get(key)
        if raw in (None, ""):
            window[key] = None
            continue
        try:
            window[key] = parse_date(raw, end_of_day=key == "to_date")
        except ValueError as exc:
            problems.add(f"filters.{key}", f"{key}: {exc}")
            window[key] = None
    start, end = window["from_date"], window["to_date"]
    if start is not None and end is not None and start > end:
        problems.add("filters.to_date", "to_date is before from_date")
    spec = ReportSpec(
        title=title.strip(),
        selected_fields=tuple(fields),
        criteria=criteria,
        user_type=str(user_type),
        from_s=start,
        to_s=end,
        combined_as_and=_flag(problems, body, "combined_as_and"),
        include_machine=_flag(problems, body, "include_machine"),
        include_behavior=_flag(problems, body, "include_behavior"),
    )
    return spec, problems


def invalid(problems: list[dict[str, Any]]) -> ValidationFailed:
    """One 412 naming every problem."""
    first = problems[0]["message"]
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return ValidationFailed(f"Invalid contact activity report: {first}{more}", errors=problems)
