"""What a connection may still send today: its own `daily_quota`, and each event's
`esp_connections_quota` (at most n messages of that event a day through that connection).

A send takes its place before it is handed over and gives it back when it was not accepted, so
the lanes of one process never pass a quota; other processes count only what is recorded, and
may pass it by what their lanes have in flight.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from mailroom.automation import service as automation_service
from mailroom.sending import repository as repo


@dataclass
class Allowance:
    used: dict[int, int]  # connection id -> messages today
    event_of: dict[int, int]  # trigger id -> its event id (events with quotas only)
    event_quotas: dict[int, dict[int, int]]  # event id -> connection id -> a day
    event_used: dict[tuple[int, int], int]  # (event id, connection id) -> messages today
    lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def load(
        cls,
        conn: Connection,
        connection_ids: Iterable[int],
        trigger_ids: Iterable[int],
        day_start_ms: int,
    ) -> Allowance:
        quotas = automation_service.connection_quotas(conn, trigger_ids)
        owner = {t: e for e, ts in quotas.triggers_of.items() for t in ts}
        event_used: dict[tuple[int, int], int] = {}
        counted = repo.sent_by_trigger_since(conn, owner, day_start_ms)
        for (trigger_id, connection_id), n in counted.items():
            key = (owner[trigger_id], connection_id)
            event_used[key] = event_used.get(key, 0) + n
        return cls(
            repo.sent_since(conn, connection_ids, day_start_ms),
            quotas.event_of,
            quotas.quotas,
            event_used,
        )

    def take(self, candidates: Iterable[int], active: dict[int, Any], trigger_id: Any) -> Any:
        """The first candidate connection with room left today, its place taken; or None."""
        event_id = self.event_of.get(trigger_id) if trigger_id is not None else None
        limits = self.event_quotas.get(event_id, {}) if event_id is not None else {}
        with self.lock:
            for connection_id in candidates:
                row = active.get(connection_id)
                if row is None:
                    continue
                if row.daily_quota is not None and self.used.get(connection_id, 0) >= int(
                    row.daily_quota
                ):
                    continue
                cap = limits.get(connection_id)
                if (
                    cap is not None
                    and event_id is not None
                    and self.event_used.get((event_id, connection_id), 0) >= cap
                ):
                    continue
                self.used[connection_id] = self.used.get(connection_id, 0) + 1
                if event_id is not None:
                    key = (event_id, connection_id)
                    self.event_used[key] = self.event_used.get(key, 0) + 1
                return row
        return None

    def give_back(self, connection_id: int, trigger_id: Any) -> None:
        """A place taken for a message the server did not accept."""
        event_id = self.event_of.get(trigger_id) if trigger_id is not None else None
        with self.lock:
            self.used[connection_id] = self.used.get(connection_id, 0) - 1
            if event_id is not None:
                key = (event_id, connection_id)
                self.event_used[key] = self.event_used.get(key, 0) - 1
