"""Building raw activity items from provider events: contact, time, idempotency key, bounce code.

A contact is named by the metadata mailroom put on the outgoing mail (its public id and the
mailing id) when the provider echoes it back; otherwise by the recipient address, looked up in
the endpoint's list (or the account's default list, inside ingest).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from mailroom.activity.sends import META_CONTACT, META_MAILING, send_idempotency_key

MAX_KEY = 128
UNKNOWN_EVENT = "event type not tracked by mailroom"


def event_item(
    type_: str,
    *,
    meta: dict[str, Any] | None,
    email: Any,
    list_id: int | None,
    at_ms: int | None,
    key: str,
    **details: Any,
) -> dict[str, Any]:
    """A raw ingest item; empty detail values are left out."""
    item: dict[str, Any] = {"type": type_, "idempotency_key": key}
    contact, mailing = _contact_and_mailing(meta)
    if contact:
        item["contact_id"] = contact
    else:
        item["email"] = email.strip() if isinstance(email, str) else email
        if list_id is not None:
            item["list_id"] = list_id
    if mailing is not None:
        item["mailing_id"] = mailing
    if at_ms is not None:
        item["at"] = at_ms
    for name, value in details.items():
        if value is not None and value != "":
            item[name] = value
    return item


def obj(value: Any) -> dict[str, Any]:
    """`value` if it is a JSON object, else an empty one (provider fields may be anything)."""
    return value if isinstance(value, dict) else {}


def send_key(provider: str, meta: dict[str, Any] | None, *fallback: Any) -> str:
    """Delivery counts once per contact and mailing, whoever reports it (sender or provider)."""
    contact, mailing = _contact_and_mailing(meta)
    if contact and mailing is not None:
        return send_idempotency_key(contact, mailing)
    return idem_key(provider, "send", *fallback)


def idem_key(provider: str, *parts: Any) -> str:
    """`provider:part:part...`, hashed when it would not fit the 128-character column."""
    key = ":".join([provider, *(str(p) for p in parts)])
    if len(key) <= MAX_KEY:
        return key
    return f"{provider}:{parts[0]}:h:" + hashlib.sha256(key.encode()).hexdigest()


def _contact_and_mailing(meta: dict[str, Any] | None) -> tuple[str | None, int | None]:
    if not meta:
        return None, None
    contact = meta.get(META_CONTACT)
    contact = contact.strip() if isinstance(contact, str) and contact.strip() else None
    raw = meta.get(META_MAILING)
    mailing: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool) and raw > 0:
        mailing = raw
    elif isinstance(raw, str) and raw.strip().isdigit():
        mailing = int(raw.strip())
    return contact, mailing


def to_ms(value: Any) -> int | None:
    """Provider times (ISO 8601 or Unix seconds) -> Unix ms; None when absent or unreadable."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return int(value * 1000) if value < 100_000_000_000 else int(value)
    if isinstance(value, str) and value.strip():
        text = value.strip()
        try:
            return to_ms(float(text))
        except ValueError:
            pass
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return int(parsed.timestamp() * 1000)
    return None


def bounce_code(hard: bool, smtp_status: Any = None) -> str:
    """Constant Contact's one-letter code from hard/soft and an enhanced status (5.1.1, 4.2.2)."""
    status = str(smtp_status or "")
    if hard:
        return "B" if status.startswith(("5.1.1", "5.1.0", "5.1.2")) else "D"
    if status.endswith(".2.2"):
        return "F"  # mailbox full
    return "X"


def header_meta(headers: Any) -> dict[str, str]:
    """mailroom's X-Mailroom-* headers from a list of {name, value} or a name -> value mapping."""
    pairs: list[tuple[Any, Any]] = []
    if isinstance(headers, dict):
        pairs = list(headers.items())
    elif isinstance(headers, list):
        pairs = [(h.get("name"), h.get("value")) for h in headers if isinstance(h, dict)]
    meta: dict[str, str] = {}
    for name, value in pairs:
        if not isinstance(name, str) or not isinstance(value, str):
            continue
        lowered = name.lower()
        if lowered == "x-mailroom-contact":
            meta[META_CONTACT] = value
        elif lowered == "x-mailroom-mailing":
            meta[META_MAILING] = value
    return meta
