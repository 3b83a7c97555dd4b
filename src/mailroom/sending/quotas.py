"""What a connection may still send today: its own `daily_quota`, and each event's
`esp_connections_quota` (at most n messages of that event a day through that connection).

The places are counted in the main database (`quota_usage`, one row per connection, event and
account-local day), shared by every worker process. A delivering batch reserves what it needs
before its lanes start, in blocks (one conditional UPDATE per quota and round, not a round trip
per message), picks each send's connection from what it got, and gives back at its end the
places of the sends that were not handed over or that the server refused. A process killed
with places reserved loses them for the day: a quota errs on the side of sending fewer, never
more. Sends through connections and events without a quota never touch the counter.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from mailroom.automation import service as automation_service
from mailroom.context import Context
from mailroom.db import backend
from mailroom.sending import repository as repo

Key = tuple[int, int]  # (connection id, event id; 0 for the connection's own daily_quota)


@dataclass(frozen=True, slots=True)
class Wish:
    """A send that wants a connection: its active candidates, in the distribution's order."""

    send_id: int
    trigger_id: int | None
    candidates: Sequence[Any]  # connection rows


@dataclass
class Allowance:
    day: tuple[int, int]  # the account's local day: [start, end) in ms
    event_of: dict[int, int]  # trigger id -> its event id (events with quotas only)
    event_quotas: dict[int, dict[int, int]]  # event id -> connection id -> a day
    triggers_of: dict[int, list[int]]  # event id -> its trigger ids (a day's first count)
    placed: dict[int, tuple[Key, ...]] = field(default_factory=dict)  # send id -> its places
    kept: set[int] = field(default_factory=set)  # sends handed over: their places stay used
    lock: threading.Lock = field(default_factory=threading.Lock)  # lanes keep and release

    @classmethod
    def load(cls, conn: Connection, trigger_ids: Iterable[int], day: tuple[int, int]) -> Allowance:
        quotas = automation_service.connection_quotas(conn, trigger_ids)
        return cls(day, quotas.event_of, quotas.quotas, quotas.triggers_of)

    def limits(self, row: Any, trigger_id: int | None) -> list[tuple[Key, int]]:
        """The quotas a send through connection `row` takes a place in."""
        found: list[tuple[Key, int]] = []
        if row.daily_quota is not None:
            found.append(((int(row.id), 0), int(row.daily_quota)))
        event_id = self.event_of.get(trigger_id) if trigger_id is not None else None
        if event_id is not None:
            cap = self.event_quotas.get(event_id, {}).get(int(row.id))
            if cap is not None:
                found.append(((int(row.id), event_id), cap))
        return found

    def plan(self, ctx: Context, wishes: Sequence[Wish]) -> dict[int, Any]:
        """Each send's connection (None: every candidate is out of quota today), its places
        reserved. Round after round, the sends still without a place try their next
        candidate; each round takes its places in one transaction, quotas in key order (two
        processes never wait on each other's rows crosswise). Places left over go back."""
        chosen: dict[int, Any] = {}
        at = {w.send_id: 0 for w in wishes}
        held: Counter[Key] = Counter()
        out: set[Key] = set()  # asked for more than was left: no use asking again
        pending = list(wishes)
        try:
            while pending:
                demand: Counter[Key] = Counter()
                caps: dict[Key, int] = {}
                for wish in pending:
                    row = wish.candidates[at[wish.send_id]]
                    for key, cap in self.limits(row, wish.trigger_id):
                        demand[key] += 1
                        caps[key] = cap
                ask = {k: n - held[k] for k, n in demand.items() if n > held[k] and k not in out}
                if ask:
                    for key, n in self._take(ctx, ask, caps).items():
                        held[key] += n
                        if n < ask[key]:
                            out.add(key)
                later: list[Wish] = []
                for wish in pending:
                    row = wish.candidates[at[wish.send_id]]
                    keys = tuple(key for key, _ in self.limits(row, wish.trigger_id))
                    if all(held[key] > 0 for key in keys):
                        for key in keys:
                            held[key] -= 1
                        chosen[wish.send_id] = row
                        if keys:
                            self.placed[wish.send_id] = keys
                    elif at[wish.send_id] + 1 < len(wish.candidates):
                        at[wish.send_id] += 1
                        later.append(wish)
                    else:
                        chosen[wish.send_id] = None
                pending = later
        finally:  # a failed round too: what no send got goes back (the rest at `settle`)
            self._give_back(ctx, +held)
        return chosen

    def keep(self, send_id: int) -> None:
        """The send is being handed over: its places stay used, whatever comes next (a
        message that may have been accepted counts)."""
        with self.lock:
            self.kept.add(send_id)

    def release(self, send_id: int) -> None:
        """The server refused the message: its places go back at the batch's end."""
        with self.lock:
            self.kept.discard(send_id)

    def settle(self, ctx: Context) -> None:
        """At the batch's end: the places of sends not handed over (or refused) go back."""
        back: Counter[Key] = Counter()
        with self.lock:
            for send_id, keys in self.placed.items():
                if send_id not in self.kept:
                    back.update(keys)
            self.placed.clear()
            self.kept.clear()
        self._give_back(ctx, back)

    def _take(self, ctx: Context, ask: dict[Key, int], caps: dict[Key, int]) -> dict[Key, int]:
        """Places for each quota, all in one transaction; a quota's first take of the day
        opens its row, counting what was sent that day before the counter began."""
        got: dict[Key, int] = {}
        missing: list[Key] = []
        with backend.writer_queue(ctx.db.engine), ctx.db.write() as conn:
            for key in sorted(ask):
                n = repo.take_places(conn, key, self.day[0], ask[key], caps[key])
                if n is None:
                    missing.append(key)
                else:
                    got[key] = n
        if not missing:
            return got
        # counted before the writing transaction: a day's first count may read many sends
        with ctx.db.read() as conn:
            seeds = {
                key: repo.sent_in(conn, key[0], self._triggers(key), self.day) for key in missing
            }
        with backend.writer_queue(ctx.db.engine), ctx.db.write() as conn:
            for key in missing:
                repo.open_day(conn, key, self.day[0], seeds[key])
                got[key] = repo.take_places(conn, key, self.day[0], ask[key], caps[key]) or 0
        return got

    def _triggers(self, key: Key) -> list[int] | None:
        """Whose sends a quota counts: the event's triggers, or (None) all the connection's."""
        return self.triggers_of.get(key[1], []) if key[1] else None

    def _give_back(self, ctx: Context, back: Counter[Key]) -> None:
        if not back:
            return
        with backend.writer_queue(ctx.db.engine), ctx.db.write() as conn:
            for key in sorted(back):
                repo.give_back_places(conn, key, self.day[0], back[key])
