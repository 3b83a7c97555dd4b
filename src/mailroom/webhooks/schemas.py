"""Shapes of the webhooks domain: a configured endpoint and a provider payload translated."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROVIDERS = ("ses", "sendgrid", "mailgun", "postmark")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One receiving URL: its provider, account, secret and the list addresses are looked up in."""

    id: int
    account_id: int
    provider: str
    token: str
    secret: str | None
    list_id: int | None


@dataclass
class Batch:
    """Raw activity items made from one provider request, and the events that were skipped.

    `origins[i]` is the index, in the provider's payload, of the event item `i` came from (an
    SES bounce with three recipients gives three items of one origin).
    """

    items: list[dict[str, Any]] = field(default_factory=list)
    origins: list[int] = field(default_factory=list)
    ignored: list[dict[str, Any]] = field(default_factory=list)

    def add(self, origin: int, item: dict[str, Any]) -> None:
        self.items.append(item)
        self.origins.append(origin)

    def ignore(self, origin: int, event: Any, reason: str) -> None:
        self.ignored.append({"index": origin, "event": str(event)[:64], "reason": reason})
