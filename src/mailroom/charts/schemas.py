"""Typed shapes of the charts domain."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ContactChart:
    """One count per bucket for each of the contacts chart's four series."""

    contacts_added: list[int]
    groups_added: list[int]
    contacts_blocked: list[int]
    contacts_served: list[int]
