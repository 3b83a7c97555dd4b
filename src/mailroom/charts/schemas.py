"""Typed shapes of the charts domain: the contacts chart, the console's series and funnels."""

from __future__ import annotations

from dataclasses import dataclass, field

# The per-day series of the overview, in drawing order: (key, label).
DAILY_SERIES = (
    ("sends", "Sends"),
    ("opens", "Opens (people)"),
    ("machine_opens", "Opens (machines)"),
    ("clicks", "Clicks (people)"),
    ("bounces", "Bounces"),
    ("optouts", "Opt-outs"),
    ("complaints", "Complaints"),
)
FIRST_HOURS = 72  # the mailing chart's window after sending


@dataclass(frozen=True)
class DailySeries:
    """One value per UTC day, per series; days without events are zeros."""

    days: list[int]  # Unix seconds of each day's start
    values: dict[str, list[int]]

    def totals(self) -> dict[str, int]:
        return {key: sum(vals) for key, vals in self.values.items()}


@dataclass(frozen=True)
class Funnel:
    """A mailing's contacts at each step, each counted once (people's opens and clicks apart)."""

    sent: int = 0
    delivered: int = 0
    opened: int = 0
    opened_any: int = 0
    clicked: int = 0
    clicked_any: int = 0
    bounced: int = 0
    complained: int = 0
    opted_out: int = 0

    def rate(self, count: int) -> float:
        """A step's share of delivered mail (of sent for bounces)."""
        base = self.delivered or self.sent
        return count / base if base else 0.0

    @property
    def bounce_rate(self) -> float:
        return self.bounced / self.sent if self.sent else 0.0


@dataclass(frozen=True)
class MailingSummary:
    id: int
    name: str
    list_id: int | None
    sent_s: int | None
    campaign_activity_id: str
    funnel: Funnel | None  # None until the first refresh after it was created


@dataclass(frozen=True)
class HourlyCurve:
    """Opens and clicks in each of the first hours after sending (people and machines apart)."""

    hours: list[int]
    opens: list[int]
    machine_opens: list[int]
    clicks: list[int]
    machine_clicks: list[int]


@dataclass(frozen=True)
class LinkClicks:
    url: str
    clicks: int
    machine_clicks: int


@dataclass(frozen=True)
class StatusCounts:
    """Contacts of one list by status, as of the last refresh."""

    list_id: int
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.by_status.values())


@dataclass(frozen=True)
class Freshness:
    """When the account's rollups were last refreshed (None: never) and whether it is due."""

    refreshed_ms: int | None
    due: bool


@dataclass(frozen=True)
class ContactChart:
    """One count per bucket for each of the contacts chart's four series."""

    contacts_added: list[int]
    groups_added: list[int]
    contacts_blocked: list[int]
    contacts_served: list[int]
