"""Cheap per-item validation of raw activity items: plain dict checks, no model per item.

Every ingest path (bulk API, imports, tracking, webhooks) sends thousands of items per call, so
validation is a tight loop that turns each raw dict into a `Draft` or a reason for rejecting it.
Ids are resolved afterwards, in bulk, by the service.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from mailroom.activity.types import BY_NAME, EventType
from mailroom.kit import ids
from mailroom.kit.emails import InvalidEmail, check_email

MAX_FUTURE_MS = 86_400_000  # events dated more than a day ahead are mistakes, not schedules
MAX_KEY_LEN = 128
MAX_TEXT_LEN = 1000
MAX_URL_LEN = 4000
MAX_EMAIL_LEN = 320
_MAX_ID = ids.MAX_ID
# Unix seconds below this are seconds; at or above, milliseconds (1e11 s is the year 5138).
_MS_THRESHOLD = 100_000_000_000

# Constant Contact's one-letter bounce codes and whether each is permanent.
BOUNCE_CODES: dict[str, str] = {
    "B": "hard",  # non-existent address
    "D": "hard",  # undeliverable
    "F": "soft",  # mailbox full
    "S": "soft",  # mailbox suspended
    "V": "soft",  # vacation / auto-reply (delivered)
    "X": "soft",  # other
    "Z": "soft",  # blocked by the receiving ISP
}
BOUNCE_TYPES = ("hard", "soft")

# Free-text details copied as given (after a length check), by raw key -> stored key.
_TEXT_DETAILS = {
    "device_type": "device_type",
    "user_agent": "user_agent",
    "ip": "ip",
    "reason": "reason",
    "opt_out_reason": "reason",
    "smtp_status": "smtp_status",
    "diagnostic": "diagnostic",
}


_RARE = frozenset(
    {
        *_TEXT_DETAILS,
        "campaign_activity_id",
        "machine",
        "link_url",
        "link_id",
        "bounce_type",
        "bounce_code",
    }
)


class Draft:
    """A syntactically valid item whose contact, mailing and link are not resolved yet."""

    __slots__ = (
        "at_ms",
        "campaign_activity_id",
        "contact",
        "contact_id",
        "details",
        "email",
        "idem_key",
        "index",
        "link_id",
        "link_url",
        "list_id",
        "machine",
        "mailing_id",
        "order_key",
        "type",
        "uid",
    )

    def __init__(self, index: int, type_: EventType, at_ms: int) -> None:
        self.index = index
        self.type = type_
        self.at_ms = at_ms
        self.uid: str | None = None
        self.list_id: int | None = None
        self.email: str | None = None
        self.mailing_id: int | None = None
        self.campaign_activity_id: str | None = None
        self.link_url: str | None = None
        self.link_id: int | None = None
        self.machine: bool | None = None
        self.idem_key: str | None = None
        self.details: dict[str, Any] | None = None
        self.contact: Any = None  # a contacts.lookup.ContactState if the event changes it
        self.contact_id = 0
        self.order_key = ""  # the idempotency key or "", to order a batch for storage

    def email_key(self) -> tuple[int, str]:
        """(list id, lower-cased email): how a contact named by email is looked up."""
        return (self.list_id or 0, (self.email or "").lower())


class Invalid(ValueError):
    """One item's rejection reason."""


def parse_at(value: Any, now_ms: int) -> int:
    """ISO 8601, Unix ms or Unix s (number or digit string) -> Unix ms; missing means now."""
    if value is None or value == "":
        return now_ms
    if isinstance(value, bool):
        raise Invalid("at must be ISO 8601 or a Unix time in seconds or milliseconds")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        try:
            number = float(text)
        except ValueError:
            number = _iso_ms(text)
            return _check_time(number, now_ms)
    else:
        raise Invalid("at must be ISO 8601 or a Unix time in seconds or milliseconds")
    if not math.isfinite(number) or number < 0:
        raise Invalid("at must be a non-negative Unix time")
    ms = int(number) if number >= _MS_THRESHOLD else int(number * 1000)
    return _check_time(ms, now_ms)


