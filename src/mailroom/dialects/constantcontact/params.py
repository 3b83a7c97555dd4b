"""Query parameters of the contact reports, in every encoding real clients send.

Activity types come in two mutually exclusive parameters, and clients disagree on how to encode
each: the docs send ``tracking_activities_list=a,b`` and ``tracking_activity_type=a&...=b``;
the public Python SDK 1.5.0 sends the opposite (list repeated, type comma-joined); phpfui's PHP
client strips ``[0]``..``[9]`` from ``tracking_activity_type[n]`` but leaves ``[10]`` and up.
So both names take both encodings (and a ``[n]`` suffix). Neither given means ``em_clicks``, as
an older copy of the guide says; both given is a 400.
"""

from __future__ import annotations

import base64
import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from mailroom.activity.types import BY_NAME, CONSTANT_CONTACT_TYPES, EventType
from mailroom.errors import BadRequest

TYPE_PARAMS = ("tracking_activities_list", "tracking_activity_type")
DEFAULT_TYPES = ("em_clicks",)
MAX_LIMIT = 100
MAX_RATE_RANGE_YEARS = 5

_INDEXED = re.compile(r"^(tracking_activities_list|tracking_activity_type)\[\d*\]$")
_BOOLS = {"true": True, "1": True, "false": False, "0": False}
_CURSOR = struct.Struct(">qq")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class DetailsQuery:
    """A parsed activity_details request; ``type_param`` and ``repeated`` rebuild the next link."""

    types: tuple[EventType, ...]
    type_names: tuple[str, ...]
    type_param: str | None
    repeated: bool
    include_names: bool
    limit: int
    after: tuple[int, int] | None  # (at_ms, event id) of the last item already seen


def _base_name(key: str) -> str:
    match = _INDEXED.match(key)
    return match.group(1) if match else key


def _last(items: Sequence[tuple[str, str]], name: str) -> str | None:
    values = [value for key, value in items if key == name]
    return values[-1] if values else None


def parse_bool(name: str, raw: str | None, default: bool) -> bool:
    if raw is None:
        return default
    value = _BOOLS.get(raw.strip().lower())
    if value is None:
        raise BadRequest(f"{name} must be true or false, not {raw!r}.")
    return value


def parse_limit(raw: str | None) -> int:
    if raw is None:
        return MAX_LIMIT
    try:
        value = int(raw.strip())
    except ValueError:
        raise BadRequest(f"limit must be an integer from 1 to {MAX_LIMIT}.") from None
    if not 1 <= value <= MAX_LIMIT:
        raise BadRequest(f"limit must be an integer from 1 to {MAX_LIMIT}.")
    return value


def encode_cursor(at_ms: int, event_id: int) -> str:
    return base64.urlsafe_b64encode(_CURSOR.pack(at_ms, event_id)).rstrip(b"=").decode()


def decode_cursor(raw: str) -> tuple[int, int]:
    try:
        packed = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
        at_ms, event_id = _CURSOR.unpack(packed)
    except (ValueError, struct.error):
        raise BadRequest("cursor is invalid.") from None
    if at_ms < 0 or event_id < 0:
        raise BadRequest("cursor is invalid.")
    return at_ms, event_id


def _types(items: Sequence[tuple[str, str]]) -> tuple[str | None, bool, list[str]]:
    given: dict[str, list[str]] = {}
    for key, value in items:
        name = _base_name(key)
        if name in TYPE_PARAMS:
            given.setdefault(name, []).append(value)
    if len(given) > 1:
        raise BadRequest(
            "tracking_activities_list and tracking_activity_type are mutually exclusive."
        )
    if not given:
        return None, False, list(DEFAULT_TYPES)
    ((param, values),) = given.items()
    names = [part.strip() for value in values for part in value.split(",") if part.strip()]
    if not names:
        raise BadRequest(f"{param} must name at least one tracking activity type.")
    return param, len(values) > 1, names


def parse_details(items: Sequence[tuple[str, str]]) -> DetailsQuery:
    """The activity_details query from the raw (key, value) pairs of the query string."""
    param, repeated, names = _types(items)
    unknown = [name for name in names if name not in CONSTANT_CONTACT_TYPES]
    if unknown:
        raise BadRequest(
            f"Invalid tracking activity type: {', '.join(unknown)}. "
            f"Valid types: {', '.join(CONSTANT_CONTACT_TYPES)}."
        )
    unique = tuple(dict.fromkeys(names))
    cursor = _last(items, "cursor")
    return DetailsQuery(
        types=tuple(BY_NAME[name] for name in unique),
        type_names=unique,
        type_param=param,
        repeated=repeated,
        include_names=parse_bool(
            "include_campaign_activity_names", _last(items, "include_campaign_activity_names"), True
        ),
        limit=parse_limit(_last(items, "limit")),
        after=decode_cursor(cursor) if cursor else None,
    )


def parse_time(name: str, raw: str | None) -> int:
    """ISO 8601 (``-0500``, ``Z``, ``+01:00``; a ``+`` decoded to a space) → Unix ms.

    A time without an offset is taken as UTC; a bare date as its midnight UTC.
    """
    if raw is None or not raw.strip():
        raise BadRequest(f"{name} is required, as an ISO 8601 date-time.")
    text = raw.strip()
    # An unencoded '+0100' arrives as ' 0100': put the sign back.
    text = re.sub(r" (\d{2}:?\d{2})$", r"+\1", text)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise BadRequest(
            f"{name} must be an ISO 8601 date-time such as 2019-01-01T00:00:00-0500, not {raw!r}."
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - _EPOCH) // timedelta(milliseconds=1)


def _plus_years(ms: int, years: int) -> int:
    moment = _EPOCH + timedelta(milliseconds=ms)
    try:
        later = moment.replace(year=moment.year + years)
    except ValueError:  # 29 February in a common year
        later = moment.replace(year=moment.year + years, month=3, day=1)
    return (later - _EPOCH) // timedelta(milliseconds=1)


def parse_range(
    items: Sequence[tuple[str, str]], *, max_years: int | None = None
) -> tuple[int, int]:
    """The required ``start``/``end`` pair as Unix ms, checked for order (and length)."""
    start = parse_time("start", _last(items, "start"))
    end = parse_time("end", _last(items, "end"))
    if start > end:
        raise BadRequest("start must not be after end.")
    if max_years is not None and end > _plus_years(start, max_years):
        raise BadRequest(f"The date range cannot exceed {max_years} years.")
    return start, end
