"""The demo's totals, counted while its event rows are made: what a rebuild would count.

Recounting tens of millions of stored events in SQL took most of a large demo's time. Every
event of a demo contact is made in that contact's chunk, so its contact and contact x mailing
rows are complete when the chunk is stored; the hourly and served counters, shared by all
contacts, are summed over the whole load (`Counters`) and stored at its end, as are the
console's first-hours and link rollups. The rules are activity's (`activity.aggregates`,
`activity.served`) and the charts' (`charts.repository.fold_hours`, `fold_links`) for the kinds
of event the demo makes; tests check the rows against a rebuild and against the raw events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from mailroom.activity.bulkload import (
    CONTACT_COLUMNS,
    HOURLY_COLUMNS,
    MAILING_COLUMNS,
    hourly_counter,
)
from mailroom.activity.types import EventType
from mailroom.charts.schemas import FIRST_HOURS
from mailroom.demo.timeline import SOFT, EventRow

HOUR_MS = 3_600_000
NO_SEND = -1  # served_hourly's prev_hour of a contact's first send

_SEND = int(EventType.EM_SENDS)
_OPEN = int(EventType.EM_OPENS)
_CLICK = int(EventType.EM_CLICKS)
_BOUNCE = int(EventType.EM_BOUNCES)
_SOFT = frozenset(SOFT)

# type -> (counter, machine's counter) in contact_totals and contact_mailing_totals.
_COUNTER = {
    EventType.EM_SENDS: ("sends", "sends"),
    EventType.EM_OPENS: ("opens", "machine_opens"),
    EventType.EM_CLICKS: ("clicks", "machine_clicks"),
    EventType.EM_BOUNCES: ("bounces", "bounces"),
    EventType.EM_OPTOUTS: ("optouts", "optouts"),
    EventType.EM_COMPLAINTS: ("complaints", "complaints"),
    EventType.EM_FORWARDS: ("forwards", "forwards"),
}


def _positions(columns: tuple[str, ...], counter: Any) -> list[int]:
    """type * 2 + machine -> index of the counter it adds to in a `columns` row (-1: none)."""
    out = [-1] * ((max(EventType) + 1) * 2)
    for type_ in EventType:
        for machine in (False, True):
            name = counter(type_, machine)
            out[type_ * 2 + machine] = columns.index(name) if name in columns else -1
    return out


def _total_counter(type_: EventType, machine: bool) -> str:
    return _COUNTER[type_][machine] if type_ in _COUNTER else "page_events"


_CT_AT = _positions(CONTACT_COLUMNS, _total_counter)
_CM_AT = _positions(MAILING_COLUMNS, _total_counter)
_HOUR_AT = _positions(HOURLY_COLUMNS, hourly_counter)
_CT_SOFT = CONTACT_COLUMNS.index("soft_bounces")
_CT_SENT, _CT_OPEN, _CT_CLICK = (
    CONTACT_COLUMNS.index(c) for c in ("last_sent_ms", "last_open_ms", "last_click_ms")
)
_CM_FIRST, _CM_SENT, _CM_LAST = (
    MAILING_COLUMNS.index(c) for c in ("first_sent_ms", "last_sent_ms", "last_at_ms")
)
_CT_BLANK: list[Any] = [0] * len(CONTACT_COLUMNS)
_CT_BLANK[_CT_SENT] = _CT_BLANK[_CT_OPEN] = _CT_BLANK[_CT_CLICK] = None
_CM_BLANK: list[Any] = [0] * len(MAILING_COLUMNS)
_CM_BLANK[_CM_FIRST] = _CM_BLANK[_CM_SENT] = None
assert CONTACT_COLUMNS[:3] == ("contact_id", "account_id", "list_id")
assert MAILING_COLUMNS[:3] == ("contact_id", "mailing_id", "account_id")
assert HOURLY_COLUMNS[:3] == ("list_id", "hour", "account_id")


class Tally:
    """Counts the contacts of one chunk: `count` adds a contact's events to `contacts` and
    `mailings` (rows to append) and to the chunk's `hourly`, `served`, `curve` and `links`
    counters. `sent_ms` is each mailing's send time (`mailings.sent`, in ms)."""

    def __init__(self, account_id: int, sent_ms: Mapping[int, int]) -> None:
        self.account_id = account_id
        self.sent_ms = sent_ms
        self.contacts: list[tuple[Any, ...]] = []
        self.mailings: list[tuple[Any, ...]] = []
        self.hourly: dict[tuple[int, int], list[int]] = {}
        self.served: dict[tuple[int, int], int] = {}
        # The console's rollups (`charts.rollups`): opens and clicks per hour in a mailing's
        # first hours, as (opens, machine opens, clicks, machine clicks); clicks per link.
        self.curve: dict[tuple[int, int], list[int]] = {}
        self.links: dict[tuple[int, int], list[int]] = {}

    def count(self, contact_id: int, list_id: int, events: Sequence[EventRow]) -> None:
        """Add one contact's events (all of them)."""
        if not events:
            return
        account_id = self.account_id
        ct = _CT_BLANK.copy()
        ct[0], ct[1], ct[2] = contact_id, account_id, list_id
        pairs: dict[int, list[Any]] = {}
        hourly = self.hourly
        sends: list[int] = []
        ct_at, cm_at, hour_at = _CT_AT, _CM_AT, _HOUR_AT
        for type_, at_ms, mailing_id, link_id, machine, details in events:
            code = type_ * 2 + machine
            ct[ct_at[code]] += 1
            cm = pairs.get(mailing_id)
            if cm is None:
                cm = pairs[mailing_id] = _CM_BLANK.copy()
                cm[0], cm[1], cm[2] = contact_id, mailing_id, account_id
            at = cm_at[code]
            if at >= 0:
                cm[at] += 1
            if at_ms > cm[_CM_LAST]:
                cm[_CM_LAST] = at_ms
            if type_ == _SEND:
                sends.append(at_ms)
                if ct[_CT_SENT] is None or at_ms > ct[_CT_SENT]:
                    ct[_CT_SENT] = at_ms
                if cm[_CM_SENT] is None or at_ms > cm[_CM_SENT]:
                    cm[_CM_SENT] = at_ms
                if cm[_CM_FIRST] is None or at_ms < cm[_CM_FIRST]:
                    cm[_CM_FIRST] = at_ms
            elif type_ in (_OPEN, _CLICK):
                if not machine:
                    last = _CT_OPEN if type_ == _OPEN else _CT_CLICK
                    if ct[last] is None or at_ms > ct[last]:
                        ct[last] = at_ms
                self._engaged(type_, at_ms, mailing_id, link_id, machine)
            elif type_ == _BOUNCE and details in _SOFT:
                ct[_CT_SOFT] += 1
            key = (list_id, at_ms // HOUR_MS * 3600)
            hr = hourly.get(key)
            if hr is None:
                hr = hourly[key] = [0] * len(HOURLY_COLUMNS)
            hr[hour_at[code]] += 1
        self.contacts.append(tuple(ct))
        self.mailings.extend(tuple(pairs[m]) for m in sorted(pairs))
        served = self.served
        prev = NO_SEND
        for at_ms in sorted(sends):
            hour = at_ms // HOUR_MS * 3600
            served[(hour, prev)] = served.get((hour, prev), 0) + 1
            prev = hour

    def _engaged(
        self, type_: int, at_ms: int, mailing_id: int, link_id: int | None, machine: bool
    ) -> None:
        """An open or a click in the console's rollups (`charts.repository.fold_hours`)."""
        slot = (0 if type_ == _OPEN else 2) + machine
        since = at_ms - self.sent_ms[mailing_id]
        if 0 <= since < FIRST_HOURS * HOUR_MS:
            key = (mailing_id, since // HOUR_MS)
            curve = self.curve.get(key)
            if curve is None:
                curve = self.curve[key] = [0, 0, 0, 0]
            curve[slot] += 1
        if type_ == _CLICK and link_id is not None:
            clicks = self.links.get((mailing_id, link_id))
            if clicks is None:
                clicks = self.links[(mailing_id, link_id)] = [0, 0]
            clicks[machine] += 1


class Counters:
    """The hourly, served and console counters of a whole load, summed over its chunks."""

    def __init__(self) -> None:
        self.hourly: dict[tuple[int, int], list[int]] = {}
        self.served: Counter[tuple[int, int]] = Counter()
        self.curve: dict[tuple[int, int], list[int]] = {}
        self.links: dict[tuple[int, int], list[int]] = {}

    def add(self, tally: Tally) -> None:
        _sum_into(self.hourly, tally.hourly)
        _sum_into(self.curve, tally.curve)
        _sum_into(self.links, tally.links)
        self.served.update(tally.served)

    def rows(self, account_id: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """``activity_hourly`` and ``served_hourly`` rows, in key order."""
        hourly = [
            (list_id, hour, account_id, *counts[3:])
            for (list_id, hour), counts in sorted(self.hourly.items())
        ]
        served = [(account_id, *key, n) for key, n in sorted(self.served.items())]
        return hourly, served

    def rollups(self, account_id: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        """``mailing_hourly`` and ``mailing_links`` rows, in key order."""
        curve = [(*key, account_id, *n) for key, n in sorted(self.curve.items())]
        links = [(*key, account_id, *n) for key, n in sorted(self.links.items())]
        return curve, links


def _sum_into(
    total: dict[tuple[int, int], list[int]], part: dict[tuple[int, int], list[int]]
) -> None:
    for key, counts in part.items():
        mine = total.get(key)
        total[key] = (
            counts.copy() if mine is None else [a + b for a, b in zip(mine, counts, strict=True)]
        )