def _iso_ms(text: str) -> int:
    try:
        parsed = datetime.fromisoformat(text.replace(" ", "T", 1) if "T" not in text else text)
    except ValueError:
        raise Invalid(f"at is not ISO 8601 or a Unix time: {text[:40]!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp() * 1000)


def _check_time(ms: int, now_ms: int) -> int:
    if ms > now_ms + MAX_FUTURE_MS:
        raise Invalid("at is more than one day in the future")
    if ms < 0:
        raise Invalid("at must be a non-negative Unix time")
    return ms


def positive_int(value: Any, name: str) -> int:
    """A positive BIGINT id, as a number or an ASCII digit string; `Invalid` naming `name` else."""
    return ids.positive_int(value, name, Invalid)


def _text(value: Any, name: str, limit: int = MAX_TEXT_LEN) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise Invalid(f"{name} must be a string")
    if len(value) > limit:
        raise Invalid(f"{name} is longer than {limit} characters")
    if "\x00" in value:
        raise Invalid(f"{name} contains a NUL character")
    return value


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
        return value.strip().lower() in ("true", "1", "yes")
    raise Invalid(f"{name} must be true or false")


def parse_item(index: int, raw: Any, now_ms: int, default_list_id: int | None) -> Draft:
    """Validate one raw item (see `activity.schemas`); raise `Invalid` with the reason."""
    if not isinstance(raw, dict):
        if isinstance(raw, Invalid):  # a reader's placeholder, e.g. an unreadable NDJSON line
            raise raw
        raise Invalid("item must be a JSON object")
    get = raw.get
    name = get("type")
    if not name:
        raise Invalid("type is required")
    type_ = BY_NAME.get(name) if isinstance(name, str) else None
    if type_ is None:
        type_ = BY_NAME.get(name.strip().lower()) if isinstance(name, str) else None
        if type_ is None:
            raise Invalid(f"unknown type {str(name)[:40]!r}")
    at = get("at")
    if type(at) is int and _MS_THRESHOLD <= at <= now_ms + MAX_FUTURE_MS:
        draft = Draft(index, type_, at)  # the usual shape: Unix ms
    else:
        draft = Draft(index, type_, parse_at(at, now_ms))
    seen = 1 if at is None else 2  # keys known present, to skip looking for rarer ones

    uid = get("contact_id")
    if uid is not None and uid != "":
        if not isinstance(uid, str) or len(uid) > 64 or "\x00" in uid:
            raise Invalid("contact_id must be a contact's id string")
        # an id as issued (24 lower-case hex digits) needs no cleaning
        draft.uid = uid if len(uid) == 24 and uid.islower() else uid.strip().lower()
        seen += 1
    else:
        email = get("email")
        if email is None or email == "":
            raise Invalid("a contact is required: contact_id, or email (with list_id)")
        email = _text(email, "email", MAX_EMAIL_LEN).strip()
        try:
            email = check_email(email)
        except InvalidEmail as exc:
            raise Invalid(str(exc)) from None
        list_id = get("list_id")
        draft.list_id = (
            positive_int(list_id, "list_id") if list_id not in (None, "") else default_list_id
        )
        if draft.list_id is None:
            raise Invalid("list_id is required with email")
        draft.email = email
        seen += 1 if list_id is None else 2

    mailing = get("mailing_id")
    if mailing is not None:
        seen += 1
        if mailing != "":
            draft.mailing_id = (
                mailing
                if type(mailing) is int and 0 < mailing < _MAX_ID
                else positive_int(mailing, "mailing_id")
            )
    key = get("idempotency_key")
    if key is not None:
        seen += 1
        if key != "":
            draft.idem_key = (
                key
                if type(key) is str and len(key) <= MAX_KEY_LEN and "\x00" not in key
                else _text(key, "idempotency_key", MAX_KEY_LEN)
            )
    # most items carry none of the rarer keys (a count tells), few others: look at those present
    rare = raw.keys() & _RARE if len(raw) > seen else None
    if rare:
        _parse_rare(draft, raw, rare)
    elif type_ is EventType.EM_BOUNCES:
        draft.details = _bounce_details(None, None, {})
    return draft


def _parse_rare(draft: Draft, raw: dict[str, Any], present: set[str]) -> None:
    get = raw.get
    if "campaign_activity_id" in present and draft.mailing_id is None:
        activity = get("campaign_activity_id")
        if activity is not None and activity != "":
            draft.campaign_activity_id = _text(activity, "campaign_activity_id", 36).strip().lower()

    if "machine" in present:
        machine = get("machine")
        if machine is not None and machine != "":
            draft.machine = _bool(machine, "machine")

    if "link_url" in present:
        url = get("link_url")
        if url is not None and url != "":
            url = _text(url, "link_url", MAX_URL_LEN).strip()
            if "://" not in url:
                raise Invalid("link_url must be an absolute URL")
            draft.link_url = url
    if "link_id" in present and draft.link_url is None:
        link_id = get("link_id")
        if link_id is not None and link_id != "":
            draft.link_id = positive_int(link_id, "link_id")

    details: dict[str, Any] | None = None
    for raw_key, key in _TEXT_DETAILS.items():  # in this order: a later key wins
        if raw_key in present:
            value = raw[raw_key]
            if value is not None and value != "":
                if details is None:
                    details = {}
                details[key] = (
                    value
                    if type(value) is str and len(value) <= MAX_TEXT_LEN and "\x00" not in value
                    else _text(value, raw_key)
                )
    if draft.type is EventType.EM_BOUNCES:
        details = _bounce_details(get("bounce_type"), get("bounce_code"), details or {})
    draft.details = details


def _bounce_details(kind: Any, code: Any, details: dict[str, Any]) -> dict[str, Any]:
    """A bounce is hard or soft: said outright, implied by its code, else hard (a failure)."""
    if code is not None and code != "":
        code = str(code).strip().upper()
        if code not in BOUNCE_CODES:
            raise Invalid(f"bounce_code must be one of {', '.join(BOUNCE_CODES)}")
        details["bounce_code"] = code
    if kind is not None and kind != "":
        kind = str(kind).strip().lower()
        if kind not in BOUNCE_TYPES:
            raise Invalid("bounce_type must be hard or soft")
    else:
        kind = BOUNCE_CODES.get(details.get("bounce_code", ""), "hard")
    details["bounce_type"] = kind
    return details
