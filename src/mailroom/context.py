"""What every request and job needs: settings, the database and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mailroom.config import Settings
from mailroom.db.database import Database
from mailroom.kit.clock import Clock, SystemClock


@dataclass
class Context:
    settings: Settings
    db: Database
    clock: Clock = field(default_factory=SystemClock)
    # Per-process caches and limiters, keyed by their owner's module name.
    services: dict[str, Any] = field(default_factory=dict)
