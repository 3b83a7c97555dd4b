"""A message prepared once per mailing and connection, then filled in for each recipient.

`compose.compose` renders a template and then finds and signs its links, message after message.
Here the links, the unsubscribe slots, the open pixel's place and the From header are found once
per (message, connection, mailing); a recipient costs its merge tags, one HMAC per token
(`tokens.Stamp`) and the MIME bytes. The result is byte for byte what `compose` gives. A template
whose link targets hold merge tags (a link per contact) is composed the slow way.
"""

from __future__ import annotations

import html as htmllib
from dataclasses import dataclass
from enum import Enum
from typing import Any

from mailroom.kit.clock import now_s as clock_now_s
from mailroom.messages import merge
from mailroom.messages.schemas import Compiled
from mailroom.sending.compose import Envelope, Sender, assemble, compose, from_header
from mailroom.tracking.links import BODY_END, HREF, Recipient, TrackingLinks, pixel_html
from mailroom.tracking.tokens import Stamp, check_link_url


@dataclass(frozen=True, slots=True)
class Link:
    """A checked http(s) link of the template: the index of its click token."""

    index: int


class Slot(Enum):
    UNSUBSCRIBE = "unsubscribe"
    PIXEL = "pixel"


Piece = str | merge.Tag | Link | Slot


@dataclass(frozen=True)
class Prepared:
    message: Compiled
    sender: Sender
    from_value: str
    html: tuple[Piece, ...] | None  # None: composed per recipient (links hold merge tags)
    urls: tuple[bytes, ...]  # the targets of the Links, in order
    stamp: Stamp
    base: str  # the public base URL, as it is written in HTML


def html_pieces(source: str, own_prefix: str) -> tuple[tuple[Piece, ...], list[str]] | None:
    """The template's pieces and its link targets; None when a link target holds a merge tag
    other than one unsubscribe tag."""
    ends = list(BODY_END.finditer(source))
    body_at = ends[-1].start() if ends else len(source)
    pieces: list[Piece] = []
    urls: list[str] = []

    def literal(start: int, end: int) -> None:
        if start <= body_at < end:
            pieces.extend(merge.compile_template(source[start:body_at]))
            pieces.append(Slot.PIXEL)
            pieces.extend(merge.compile_template(source[body_at:end]))
        else:
            pieces.extend(merge.compile_template(source[start:end]))

    at = 0
    for match in HREF.finditer(source):
        raw = match.group(3)
        if match.start(3) <= body_at < match.end(3):
            return None
        literal(at, match.start(3))
        at = match.end(3)
        parts = merge.compile_template(raw)
        tags = [p for p in parts if isinstance(p, merge.Tag)]
        if tags:
            if len(tags) > 1 or tags[0].name not in merge.UNSUBSCRIBE_TAGS:
                return None
            if any(isinstance(p, str) and p.strip() for p in parts):
                return None
            pieces.extend(Slot.UNSUBSCRIBE if isinstance(p, merge.Tag) else p for p in parts)
            continue
        target = htmllib.unescape(raw).strip()
        if target.startswith(own_prefix):
            pieces.append(raw)
            continue
        try:
            urls.append(check_link_url(target))
        except ValueError:  # mailto:, tel:, anchors: left as they are
            pieces.append(raw)
            continue
        pieces.append(Link(len(urls) - 1))
    literal(at, len(source))
    if not ends:  # no </body>: the pixel goes last
        pieces.append(Slot.PIXEL)
    return tuple(pieces), urls


def prepare(
    message: Compiled, sender: Sender, links: TrackingLinks, account_id: int, mailing_id: int
) -> Prepared:
    found = html_pieces(message.html_source, f"{links.base}/t/") if message.html else ((), [])
    pieces, urls = found if found is not None else (None, [])
    return Prepared(
        message,
        sender,
        from_header(sender),
        pieces,
        tuple(u.encode() for u in urls),
        links.stamp(account_id, mailing_id),
        htmllib.escape(links.base, quote=True),
    )


def fill(
    prepared: Prepared,
    *,
    email: str,
    values: dict[str, Any],
    to: Recipient,
    links: TrackingLinks,
    send_key: str,
    now_s: float,
) -> Envelope:
    """The message for one recipient (the same bytes `compose.compose` gives)."""
    message = prepared.message
    if prepared.html is None:
        return compose(
            message,
            prepared.sender,
            email=email,
            values=values,
            to=to,
            links=links,
            send_key=send_key,
            now_s=now_s,
        )
    opened, unsubscribed, clicks = prepared.stamp.tokens(
        to.contact_uid, clock_now_s(links.clock), prepared.urls
    )
    unsubscribe = f"{links.base}/t/u/{unsubscribed}"
    values = {**values, "ocx_unsubscribe_link": unsubscribe, "unsubscribe_url": unsubscribe}
    subject = merge.render(message.subject, values)
    values["ocx_subject"] = subject
    html = ""
    if message.html:
        out: list[str] = []
        base = prepared.base
        for piece in prepared.html:
            if isinstance(piece, str):
                out.append(piece)
            elif isinstance(piece, merge.Tag):
                out.append(merge.escape_html(merge.value_of(piece, values)))
            elif isinstance(piece, Link):
                out.append(f"{base}/t/c/{clicks[piece.index]}")
            elif piece is Slot.UNSUBSCRIBE:
                out.append(f"{base}/t/u/{unsubscribed}")
            else:
                out.append(pixel_html(f"{links.base}/t/o/{opened}"))
        html = "".join(out)
    text = merge.render(message.text, values) if message.text else ""
    return assemble(
        prepared.sender,
        prepared.from_value,
        email=email,
        subject=subject,
        html=html,
        text=text,
        unsubscribe=unsubscribe,
        to=to,
        send_key=send_key,
        now_s=now_s,
    )
