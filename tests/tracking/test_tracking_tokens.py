"""Tracking tokens: round trips, tamper detection, kind separation, URL rules, link rewriting."""

from __future__ import annotations

import base64
import re
from urllib.parse import urlsplit

import pytest

from mailroom.kit.clock import FrozenClock
from mailroom.tracking.links import (
    UNSUBSCRIBE_PLACEHOLDER,
    Recipient,
    TrackingLinks,
    mail_headers,
    provider_metadata,
    send_idempotency_key,
)
from mailroom.tracking.tokens import Claims, InvalidToken, Kind, Signer, check_link_url

UID = "65a1b2c3d4e5f60718293a4b"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _raw(token: str) -> bytes:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))


@pytest.mark.parametrize(
    "claims",
    [
        Claims(Kind.OPEN, 1, UID, 7, 1_767_225_600),
        Claims(Kind.OPEN, 2**40, UID, None, 0),
        Claims(Kind.UNSUBSCRIBE, 3, "not-hex-uid", 0, 1),
        Claims(Kind.CLICK, 9, UID, 12, 5, "https://example.com/a?b=c&d=%20e#frag"),
        Claims(Kind.CLICK, 9, "ÜNICODE", None, 5, "http://xn--bcher-kva.example/ü"),
    ],
)
def test_round_trip(claims: Claims) -> None:
    signer = Signer("s3cret")
    token = signer.sign(claims)
    assert re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert signer.verify(token, claims.kind) == claims


def test_open_tokens_are_short() -> None:
    token = Signer("k").sign(Claims(Kind.OPEN, 123456, UID, 987654, 1_767_225_600))
    assert len(token) <= 56


def test_every_flipped_byte_is_rejected() -> None:
    signer = Signer("s3cret")
    token = signer.sign(Claims(Kind.CLICK, 4, UID, 8, 100, "https://example.com/x"))
    raw = _raw(token)
    for i in range(len(raw)):  # payload bytes and MAC bytes alike
        altered = bytearray(raw)
        altered[i] ^= 0x01
        with pytest.raises(InvalidToken):
            signer.verify(_b64(bytes(altered)), Kind.CLICK)


def test_other_secret_other_kind_and_garbage_are_rejected() -> None:
    token = Signer("one").sign(Claims(Kind.OPEN, 1, UID, 2, 3))
    with pytest.raises(InvalidToken):
        Signer("two").verify(token, Kind.OPEN)
    with pytest.raises(InvalidToken):
        Signer("one").verify(token, Kind.UNSUBSCRIBE)
    for garbage in ["", "!!!!", "a", "A" * 10, _b64(b"\x11" + b"\x00" * 20), "x" * 9000]:
        with pytest.raises(InvalidToken):
            Signer("one").verify(garbage, Kind.OPEN)


def test_truncated_and_extended_tokens_are_rejected() -> None:
    signer = Signer("k")
    raw = _raw(signer.sign(Claims(Kind.OPEN, 1, UID, 2, 3)))
    for bad in (raw[:-1], raw + b"\x00", raw[:1] + raw[-16:]):
        with pytest.raises(InvalidToken):
            signer.verify(_b64(bad), Kind.OPEN)


def test_kinds_use_separate_keys() -> None:
    """Re-labelling an open token as a click (kind byte swapped) still fails its MAC."""
    signer = Signer("k")
    raw = bytearray(_raw(signer.sign(Claims(Kind.OPEN, 1, UID, 2, 3))))
    raw[0] = (raw[0] & 0xF0) | Kind.UNSUBSCRIBE
    with pytest.raises(InvalidToken):
        signer.verify(_b64(bytes(raw)), Kind.UNSUBSCRIBE)


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,hi",
        "//evil.example/",
        "/relative",
        "ftp://example.com/",
        "https://",
        "https://exa mple.com/",
        "https://example.com/\r\nX: y",
        "",
        "https://example.com/" + "a" * 5000,
    ],
)
def test_only_http_urls_can_be_signed(url: str) -> None:
    with pytest.raises(ValueError):
        check_link_url(url)
    with pytest.raises(ValueError):
        Signer("k").sign(Claims(Kind.CLICK, 1, UID, None, 1, url))


def test_empty_secret_is_refused() -> None:
    with pytest.raises(ValueError):
        Signer("")


def _links() -> TrackingLinks:
    return TrackingLinks(Signer("k"), "https://mail.example.com/", FrozenClock())


def test_urls_and_headers() -> None:
    links = _links()
    to = Recipient(5, UID, 9)
    signer = links.signer
    open_url = links.open_url(to)
    assert open_url.startswith("https://mail.example.com/t/o/")
    claims = signer.verify(open_url.rsplit("/", 1)[1], Kind.OPEN)
    assert (claims.account_id, claims.contact_uid, claims.mailing_id) == (5, UID, 9)
    assert claims.issued_s == FrozenClock().now_ms() // 1000
    click = links.click_url(to, "https://shop.example/p?id=1")
    assert signer.verify(click.rsplit("/", 1)[1], Kind.CLICK).url == "https://shop.example/p?id=1"
    with pytest.raises(ValueError):
        links.click_url(to, "javascript:void(0)")
    headers = links.list_unsubscribe_headers(to)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsub = headers["List-Unsubscribe"]
    assert unsub.startswith("<https://mail.example.com/t/u/") and unsub.endswith(">")
    assert signer.verify(unsub[1:-1].rsplit("/", 1)[1], Kind.UNSUBSCRIBE).mailing_id == 9
    assert mail_headers(to) == {"X-Mailroom-Contact": UID, "X-Mailroom-Mailing": "9"}
    assert provider_metadata(Recipient(5, UID)) == {"mailroom_contact": UID}
    assert send_idempotency_key(UID, 9) == f"send:{UID}:9"


def test_rewrite_html_wraps_links_and_adds_pixel() -> None:
    links = _links()
    to = Recipient(5, UID, 9)
    html = (
        "<html><body>"
        '<a href="https://a.example/x?y=1&amp;z=2">A</a>'
        "<A class='b' HREF='http://b.example/'>B</A>"
        '<a href="mailto:x@example.com">mail</a>'
        '<a href="#top">top</a>'
        f'<a href="{UNSUBSCRIBE_PLACEHOLDER}">unsubscribe</a>'
        '<a href="https://mail.example.com/t/c/already">own</a>'
        "</body></html>"
    )
    out = links.rewrite_html(html, to)
    hrefs = re.findall(r"""href=["']([^"']*)["']""", out, re.IGNORECASE)
    assert len(hrefs) == 6
    targets = []
    for href in hrefs[:2]:
        token = urlsplit(href.replace("&amp;", "&")).path.rsplit("/", 1)[1]
        targets.append(links.signer.verify(token, Kind.CLICK).url)
    assert targets == ["https://a.example/x?y=1&z=2", "http://b.example/"]
    assert hrefs[2] == "mailto:x@example.com" and hrefs[3] == "#top"
    assert hrefs[4].startswith("https://mail.example.com/t/u/")
    assert hrefs[5] == "https://mail.example.com/t/c/already"
    pixel = re.search(r'<img src="([^"]+)"[^>]*/></body></html>$', out)
    assert pixel and pixel.group(1).startswith("https://mail.example.com/t/o/")
    assert links.rewrite_html("<p>no body tag</p>", to).count("/t/o/") == 1
