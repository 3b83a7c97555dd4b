"""Made-up contacts: names, emails, countries, birthdays and how engaged each one is."""

from __future__ import annotations

import random
from bisect import bisect
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from typing import Any

from mailroom.demo import names

DAY_MS = 86_400_000
BAD_ADDRESS = 0.008  # hard-bounces on the first send
PRIVACY_PROXY = 0.045  # mail client that fetches every image at once (machine opens)
_BIRTH_START = date(1950, 1, 1)
_BIRTH_DAYS = (date(2006, 12, 31) - _BIRTH_START).days


class Weighted:
    """Draws from (value, weight) pairs with one bisect per draw."""

    def __init__(self, pairs: tuple[tuple[Any, int], ...]) -> None:
        self.values = [v for v, _ in pairs]
        self.cumulative = list(accumulate(w for _, w in pairs))
        self.total = self.cumulative[-1]

    def draw(self, rng: random.Random) -> Any:
        return self.values[bisect(self.cumulative, rng.random() * self.total)]


COUNTRY = Weighted(names.COUNTRIES)
DOMAIN = Weighted(names.DOMAINS)


@dataclass(slots=True)
class Person:
    uid: str
    email: str
    fields: dict[str, Any]
    created_ms: int
    engagement: float  # chance of opening one mailing
    bad_address: bool
    privacy_proxy: bool


def _local_part(rng: random.Random, first: str, last: str, number: int) -> str:
    style = rng.randrange(5)
    if style == 0:
        return f"{first}.{last}{number}"
    if style == 1:
        return f"{first[0]}{last}{number}"
    if style == 2:
        return f"{first}_{last[0]}{number}"
    if style == 3:
        return f"{last}.{first}{number}"
    return f"{first}{number}"


def make_person(rng: random.Random, number: int, now_ms: int, history_days: int) -> Person:
    """Contact `number` (unique in the demo, so emails are unique): all values drawn from rng."""
    first = rng.choice(names.FIRST_NAMES)
    last = rng.choice(names.LAST_NAMES)
    created_ms = now_ms - rng.randrange(DAY_MS, history_days * DAY_MS)
    fields: dict[str, Any] = {
        "first_name": first.title(),
        "last_name": last.title(),
        "country": COUNTRY.draw(rng),
        "score": int(rng.triangular(0, 100, 35)),
    }
    if rng.random() < 0.88:
        born = _BIRTH_START + timedelta(days=rng.randrange(_BIRTH_DAYS))
        fields["birthday"] = born.isoformat()
    if rng.random() < 0.7:
        fields["product_id"] = rng.choice(names.PRODUCT_IDS)
    email = f"{_local_part(rng, first, last, number)}@{DOMAIN.draw(rng)}"
    uid = f"{created_ms // 1000:08x}{rng.getrandbits(64):016x}"
    return Person(
        uid=uid,
        email=email,
        fields=fields,
        created_ms=created_ms,
        engagement=min(0.95, rng.betavariate(1.3, 3.0) * 0.9),
        bad_address=rng.random() < BAD_ADDRESS,
        privacy_proxy=rng.random() < PRIVACY_PROXY,
    )
