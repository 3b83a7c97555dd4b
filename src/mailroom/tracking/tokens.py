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
for auditing. Rotating the server secret (`keys.service`) is what ends old links, after a grace
period during which the old secret still verifies.

Payloads are signed, not encrypted: a recipient who decodes one reads the account and mailing
numbers, their own contact id (random, see `kit.ids`) and, for a click, the URL the mail already
shows. None of these grants anything; the MAC is what must hold, and does without the extra 28
bytes per link and the key handling that encryption would add.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from dataclasses import dataclass
from enum import IntEnum
from urllib.parse import urlsplit

VERSION = 1
MAC_BYTES = 16
MAX_URL_BYTES = 4000  # the longest link URL ingest stores
_HEX = frozenset("0123456789abcdef")
_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


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


def _kind_keys(secret_key: str) -> dict[Kind, bytes]:
    root = secret_key.encode()
    return {
        kind: hmac.new(root, f"mailroom/tracking/{kind.name.lower()}".encode(), "sha256").digest()
        for kind in Kind
    }


class Signer:
    """Signs with per-kind keys derived once from the server secret; verifies with it or with
    an older secret still in its grace period (a rotation)."""

    def __init__(self, secret_key: str, previous: tuple[str, ...] = ()) -> None:
        if not secret_key:
            raise ValueError("a secret key is required to sign tracking tokens")
        self._keys = _kind_keys(secret_key)
        self._all = [self._keys, *(_kind_keys(old) for old in previous if old)]

    def sign(self, claims: Claims) -> str:
        payload = _encode(claims)
        mac = _mac(self._keys[claims.kind], payload)
        return base64.urlsafe_b64encode(payload + mac).rstrip(b"=").decode("ascii")

    def stamp(self, account_id: int, mailing_id: int | None) -> Stamp:
        """A signer of many recipients' tokens for one account and mailing (sending's path)."""
        return Stamp(self._keys, account_id, mailing_id)

    def verify(self, token: str, kind: Kind) -> Claims:
        """The claims of a genuine token of `kind`; anything else raises `InvalidToken`.

        Only the token's one canonical spelling is taken: base64url letters without padding
        whose unused low bits are zero. Anything else (padding, other punctuation, another
        alphabet) is refused before its signature is checked.
        """
        if not token or len(token) > 8000:
            raise InvalidToken("token is empty or too long")
        if not _BASE64URL.fullmatch(token):
            raise InvalidToken("token is not base64url")
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            raise InvalidToken("token is not base64url") from None
        if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != token:
            raise InvalidToken("token is not in canonical base64url")
        if len(raw) <= MAC_BYTES + 1:
            raise InvalidToken("token is too short")
        payload, mac = raw[:-MAC_BYTES], raw[-MAC_BYTES:]
        if payload[0] != (VERSION << 4 | kind):
            raise InvalidToken("token is of another kind or version")
        if not any(hmac.compare_digest(mac, _mac(keys[kind], payload)) for keys in self._all):
            raise InvalidToken("token signature does not match")
        return _decode(payload, kind)


class Stamp:
    """Tokens of one account and mailing for many recipients: the same bytes as `Signer.sign`,
    with the fixed parts of each payload and each key's HMAC state built once. URLs must have
    passed `check_link_url` (a message's links are checked once, when it is prepared)."""

    def __init__(self, keys: dict[Kind, bytes], account_id: int, mailing_id: int | None) -> None:
        self._macs = {kind: hmac.new(key, digestmod=hashlib.sha256) for kind, key in keys.items()}
        self._account = _varint(account_id)
        self._mailing = _varint(0 if mailing_id is None else mailing_id + 1)

    def tokens(
        self, contact_uid: str, issued_s: int, urls: tuple[bytes, ...]
    ) -> tuple[str, str, list[str]]:
        """(open, unsubscribe, a click token per URL) for one recipient."""
        uid = contact_uid
        if len(uid) == 24 and set(uid) <= _HEX:
            who = b"\x00" + bytes.fromhex(uid)
        else:
            encoded = uid.encode()
            if not encoded:
                raise ValueError("contact id is empty")
            who = _varint(len(encoded)) + encoded
        middle = self._account + who + self._mailing + _varint(issued_s)
        return (
            self._token(Kind.OPEN, middle),
            self._token(Kind.UNSUBSCRIBE, middle),
            [self._token(Kind.CLICK, middle + url) for url in urls],
        )

    def _token(self, kind: Kind, rest: bytes) -> str:
        payload = bytes((VERSION << 4 | kind,)) + rest
        mac = self._macs[kind].copy()
        mac.update(payload)
        return base64.urlsafe_b64encode(payload + mac.digest()[:MAC_BYTES]).rstrip(b"=").decode()


def _mac(key: bytes, payload: bytes) -> bytes:
    return hmac.new(key, payload, hashlib.sha256).digest()[:MAC_BYTES]


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
