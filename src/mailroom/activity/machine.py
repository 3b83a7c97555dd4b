"""Machine opens and clicks: privacy proxies and link scanners, stored but counted apart.

An open or click is a machine event when one of these holds:

* the user agent carries a known scanner or script marker (mail security gateways that fetch
  every link and image before delivery, link preview bots, HTTP libraries, headless browsers);
* the address is in a known automated range: Apple's 17.0.0.0/8, where Mail Privacy Protection
  prefetches every image whether or not the mail is read, and the few gateway ranges below;
* it comes less than a second after the contact's send of the same mailing (no person opens,
  let alone clicks, that fast; scanners at the receiving server do).

Deliberately NOT machine: Gmail's ``GoogleImageProxy`` and Yahoo's image proxy fetch the pixel
when the person opens the mail (through a caching proxy), so they are real opens; and a plain
Outlook client (``Microsoft Office/16.0 ... Outlook``) is a person. Missing user agents are
not flagged either: some real clients send none.
"""

from __future__ import annotations

import ipaddress
import socket
from bisect import bisect_right
from functools import lru_cache

FAST_MS = 1000

# Lower-case substrings of user agents that only automated fetchers send.
UA_MARKERS = (
    "barracuda",
    "mimecast",
    "proofpoint",
    "bingpreview",
    "ironport",
    "cisco",
    "symantec",
    "messagelabs",
    "trendmicro",
    "trend micro",
    "sophos",
    "fortiguard",
    "forcepoint",
    "safelinks",
    "python-requests",
    "python-urllib",
    "aiohttp",
    "curl/",
    "wget/",
    "go-http-client",
    "java/",
    "libwww-perl",
    "okhttp",
    "headlesschrome",
    "phantomjs",
    "scrapy",
    "bot/",
    "crawler",
    "spider",
)

# Address ranges of automated fetchers. Apple's 17.0.0.0/8 is Apple's own allocation (Mail
# Privacy Protection proxies fetch from it); the others are mail security gateways' published
# scanning ranges (Barracuda Email Security Service, Mimecast, Proofpoint hosted). Kept short on
# purpose: a wrong range would hide real people's opens.
RANGES = tuple(
    ipaddress.IPv4Network(cidr)
    for cidr in (
        "17.0.0.0/8",  # Apple (Mail Privacy Protection)
        "64.235.144.0/20",  # Barracuda Email Security Service
        "209.222.80.0/21",  # Barracuda Email Security Service
        "205.139.110.0/24",  # Mimecast (US)
        "207.211.30.0/24",  # Mimecast (US)
        "67.231.144.0/20",  # Proofpoint hosted (pphosted)
        "148.163.128.0/19",  # Proofpoint hosted (pphosted)
    )
)


def is_machine_agent(user_agent: str | None) -> bool:
    if not user_agent:
        return False
    return _agent(user_agent)


@lru_cache(maxsize=4096)
def _agent(user_agent: str) -> bool:
    lowered = user_agent.lower()
    return any(marker in lowered for marker in UA_MARKERS)


# The same ranges as integers, sorted by first address (they do not overlap): an IPv4 address
# is checked with one bisection and no object.
_SPANS = sorted((int(n.network_address), int(n.broadcast_address)) for n in RANGES)
_FIRSTS = [first for first, _ in _SPANS]
_LASTS = [last for _, last in _SPANS]


def is_machine_address(ip: str | None) -> bool:
    if not ip:
        return False
    number = _ipv4_number(ip.strip())
    if number is None:
        return _other_address(ip.strip())
    at = bisect_right(_FIRSTS, number) - 1
    return at >= 0 and number <= _LASTS[at]


def _ipv4_number(text: str) -> int | None:
    """A dotted-quad IPv4 address as an integer (as `ipaddress` reads it), else None.

    `inet_pton` parses as strictly as `ipaddress` (four decimal parts, no leading zeros), in C.
    """
    try:
        return int.from_bytes(socket.inet_pton(socket.AF_INET, text), "big")
    except (OSError, ValueError, UnicodeError):
        return None


@lru_cache(maxsize=4096)
def _other_address(text: str) -> bool:
    """IPv6 (an IPv4-mapped one is checked as IPv4) and anything else `ipaddress` reads."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is None:
            return False
        address = address.ipv4_mapped
    return any(address in network for network in RANGES)


def is_too_fast(at_ms: int, sent_ms: int | None) -> bool:
    """An open or click less than a second after its send (never one dated before it)."""
    return sent_ms is not None and 0 <= at_ms - sent_ms < FAST_MS


def detect(user_agent: str | None, ip: str | None, at_ms: int, sent_ms: int | None) -> bool:
    """Whether an open or click was made by a machine rather than a person."""
    return is_machine_agent(user_agent) or is_machine_address(ip) or is_too_fast(at_ms, sent_ms)
