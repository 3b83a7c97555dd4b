"""Amazon SES notifications (the `Message` of an SNS notification) -> raw activity items.

Both shapes are read: event publishing (`eventType`, with configuration-set tags) and identity
feedback notifications (`notificationType`). Send and Delivery both mean 'sent' and share one
idempotency key, so a message counts once. Unknown types are ignored and reported.
"""

from __future__ import annotations

from typing import Any

from mailroom.webhooks.items import (
    UNKNOWN_EVENT,
    bounce_code,
    event_item,
    header_meta,
    idem_key,
    obj,
    send_key,
    to_ms,
)
from mailroom.webhooks.schemas import Batch

NOT_COUNTED = {
    "Reject": "rejected by SES before sending; nothing reached the contact",
    "DeliveryDelay": "a delay, not an outcome",
    "Rendering Failure": "template failed to render; nothing was sent",
    "Subscription": "SES list management; mailroom keeps its own subscriptions",
    "AmazonSnsSubscriptionSucceeded": "SNS subscription notice",
}


def _meta(mail: dict[str, Any]) -> dict[str, Any]:
    """mailroom's contact and mailing from message tags, else from the echoed headers."""
    meta: dict[str, Any] = header_meta(mail.get("headers"))
    tags = mail.get("tags")
    if isinstance(tags, dict):
        for name, values in tags.items():
            if isinstance(values, list) and values and isinstance(values[0], str):
                meta[name] = values[0]
    return meta


def _recipients(block: dict[str, Any], field: str) -> list[dict[str, Any]]:
    found = block.get(field)
    return [r for r in found if isinstance(r, dict)] if isinstance(found, list) else []


def translate(message: Any, list_id: int | None, batch: Batch) -> None:
    """Add the items of one SES notification to `batch` (origin 0)."""
    if not isinstance(message, dict):
        batch.ignore(0, type(message).__name__, "SES message is not a JSON object")
        return
    kind = message.get("eventType") or message.get("notificationType")
    mail = obj(message.get("mail"))
    meta = _meta(mail)
    message_id = mail.get("messageId", "")
    destination = [d for d in mail.get("destination") or [] if isinstance(d, str)]
    first = destination[0] if destination else None

    before = len(batch.items)

    def add(type_: str, email: Any, at: Any, key: str, **details: Any) -> None:
        item = event_item(
            type_, meta=meta, email=email, list_id=list_id, at_ms=to_ms(at), key=key, **details
        )
        batch.add(0, item)

    if kind == "Bounce":
        bounce = message.get("bounce") or {}
        hard = bounce.get("bounceType") == "Permanent"
        for rec in _recipients(bounce, "bouncedRecipients"):
            email = rec.get("emailAddress")
            feedback = bounce.get("feedbackId") or message_id
            add(
                "em_bounces",
                email,
                bounce.get("timestamp"),
                idem_key("ses", "bounce", feedback, email),
                bounce_type="hard" if hard else "soft",
                bounce_code=bounce_code(hard, rec.get("status")),
                smtp_status=rec.get("status"),
                diagnostic=rec.get("diagnosticCode"),
                reason=bounce.get("bounceSubType"),
            )
    elif kind == "Complaint":
        complaint = message.get("complaint") or {}
        for rec in _recipients(complaint, "complainedRecipients"):
            email = rec.get("emailAddress")
            feedback = complaint.get("feedbackId") or message_id
            add(
                "em_complaints",
                email,
                complaint.get("timestamp"),
                idem_key("ses", "complaint", feedback, email),
                reason=complaint.get("complaintFeedbackType"),
            )
    elif kind in ("Delivery", "Send"):
        block = message.get("delivery") or {}
        recipients = block.get("recipients") if kind == "Delivery" else destination
        for email in recipients or []:
            at = block.get("timestamp") or mail.get("timestamp")
            add("em_sends", email, at, send_key("ses", meta, message_id, email))
    elif kind == "Open":
        opened = message.get("open") or {}
        add(
            "em_opens",
            first,
            opened.get("timestamp"),
            idem_key("ses", "open", message_id, opened.get("timestamp")),
            user_agent=opened.get("userAgent"),
            ip=opened.get("ipAddress"),
        )
    elif kind == "Click":
        click = message.get("click") or {}
        add(
            "em_clicks",
            first,
            click.get("timestamp"),
            idem_key("ses", "click", message_id, click.get("timestamp"), click.get("link")),
            link_url=click.get("link"),
            user_agent=click.get("userAgent"),
            ip=click.get("ipAddress"),
        )
    elif kind in NOT_COUNTED:
        batch.ignore(0, kind, NOT_COUNTED[kind])
        return
    else:
        batch.ignore(0, kind, UNKNOWN_EVENT)
        return
    if len(batch.items) == before:
        batch.ignore(0, kind, "no recipients in the notification")
