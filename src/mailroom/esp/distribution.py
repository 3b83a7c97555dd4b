"""Ongage's ESP distribution: per recipient domain, then by percentage, which connection sends.

``[{"domain": "default", "esp_connection_id": 7, "percent": 70},
   {"domain": "default", "esp_connection_id": 8, "percent": 30},
   {"domain": "gmail.com", "esps": {"8": 100}}]``

A domain rule wins over the default rules for that recipient domain. The keys of ``esps`` are
connection ids (Ongage's text calls them esp_id/percent, but an ESP vendor id cannot name one
of two Private SMTP connections). The pick is a hash of the send's key, so a retry picks the
same connection and 70/30 holds within a binomial spread (about ±1.5 points per 1,000 sends).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from mailroom.kit.bounds import whole_number

DEFAULT = "default"

Weights = tuple[tuple[int, float], ...]  # (connection id, percent)


@dataclass(frozen=True)
class Distribution:
    default: Weights
    domains: Mapping[str, Weights] = field(default_factory=dict)

    def connection_ids(self) -> set[int]:
        ids = {c for c, _ in self.default}
        for weights in self.domains.values():
            ids |= {c for c, _ in weights}
        return ids


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _conn_id(value: Any) -> int | None:
    """A connection id: a whole number from 1 that a BIGINT holds (3.5 is none)."""
    try:
        return whole_number(value, "esp_connection_id", low=1)
    except ValueError:
        return None


def parse(
    raw: Any, known: Iterable[int], key: str = "distribution"
) -> tuple[Distribution, list[dict[str, str]]]:
    """The distribution and every error found (field names like ``distribution[1].percent``)."""
    errors: list[dict[str, str]] = []

    def err(where: str, message: str) -> None:
        errors.append({"field": where, "message": message})

    known_ids = set(known)
    if not isinstance(raw, list) or not raw:
        err(key, f"{key} must be a non-empty array of ESP rules")
        return Distribution(()), errors
    default: list[tuple[int, float]] = []
    domains: dict[str, list[tuple[int, float]]] = {}
    for i, item in enumerate(raw):
        at = f"{key}[{i}]"
        if not isinstance(item, dict):
            err(at, "each distribution rule must be an object")
            continue
        domain = item.get("domain", DEFAULT)
        if not isinstance(domain, str) or not domain.strip():
            err(f"{at}.domain", 'domain must be a domain name or "default"')
            continue
        domain = domain.strip().lower()
        if domain == DEFAULT:
            conn_id = _conn_id(item.get("esp_connection_id"))
            percent = _number(item.get("percent", 100))
            if conn_id is None:
                err(
                    f"{at}.esp_connection_id",
                    'esp_connection_id (a connection id) is required when domain is "default"',
                )
                continue
            if conn_id not in known_ids:
                err(f"{at}.esp_connection_id", f"ESP connection {conn_id} not found")
                continue
            if percent is None or not 0 < percent <= 100:
                err(f"{at}.percent", "percent must be a number above 0 and at most 100")
                continue
            default.append((conn_id, percent))
            continue
        esps = item.get("esps")
        if not isinstance(esps, dict) or not esps:
            err(
                f"{at}.esps",
                'esps ({"<esp_connection_id>": percent}) is required for a domain rule',
            )
            continue
        weights: list[tuple[int, float]] = []
        for name, value in esps.items():
            conn_id, percent = _conn_id(name), _number(value)
            if conn_id is None or conn_id not in known_ids:
                err(f"{at}.esps", f"ESP connection {name} not found")
            elif percent is None or not 0 < percent <= 100:
                err(f"{at}.esps", f"percent of connection {name} must be above 0 and at most 100")
            else:
                weights.append((conn_id, percent))
        if weights and abs(sum(p for _, p in weights) - 100) > 1e-6:
            err(f"{at}.esps", f"the percents for {domain} must add up to 100")
        domains.setdefault(domain, []).extend(weights)
    if not default and not errors:
        err(key, 'a "default" rule (domain "default" with esp_connection_id) is required')
    elif default and abs(sum(p for _, p in default) - 100) > 1e-6:
        err(key, 'the percents of the "default" rules must add up to 100')
    return Distribution(tuple(default), {d: tuple(w) for d, w in domains.items()}), errors


def from_stored(raw: Sequence[Any]) -> Distribution:
    """A distribution saved after `parse` accepted it (connections deleted since are kept)."""
    distribution, _ = parse(list(raw), _all_ids(raw))
    return distribution


def _all_ids(raw: Sequence[Any]) -> set[int]:
    ids: set[int] = set()
    for item in raw:
        if isinstance(item, dict):
            if (c := _conn_id(item.get("esp_connection_id"))) is not None:
                ids.add(c)
            for name in item.get("esps") or {}:
                if (c := _conn_id(name)) is not None:
                    ids.add(c)
    return ids


def _point(key: str) -> float:
    digest = hashlib.blake2b(key.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 * 100


def candidates(distribution: Distribution, email: str, key: str) -> list[int]:
    """Connections to try for this recipient, the distribution's pick first, then the rest by
    weight (a connection out of its daily quota passes the message on)."""
    domain = email.rpartition("@")[2].lower()
    weights = distribution.domains.get(domain) or distribution.default
    point = _point(key)
    total = sum(p for _, p in weights) or 1.0
    running = 0.0
    chosen = weights[-1][0] if weights else None
    for conn_id, percent in weights:
        running += percent * 100 / total
        if point < running:
            chosen = conn_id
            break
    rest = sorted((w for w in weights if w[0] != chosen), key=lambda w: -w[1])
    ordered = ([chosen] if chosen is not None else []) + [c for c, _ in rest]
    for conn_id, _ in distribution.default:
        if conn_id not in ordered:
            ordered.append(conn_id)
    return ordered
