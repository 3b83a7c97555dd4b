"""Postmark webhooks: HTTP Basic credentials (Postmark does not sign) and record mapping.

The endpoint's secret is `user:password`, the credentials put into the webhook URL configured
at Postmark; they are compared in constant time. One record per request, typed by RecordType.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from typing import Any

from mailroom.errors import BadRequest, Unauthorized
from mailroom.webhooks.items import (
    UNKNOWN_EVENT,
    bounce_code,
    event_item,
    idem_key,
    obj,
    send_key,
    to_ms,
)
from mailroom.webhooks.schemas import Batch

HARD_TYPES = frozenset({"HardBounce", "BadEmailAddress"})
SOFT_TYPES = frozenset(
    {"Transient", "SoftBounce", "DnsError", "Blocked", "Unknown", "DMARCPolicy", "SMTPApiError"}
)


def verify(secret: str | None, headers: Mapping[str, str]) -> None:
    """Return if the request's Basic credentials equal the endpoint's; 401 otherwise."""
    header = headers.get("authorization") or ""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value or not secret:
        raise Unauthorized("Postmark webhook needs HTTP Basic credentials")
    try:
        given = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise Unauthorized("Postmark webhook credentials are malformed") from None
    if not hmac.compare_digest(given, secret.encode()):
        raise Unauthorized("Postmark webhook credentials do not match")


def translate(record: Any, list_id: int | None, batch: Batch) -> None:
    if not isinstance(record, dict):
        raise BadRequest("Postmark body must be a JSON object")
    kind = record.get("RecordType")
    meta = obj(record.get("Metadata")) or None
    message_id = record.get("MessageID") or ""
    email = record.get("Recipient") or record.get("Email")
    geo = obj(record.get("Geo"))

    def add(type_: str, at: Any, key: str, **details: Any) -> None:
        item = event_item(
            type_, meta=meta, email=email, list_id=list_id, at_ms=to_ms(at), key=key, **details
        )
        batch.add(0, item)

    if kind == "Delivery":
        add(
            "em_sends",
            record.get("DeliveredAt"),
            send_key("postmark", meta, message_id, email),
            smtp_status=record.get("Details"),
        )
    elif kind == "Open":
        add(
            "em_opens",
            record.get("ReceivedAt"),
            idem_key("postmark", "open", message_id, record.get("ReceivedAt")),
            user_agent=record.get("UserAgent"),
            ip=geo.get("IP"),
            device_type=record.get("Platform"),
        )
    elif kind == "Click":
        add(
            "em_clicks",
            record.get("ReceivedAt"),
            idem_key(
                "postmark",
                "click",
                message_id,
                record.get("ReceivedAt"),
                record.get("OriginalLink"),
            ),
            link_url=record.get("OriginalLink"),
            user_agent=record.get("UserAgent"),
            ip=geo.get("IP"),
            device_type=record.get("Platform"),
        )
    elif kind in ("Bounce", "SpamComplaint"):
        _bounce(record, kind, add, batch)
    elif kind == "SubscriptionChange":
        reason = record.get("SuppressionReason")
        if record.get("SuppressSending") is True and reason == "ManualSuppression":
            key = idem_key("postmark", "optout", message_id, record.get("ChangedAt"), email)
            add("em_optouts", record.get("ChangedAt"), key, reason="ManualSuppression")
        elif record.get("SuppressSending") is True:
            batch.ignore(0, kind, f"suppression for {reason}; its Bounce or SpamComplaint counts")
        else:
            batch.ignore(0, kind, "reactivation; resubscribes are made in mailroom")
    else:
        batch.ignore(0, kind, UNKNOWN_EVENT)


def _bounce(record: dict[str, Any], kind: str, add: Any, batch: Batch) -> None:
    bounce_type = record.get("Type")
    at = record.get("BouncedAt")
    key = idem_key("postmark", kind.lower(), record.get("ID") or record.get("MessageID"), at)
    if kind == "SpamComplaint" or bounce_type == "SpamComplaint":
        add("em_complaints", at, key, reason="SpamComplaint")
    elif bounce_type == "Unsubscribe":
        add("em_optouts", at, key, reason="Unsubscribe")
    elif bounce_type in HARD_TYPES or bounce_type in SOFT_TYPES:
        hard = bounce_type in HARD_TYPES
        add(
            "em_bounces",
            at,
            key,
            bounce_type="hard" if hard else "soft",
            bounce_code=bounce_code(hard),
            diagnostic=str(record.get("Details") or record.get("Description") or "")[:1000],
            reason=f"{bounce_type} ({record.get('TypeCode')})",
        )
    else:
        batch.ignore(0, f"Bounce/{bounce_type}", "not a delivery failure (e.g. auto-responder)")
