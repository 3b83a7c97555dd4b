"""Reading Tellody's request bodies: login fields and the chart's window."""

from __future__ import annotations

from typing import Any

from mailroom.charts.calendar import Window
from mailroom.dialects.tellody.session import XSRF_HEADER, form_fields
from mailroom.errors import BadRequest
from mailroom.kit import jsonx

TRUE = frozenset(("true", "on", "1", "yes"))
EMPTY_BODY = (
    "The request has no body: send from, to, unit, window and dow as a JSON object, e.g."
    ' {"from": 1437426000000, "to": 1437512399999, "unit": "hour", "window": "day", "dow": 0}.'
)
NO_PARAMETERS = (
    "The request carries no report parameters (from, to, unit, window, dow). Send them as a JSON"
    " body with the X-XSRF-TOKEN header; a form body holding only Content-Type and X-XSRF-TOKEN"
    " is what passing the headers as `data` to requests' post produces."
)


def fields(raw: bytes) -> dict[str, Any]:
    """A body's fields: a JSON object, else URL-encoded form fields (whatever Content-Type says)."""
    if raw.lstrip().startswith(b"{"):
        try:
            value = jsonx.loads(raw)
        except ValueError as exc:
            raise BadRequest(f"Invalid JSON in request body: {exc}") from None
        if isinstance(value, dict):
            return value
    if raw.lstrip().startswith(b"["):
        raise BadRequest("The request body must be a JSON object, not an array.")
    return dict(form_fields(raw))


def login_fields(raw: bytes) -> tuple[str, str, bool]:
    """(username, password, remember-me) of a login body; absent fields are empty."""
    found = fields(raw)
    remember = str(found.get("remember-me", "")).strip().lower() in TRUE
    return str(found.get("username", "")), str(found.get("password", "")), remember


def _integer(found: dict[str, Any], name: str, default: int | None = None) -> int:
    value = found.get(name)
    if value is None or value == "":
        if default is not None:
            return default
        raise BadRequest(f"{name} is required (milliseconds since 1970-01-01T00:00:00Z).")
    if isinstance(value, bool):
        raise BadRequest(f"{name} must be an integer, not {value!r}.")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise BadRequest(f"{name} must be an integer, not {value!r}.")


def _name(found: dict[str, Any], name: str) -> str:
    value = found.get(name)
    if not isinstance(value, str) or not value:
        raise BadRequest(f"{name} is required: one of the names in Tellody's documentation.")
    return value.strip().lower()


def chart_window(raw: bytes) -> Window:
    """The chart request's window; BadRequest with a message for people when it is unusable."""
    if not raw.strip():
        raise BadRequest(EMPTY_BODY)
    found = fields(raw)
    found.pop(XSRF_HEADER, None)
    found.pop("Content-Type", None)
    if not any(k in found for k in ("from", "to", "unit", "window")):
        raise BadRequest(NO_PARAMETERS)
    from_ms, to_ms = _integer(found, "from"), _integer(found, "to")
    limit = 253_402_300_799_999  # 9999-12-31T23:59:59.999Z: beyond it calendars end
    if not (-limit <= from_ms <= limit and -limit <= to_ms <= limit):
        raise BadRequest("from and to must be dates between the years 1 and 9999.")
    return Window(
        from_ms=from_ms,
        to_ms=to_ms,
        unit=_name(found, "unit"),
        window=_name(found, "window"),
        dow=_integer(found, "dow", 0),
    )
