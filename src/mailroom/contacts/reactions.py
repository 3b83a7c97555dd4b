"""What the contacts domain provides to lower packages: a list's contacts per status."""

from __future__ import annotations

from mailroom.contacts import service
from mailroom.lists import hooks as lists_hooks

lists_hooks.contact_counts.register(service.counts_by_list)
