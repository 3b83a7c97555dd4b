"""Tracking URLs and headers for one recipient of one mailing, and HTML with links wrapped.

The sending code calls these for every message: `rewrite_html` wraps each http(s) link in a
signed click redirect and appends the open pixel; `list_unsubscribe_headers` gives RFC 8058
one-click headers; `mail_headers` and `provider_metadata` carry the contact and mailing to the
sending provider so its webhooks can be matched back without looking up the address.
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass

from mailroom.activity.sends import META_CONTACT as META_CONTACT
from mailroom.activity.sends import META_MAILING as META_MAILING
from mailroom.activity.sends import send_idempotency_key as send_idempotency_key
from mailroom.context import Context
from mailroom.keys.service import key_ring
from mailroom.kit.clock import Clock, now_s
from mailroom.tracking.tokens import Claims, Kind, Signer, Stamp, check_link_url

# Names of the headers mailroom puts on outgoing mail (the metadata names: `activity.sends`).
HEADER_CONTACT = "X-Mailroom-Contact"
HEADER_MAILING = "X-Mailroom-Mailing"
# A template may link to this placeholder; `rewrite_html` puts the unsubscribe URL there.
UNSUBSCRIBE_PLACEHOLDER = "{{unsubscribe_url}}"

HREF = re.compile(r"""(<a\b[^>]*?\bhref\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE | re.DOTALL)
BODY_END = re.compile(r"</body\s*>", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Recipient:
    """Whom a message goes to: the account, the contact's public id and the mailing."""

    account_id: int
    contact_uid: str
    mailing_id: int | None = None


class TrackingLinks:
    """Builds signed tracking URLs under the public base URL."""

    def __init__(self, signer: Signer, public_url: str, clock: Clock) -> None:
        self.signer = signer
        self.base = public_url.rstrip("/")
        self.clock = clock

    @classmethod
    def for_context(cls, ctx: Context) -> TrackingLinks:
        return cls(signer_for(ctx), ctx.settings.public_url, ctx.clock)

    def _token(self, kind: Kind, to: Recipient, url: str | None = None) -> str:
        claims = Claims(kind, to.account_id, to.contact_uid, to.mailing_id, now_s(self.clock), url)
        return self.signer.sign(claims)

    def open_url(self, to: Recipient) -> str:
        return f"{self.base}/t/o/{self._token(Kind.OPEN, to)}"

    def click_url(self, to: Recipient, url: str) -> str:
        """A redirect to exactly `url` (http or https only; anything else raises ValueError)."""
        return f"{self.base}/t/c/{self._token(Kind.CLICK, to, check_link_url(url))}"

    def unsubscribe_url(self, to: Recipient) -> str:
        return f"{self.base}/t/u/{self._token(Kind.UNSUBSCRIBE, to)}"

    def stamp(self, account_id: int, mailing_id: int | None) -> Stamp:
        """Signs the tokens of many recipients of one mailing (`Stamp`)."""
        return self.signer.stamp(account_id, mailing_id)

    def list_unsubscribe_headers(self, to: Recipient, url: str | None = None) -> dict[str, str]:
        """RFC 2369 + RFC 8058 headers: mail clients offer a one-click unsubscribe button."""
        return {
            "List-Unsubscribe": f"<{url or self.unsubscribe_url(to)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }

    def rewrite_html(self, html: str, to: Recipient, unsubscribe_url: str | None = None) -> str:
        """Wrap every http(s) link in a click redirect and append the open pixel."""
        unsubscribe = htmllib.escape(unsubscribe_url or self.unsubscribe_url(to), quote=True)
        pixel = pixel_html(self.open_url(to))
        own_prefix = f"{self.base}/t/"

        def wrap(match: re.Match[str]) -> str:
            prefix, quote, raw = match.group(1), match.group(2), match.group(3)
            target = htmllib.unescape(raw).strip()
            if target == UNSUBSCRIBE_PLACEHOLDER:
                return f"{prefix}{quote}{unsubscribe}{quote}"
            if target.startswith(own_prefix):
                return match.group(0)
            try:
                tracked = self.click_url(to, target)
            except ValueError:  # mailto:, tel:, anchors, templates: left as they are
                return match.group(0)
            return f"{prefix}{quote}{htmllib.escape(tracked, quote=True)}{quote}"

        out = HREF.sub(wrap, html)
        ends = list(BODY_END.finditer(out))
        if ends:
            at = ends[-1].start()
            return out[:at] + pixel + out[at:]
        return out + pixel


def pixel_html(open_url: str) -> str:
    """The open pixel's tag."""
    return (
        f'<img src="{htmllib.escape(open_url, quote=True)}" width="1" height="1" '
        'alt="" style="display:block;border:0;width:1px;height:1px" />'
    )


def mail_headers(to: Recipient) -> dict[str, str]:
    """Headers naming the contact and mailing (SES and Mailgun echo headers back)."""
    headers = {HEADER_CONTACT: to.contact_uid}
    if to.mailing_id is not None:
        headers[HEADER_MAILING] = str(to.mailing_id)
    return headers


def provider_metadata(to: Recipient) -> dict[str, str]:
    """Key/values for SES tags, SendGrid custom_args, Mailgun variables and Postmark Metadata."""
    meta = {META_CONTACT: to.contact_uid}
    if to.mailing_id is not None:
        meta[META_MAILING] = str(to.mailing_id)
    return meta


def signer_for(ctx: Context) -> Signer:
    """The process's signer for this secret (key derivation runs once, not per request)."""
    key = "mailroom.tracking.signer"
    signer: Signer | None = ctx.services.get(key)
    if signer is None:
        ring = key_ring(ctx)
        signer = Signer(ring.current, ring.previous)
        ctx.services[key] = signer
    return signer
