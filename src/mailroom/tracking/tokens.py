"""Signed tracking tokens: who (account, contact), what (mailing, link) and when, tamper-proof.

A token is base64url (no padding) of a compact binary payload followed by a 128-bit truncated
HMAC-SHA256 of it. Each kind (open, click, unsubscribe) has its own key derived from the
server secret, so a token of one kind never verifies as another. Layout of the payload:

    byte   version (high nibble) | kind (low nibble)
    varint account id
    uid    0x00 + 12 raw bytes for a 24-hex contact id, else varint length + UTF-8 bytes
    varint mailing id + 1 (0: no mailing)
    varint issued at, Unix seconds
    bytes  the link URL, UTF-8 (clicks only; the rest of the payload)

Tokens do not expire: a link in a mail read years later must still work; `issued_s` is kept
for auditing and for a future rotation policy.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass
from enum import IntEnum
from urllib.parse import urlsplit

VERSION = 1
MAC_BYTES = 16
MAX_URL_BYTES = 4000  # the longest link URL ingest stores
_HEX = frozenset("0123456789abcdef")


class Kind(IntEnum):
    OPEN = 1
    CLICK = 2
    UNSUBSCRIBE = 3


class InvalidToken(ValueError):
    """The token is malformed, of another kind, or its signature does not match."""


@dataclass(frozen=True, slots=True)
class Claims:
    """What a token vouches for."""

    kind: Kind
    account_id: int
    contact_uid: str
    mailing_id: int | None
    issued_s: int
    url: str | None = None  # click tokens only


def check_link_url(url: str) -> str:
    """Only absolute http(s) URLs without whitespace or control characters may be signed."""
    if not isinstance(url, str) or not url:
        raise ValueError("link URL is empty")
    if any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in url):
        raise ValueError("link URL contains whitespace or control characters")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError("only absolute http and https URLs can be tracked")
    if len(url.encode()) > MAX_URL_BYTES:
        raise ValueError(f"link URL is longer than {MAX_URL_BYTES} bytes")
    return url


class Signer:
    """Signs and verifies tokens with per-kind keys derived once from the server secret."""

    def __init__(self, secret_key: str) -> None:
        if not secret_key:
            raise ValueError("a secret key is required to sign tracking tokens")
        root = secret_key.encode()
        self._keys = {
            kind: hmac.new(
                root, f"mailroom/tracking/{kind.name.lower()}".encode(), "sha256"
            ).digest()
            for kind in Kind
        }

    def sign(self, claims: Claims) -> str:
        payload = _encode(claims)
        mac = self._mac(claims.kind, payload)
        return base64.urlsafe_b64encode(payload + mac).rstrip(b"=").decode("ascii")

    def verify(self, token: str, kind: Kind) -> Claims:
        """The claims of a genuine token of `kind`; anything else raises `InvalidToken`."""
        if not token or len(token) > 8000:
            raise InvalidToken("token is empty or too long")
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            raise InvalidToken("token is not base64url") from None
        if len(raw) <= MAC_BYTES + 1:
            raise InvalidToken("token is too short")
        payload, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
        if payload[0] != (VERSION << 4 | kind):
            raise InvalidToken("token is of another kind or version")
        if not hmac.compare_digest(mac, self._mac(kind, payload)):
            raise InvalidToken("token signature does not match")
        return _decode(payload, kind)

    def _mac(self, kind: Kind, payload: bytes) -> bytes:
        return hmac.new(self._keys[kind], payload, hashlib.sha256).digest()[:MAC_BYTES]


def _encode(claims: Claims) -> bytes:
    out = bytearray([VERSION << 4 | claims.kind])
    out += _varint(claims.account_id)
    uid = claims.contact_uid
    if len(uid) == 24 and set(uid) <= _HEX:
        out += b"\x00" + bytes.fromhex(uid)
    else:
        encoded = uid.encode()
        if not encoded:
            raise ValueError("contact id is empty")
        out += _varint(len(encoded)) + encoded
    out += _varint(0 if claims.mailing_id is None else claims.mailing_id + 1)
    out += _varint(claims.issued_s)
    if claims.kind is Kind.CLICK:
        if claims.url is None:
            raise ValueError("a click token needs a URL")
        out += check_link_url(claims.url).encode()
    return bytes(out)


def _decode(payload: bytes, kind: Kind) -> Claims:
    # A payload that carries a valid MAC was made by `_encode`; the checks guard old versions.
    try:
        pos = 1
        account_id, pos = _read_varint(payload, pos)
        if payload[pos] == 0:
            uid = payload[pos + 1 : pos + 13].hex()
            if len(uid) != 24:
                raise InvalidToken("token is truncated")
            pos += 13
        else:
            length, pos = _read_varint(payload, pos)
            uid = payload[pos : pos + length].decode()
            pos += length
        mailing, pos = _read_varint(payload, pos)
        issued_s, pos = _read_varint(payload, pos)
        url = payload[pos:].decode() if kind is Kind.CLICK else None
    except (IndexError, UnicodeDecodeError):
        raise InvalidToken("token payload is malformed") from None
    if kind is not Kind.CLICK and pos != len(payload):
        raise InvalidToken("token payload has trailing bytes")
    return Claims(kind, account_id, uid, mailing - 1 if mailing else None, issued_s, url)


def _varint(value: int) -> bytes:
    if value < 0:
        raise ValueError("token integers must not be negative")
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise IndexError("varint too long")
