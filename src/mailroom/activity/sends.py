"""How a sent message names its contact and mailing, so a provider's webhook finds them again.

The sender puts these on every message (tracking links, provider metadata); the webhook mappers
read them back; the send event's idempotency key is the same on both sides, so a send reported
twice is stored once.
"""

from __future__ import annotations

# Names of the metadata mailroom puts on outgoing mail; the webhook mappers read them back.
META_CONTACT = "mailroom_contact"
META_MAILING = "mailroom_mailing"


def send_idempotency_key(contact_uid: str, mailing_id: int) -> str:
    """The one key for 'mailing sent to contact', shared by the sender and provider webhooks."""
    return f"send:{contact_uid}:{mailing_id}"
