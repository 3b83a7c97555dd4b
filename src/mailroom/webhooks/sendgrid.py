"""SendGrid Event Webhook: ECDSA signature check and event mapping.

SendGrid signs `timestamp + raw body` with ECDSA P-256 / SHA-256; the endpoint's secret is the
verification key shown in SendGrid's mail settings (base64 DER, or PEM). The body is a JSON
array of events; `custom_args` appear as top-level keys of each event.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from mailroom.errors import BadRequest, Unauthorized
from mailroom.webhooks.items import UNKNOWN_EVENT, bounce_code, event_item, idem_key, send_key
from mailroom.webhooks.schemas import Batch

SIGNATURE_HEADER = "x-twilio-email-event-webhook-signature"
TIMESTAMP_HEADER = "x-twilio-email-event-webhook-timestamp"

NOT_COUNTED = {
    "processed": "accepted by SendGrid; 'delivered' counts the send",
    "deferred": "a delay, not an outcome",
    "dropped": "never sent",
    "group_resubscribe": "resubscribes are made in mailroom, not by the provider",
}


def load_key(secret: str) -> ec.EllipticCurvePublicKey:
    """The verification key from base64 DER (SendGrid's form) or PEM; ValueError if neither."""
    text = secret.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_public_key(text.encode())
        else:
            key = serialization.load_der_public_key(base64.b64decode(text, validate=True))
    except (binascii.Error, ValueError, TypeError) as exc:
        raise ValueError(f"not an ECDSA public key: {exc}") from None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ValueError("not an ECDSA public key")
    return key


def verify(secret: str | None, body: bytes, headers: Mapping[str, str]) -> None:
    """Return if the request carries SendGrid's valid signature; raise 401 otherwise."""
    signature = headers.get(SIGNATURE_HEADER)
    timestamp = headers.get(TIMESTAMP_HEADER)
    if not signature or not timestamp or not secret:
        raise Unauthorized("SendGrid signature headers are missing")
    try:
        der = base64.b64decode(signature, validate=True)
        load_key(secret).verify(der, timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    except (binascii.Error, ValueError, InvalidSignature):
        raise Unauthorized("SendGrid signature does not match") from None


def translate(events: Any, list_id: int | None, batch: Batch) -> None:
    if isinstance(events, dict):
        events = [events]
    if not isinstance(events, list):
        raise BadRequest("SendGrid body must be a JSON array of events")
    for index, event in enumerate(events):
        if not isinstance(event, dict):
            batch.ignore(index, type(event).__name__, "event is not a JSON object")
            continue
        _one(index, event, list_id, batch)


def _one(index: int, event: dict[str, Any], list_id: int | None, batch: Batch) -> None:
    name = event.get("event")
    email = event.get("email")
    at = event.get("timestamp")
    at_ms = int(at * 1000) if isinstance(at, int | float) and not isinstance(at, bool) else None
    event_id = event.get("sg_event_id") or idem_key(
        "sg", event.get("sg_message_id"), name, at, email
    )
    key = idem_key("sendgrid", event_id)

    def add(type_: str, item_key: str = key, **details: Any) -> None:
        item = event_item(
            type_, meta=event, email=email, list_id=list_id, at_ms=at_ms, key=item_key, **details
        )
        batch.add(index, item)

    machine = event.get("sg_machine_open")
    if name == "delivered":
        message = str(event.get("sg_message_id") or event_id).split(".")[0]
        add(
            "em_sends",
            send_key("sendgrid", event, message, email),
            smtp_status=event.get("response"),
        )
    elif name == "open":
        add(
            "em_opens",
            user_agent=event.get("useragent"),
            ip=event.get("ip"),
            machine=machine if isinstance(machine, bool) else None,
        )
    elif name == "click":
        add(
            "em_clicks",
            link_url=event.get("url"),
            user_agent=event.get("useragent"),
            ip=event.get("ip"),
        )
    elif name == "bounce":
        hard = event.get("type") != "blocked"
        add(
            "em_bounces",
            bounce_type="hard" if hard else "soft",
            bounce_code=bounce_code(hard, event.get("status")),
            smtp_status=event.get("status"),
            diagnostic=event.get("reason"),
            reason=event.get("bounce_classification"),
        )
    elif name == "spamreport":
        add("em_complaints", reason="spamreport")
    elif name in ("unsubscribe", "group_unsubscribe"):
        add("em_optouts", reason=name)
    elif name in NOT_COUNTED:
        batch.ignore(index, name, NOT_COUNTED[str(name)])
    else:
        batch.ignore(index, name, UNKNOWN_EVENT)
