"""Mailgun webhooks: HMAC signature with freshness and replay checks, and event mapping.

The body is `{"signature": {timestamp, token, signature}, "event-data": {...}}`; the signature
is hex HMAC-SHA256 of `timestamp + token` under the domain's webhook signing key. It does not
cover the event data, so a signature is accepted only within five minutes of its timestamp and
a token seen before is accepted again only with the very same body (a provider retry, which
the idempotency keys then count once); the same token with other data is a forgery. The tokens
seen are kept in the database (`webhook_replays`, by `webhooks.service`), so a restart or
another server process does not reopen the window.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from mailroom.context import Context
from mailroom.errors import BadRequest, Unauthorized
from mailroom.webhooks.items import UNKNOWN_EVENT, bounce_code, event_item, idem_key, obj, send_key
from mailroom.webhooks.schemas import Batch

MAX_AGE_S = 300

NOT_COUNTED = {
    "accepted": "accepted by Mailgun; 'delivered' counts the send",
    "rejected": "never sent",
    "stored": "inbound storage",
    "list_member_uploaded": "Mailgun list management",
}


REPLAYED = "Mailgun signature token was already used with other data"


@dataclass(frozen=True)
class Verified:
    """A genuinely signed, fresh request: its event data and the token its signature used."""

    data: dict[str, Any]
    token: str


def verify(ctx: Context, secret: str | None, payload: Any) -> Verified:
    """The event data of a genuinely signed, fresh request; 401 otherwise.

    The caller checks the token against those already used (`webhooks.service`).
    """
    if not isinstance(payload, dict):
        raise BadRequest("Mailgun body must be a JSON object")
    sig = payload.get("signature")
    if not isinstance(sig, dict) or not secret:
        raise Unauthorized("Mailgun signature is missing")
    timestamp, token, signature = sig.get("timestamp"), sig.get("token"), sig.get("signature")
    if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in (timestamp, token)):
        raise Unauthorized("Mailgun signature is incomplete")
    if not isinstance(signature, str):
        raise Unauthorized("Mailgun signature is incomplete")
    expected = hmac.new(secret.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise Unauthorized("Mailgun signature does not match")
    now_s = ctx.clock.now_ms() // 1000
    try:
        age = abs(now_s - int(str(timestamp)))
    except ValueError:
        raise Unauthorized("Mailgun signature timestamp is not a number") from None
    if age > MAX_AGE_S:
        raise Unauthorized("Mailgun signature is stale (more than 5 minutes from now)")
    if len(str(token)) > 128:
        raise Unauthorized("Mailgun signature token is too long")
    data = payload.get("event-data")
    if not isinstance(data, dict):
        raise BadRequest("Mailgun body has no event-data object")
    return Verified(data, str(token))


def translate(data: dict[str, Any], list_id: int | None, batch: Batch) -> None:
    name = data.get("event")
    email = data.get("recipient")
    at = data.get("timestamp")
    at_ms = int(at * 1000) if isinstance(at, int | float) and not isinstance(at, bool) else None
    meta = obj(data.get("user-variables")) or None
    event_id = data.get("id") or idem_key("mg", name, at, email)
    key = idem_key("mailgun", event_id)
    client = obj(data.get("client-info"))
    status = obj(data.get("delivery-status"))
    message = obj(data.get("message"))
    headers = obj(message.get("headers"))

    def add(type_: str, item_key: str = key, **details: Any) -> None:
        item = event_item(
            type_, meta=meta, email=email, list_id=list_id, at_ms=at_ms, key=item_key, **details
        )
        batch.add(0, item)

    if name == "delivered":
        add("em_sends", send_key("mailgun", meta, headers.get("message-id"), email))
    elif name == "opened":
        add(
            "em_opens",
            user_agent=client.get("user-agent"),
            ip=data.get("ip"),
            device_type=client.get("device-type"),
        )
    elif name == "clicked":
        add(
            "em_clicks",
            link_url=data.get("url"),
            user_agent=client.get("user-agent"),
            ip=data.get("ip"),
            device_type=client.get("device-type"),
        )
    elif name == "failed":
        hard = data.get("severity") == "permanent"
        code = status.get("code")
        add(
            "em_bounces",
            bounce_type="hard" if hard else "soft",
            bounce_code=bounce_code(hard, status.get("enhanced-code") or code),
            smtp_status=str(code) if code is not None else None,
            diagnostic=str(status.get("message") or status.get("description") or "")[:1000],
            reason=data.get("reason"),
        )
    elif name == "complained":
        add("em_complaints", reason="complained")
    elif name == "unsubscribed":
        add("em_optouts", reason="unsubscribed")
    elif name in NOT_COUNTED:
        batch.ignore(0, name, NOT_COUNTED[str(name)])
    else:
        batch.ignore(0, name, UNKNOWN_EVENT)
