"""One message for one recipient: merge tags filled in, links tracked, headers, MIME bytes.

The MIME text is assembled directly (two quoted-printable parts in multipart/alternative): the
standard library's `email` package costs more per message than the SMTP exchange itself.
"""

from __future__ import annotations

import binascii
import hashlib
from dataclasses import dataclass
from email.header import Header
from email.utils import formataddr, formatdate
from typing import Any

from mailroom.messages import merge
from mailroom.messages.schemas import Compiled
from mailroom.tracking.links import Recipient, TrackingLinks, mail_headers

HEADER_SEND = "X-Mailroom-Send"


@dataclass(frozen=True, slots=True)
class Sender:
    """Who a message is from: the message's own addresses override the connection's."""

    from_name: str
    from_address: str
    reply_address: str


@dataclass(frozen=True, slots=True)
class Envelope:
    sender: str
    recipient: str
    data: bytes
    message_id: str


def _header_text(value: str) -> str:
    if value.isascii():
        return value
    return Header(value, "utf-8").encode()


def _qp(text: str) -> bytes:
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    return binascii.b2a_qp(normalised.encode(), istext=True).replace(b"\n", b"\r\n")


def message_id(send_key: str, from_address: str) -> str:
    """A Message-ID unique per send and stable across retries (the key names the send)."""
    digest = hashlib.blake2b(send_key.encode(), digest_size=12).hexdigest()
    domain = from_address.rpartition("@")[2] or "mailroom.invalid"
    return f"<{digest}@{domain}>"


def values_for(fields: dict[str, Any] | None, system: dict[str, Any]) -> dict[str, Any]:
    values = dict(fields or {})
    values.update(system)
    return values


def compose(
    message: Compiled,
    sender: Sender,
    *,
    email: str,
    values: dict[str, Any],
    to: Recipient,
    links: TrackingLinks,
    send_key: str,
    now_s: float,
) -> Envelope:
    """The message as sent: tags filled, links wrapped, open pixel, List-Unsubscribe headers.
    (Sending prepares each message once instead, `prepared.fill`; this is the path for links
    whose targets hold merge tags, and the reference the prepared path must equal.)"""
    unsubscribe = links.unsubscribe_url(to)
    values = {**values, "ocx_unsubscribe_link": unsubscribe, "unsubscribe_url": unsubscribe}
    subject = merge.render(message.subject, values)
    values["ocx_subject"] = subject
    html = merge.render(message.html, values, merge.escape_html) if message.html else ""
    text = merge.render(message.text, values) if message.text else ""
    if html:
        html = links.rewrite_html(html, to, unsubscribe)
    return assemble(
        sender,
        from_header(sender),
        email=email,
        subject=subject,
        html=html,
        text=text,
        unsubscribe=unsubscribe,
        to=to,
        send_key=send_key,
        now_s=now_s,
    )


def from_header(sender: Sender) -> str:
    return formataddr((sender.from_name, sender.from_address), "utf-8")


def assemble(
    sender: Sender,
    from_value: str,
    *,
    email: str,
    subject: str,
    html: str,
    text: str,
    unsubscribe: str,
    to: Recipient,
    send_key: str,
    now_s: float,
) -> Envelope:
    """The MIME bytes of a rendered message, with its headers."""
    mid = message_id(send_key, sender.from_address)
    headers: list[tuple[str, str]] = [
        ("From", from_value),
        ("To", email),
        ("Subject", _header_text(subject)),
        ("Date", _date(now_s)),
        ("Message-ID", mid),
        ("MIME-Version", "1.0"),
    ]
    if sender.reply_address:
        headers.append(("Reply-To", sender.reply_address))
    headers.append(("List-Unsubscribe", f"<{unsubscribe}>"))
    headers.append(("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"))
    headers.extend(mail_headers(to).items())
    headers.append((HEADER_SEND, send_key))
    parts: list[tuple[str, bytes]] = []
    if text or not html:
        parts.append(("text/plain", _qp(text)))
    if html:
        parts.append(("text/html", _qp(html)))
    head = "".join(f"{name}: {value}\r\n" for name, value in headers).encode()
    if len(parts) == 1:
        kind, body = parts[0]
        head += (
            f"Content-Type: {kind}; charset=utf-8\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        ).encode()
        return Envelope(sender.from_address, email, head + body, mid)
    boundary = "=_mr_" + hashlib.blake2b(send_key.encode(), digest_size=8).hexdigest()
    chunks = [head, f'Content-Type: multipart/alternative; boundary="{boundary}"\r\n\r\n'.encode()]
    for kind, body in parts:
        chunks.append(
            (
                f"--{boundary}\r\nContent-Type: {kind}; charset=utf-8\r\n"
                "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
            ).encode()
        )
        chunks.append(body + b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return Envelope(sender.from_address, email, b"".join(chunks), mid)


_DATES: dict[int, str] = {}


def _date(now_s: float) -> str:
    """The Date header, formatted once per second (a few seconds are kept)."""
    second = int(now_s)
    found = _DATES.get(second)
    if found is None:
        if len(_DATES) > 8:
            _DATES.clear()
        found = _DATES[second] = formatdate(second, usegmt=True)
    return found
