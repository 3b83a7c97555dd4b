"""Amazon SNS envelopes: signature verification, signing-certificate fetch, subscription confirm.

SNS signs a canonical string of some of the message's fields with the key of a certificate
published at `SigningCertURL` (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA). The URL and
`SubscribeURL` must be https on an `sns.<region>.amazonaws.com` host; anything else is refused
before any request is made. The fetcher is injectable (tests never reach the network) and
certificates are cached per process.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
import urllib.request
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from mailroom.context import Context
from mailroom.errors import BadRequest, MailroomError, Unauthorized

Fetch = Callable[[str], bytes]

_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")
_NOTIFICATION_KEYS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
_SUBSCRIPTION_KEYS = (
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
)
TYPES = ("Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation")
MAX_FETCH_BYTES = 65_536
SERVICE_KEY = "mailroom.webhooks.sns"


class UpstreamUnavailable(MailroomError):
    """SNS could not be reached to fetch a certificate or confirm a subscription; retry later."""

    status = 503
    code = "upstream_unavailable"


def fetch_https(url: str) -> bytes:
    """GET `url` (already checked to be an SNS https URL) with a short timeout and size cap."""
    request = urllib.request.Request(url, headers={"User-Agent": "mailroom-sns"})
    with urllib.request.urlopen(request, timeout=5) as response:
        body: bytes = response.read(MAX_FETCH_BYTES + 1)
    if len(body) > MAX_FETCH_BYTES:
        raise ValueError("response too large")
    return body


def check_sns_url(url: Any, what: str) -> str:
    """An https URL on an SNS host, with no credentials or port tricks; else 401."""
    if not isinstance(url, str):
        raise Unauthorized(f"{what} is missing")
    parts = urlsplit(url)
    host = parts.hostname or ""
    if (
        parts.scheme != "https"
        or not _HOST.match(host)
        or parts.username
        or parts.password
        or parts.port not in (None, 443)
        or parts.netloc.lower() not in (host, host + ":443")
    ):
        raise Unauthorized(f"{what} is not an https URL of Amazon SNS")
    return url


def canonical(message: dict[str, Any]) -> bytes:
    """What SNS signs: `Key\\nValue\\n` for the type's fields in order (no Subject: skipped)."""
    kind = message.get("Type")
    keys = _NOTIFICATION_KEYS if kind == "Notification" else _SUBSCRIPTION_KEYS
    out: list[str] = []
    for key in keys:
        value = message.get(key)
        if value is None:
            if key == "Subject":
                continue
            raise Unauthorized(f"SNS message has no {key}")
        if not isinstance(value, str):
            raise Unauthorized(f"SNS message field {key} is not a string")
        out.append(f"{key}\n{value}\n")
    return "".join(out).encode()


class SnsVerifier:
    """Verifies SNS signatures with cached certificates and confirms subscriptions."""

    def __init__(self, fetch: Fetch = fetch_https, cache_size: int = 32) -> None:
        self.fetch = fetch
        self.cache_size = cache_size
        self._keys: dict[str, rsa.RSAPublicKey] = {}
        self._lock = threading.Lock()

    def verify(self, message: dict[str, Any]) -> None:
        """Return if `message` was signed by SNS; raise 401 otherwise."""
        if message.get("Type") not in TYPES:
            raise BadRequest("Not an Amazon SNS message (Type is missing or unknown).")
        version = message.get("SignatureVersion")
        algorithm: hashes.HashAlgorithm
        if version == "1":
            algorithm = hashes.SHA1()  # SNS SignatureVersion 1 is SHA1withRSA
        elif version == "2":
            algorithm = hashes.SHA256()
        else:
            raise Unauthorized("SNS SignatureVersion must be 1 or 2")
        try:
            signature = base64.b64decode(str(message.get("Signature") or ""), validate=True)
        except (binascii.Error, ValueError):
            raise Unauthorized("SNS Signature is not base64") from None
        if not signature:
            raise Unauthorized("SNS message is not signed")
        key = self._public_key(check_sns_url(message.get("SigningCertURL"), "SigningCertURL"))
        try:
            key.verify(signature, canonical(message), padding.PKCS1v15(), algorithm)
        except InvalidSignature:
            raise Unauthorized("SNS signature does not match") from None

    def confirm(self, subscribe_url: Any) -> None:
        """Visit `SubscribeURL` so SNS starts delivering to this endpoint."""
        url = check_sns_url(subscribe_url, "SubscribeURL")
        try:
            self.fetch(url)
        except Exception as exc:
            raise UpstreamUnavailable(f"Could not confirm the SNS subscription: {exc}") from None

    def _public_key(self, url: str) -> rsa.RSAPublicKey:
        key = self._keys.get(url)
        if key is not None:
            return key
        try:
            pem = self.fetch(url)
        except Exception as exc:
            raise UpstreamUnavailable(
                f"Could not fetch the SNS signing certificate: {exc}"
            ) from None
        try:
            public = x509.load_pem_x509_certificate(pem).public_key()
        except ValueError:
            raise Unauthorized("SNS signing certificate is not a PEM certificate") from None
        if not isinstance(public, rsa.RSAPublicKey):
            raise Unauthorized("SNS signing certificate does not hold an RSA key")
        with self._lock:
            if len(self._keys) >= self.cache_size:
                self._keys.pop(next(iter(self._keys)))
            self._keys[url] = public
        return public


def verifier_for(ctx: Context) -> SnsVerifier:
    """The process's verifier (tests put one with a fake fetcher in `ctx.services` first)."""
    verifier: SnsVerifier | None = ctx.services.get(SERVICE_KEY)
    if verifier is None:
        verifier = SnsVerifier()
        ctx.services[SERVICE_KEY] = verifier
    return verifier
