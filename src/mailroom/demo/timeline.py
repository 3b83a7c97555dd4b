"""One contact's year of email: sends, opens, clicks, bounces, opt-outs and complaints.

A contact gets a share of the mailings sent after it joined, while it is active; a hard bounce,
an opt-out or a complaint ends its mail and sets its status, so statuses always follow from
events. Nothing happens after `now`.
"""

from __future__ import annotations

import random
from bisect import bisect_left
from dataclasses import dataclass, field

import orjson

from mailroom.activity.types import EventType
from mailroom.contacts import status
from mailroom.demo import names
from mailroom.demo.people import Person, Weighted

HOUR_MS = 3_600_000
MINUTE_MS = 60_000

P_HARD_BOUNCE = 0.001
P_SOFT_BOUNCE = 0.007
P_OPT_OUT = 0.002
P_COMPLAINT = 0.0002
P_REPEAT_OPEN = 0.35
P_CLICK = 0.1  # of those who open
P_SECOND_CLICK = 0.25
P_FORWARD = 0.005  # of those who open
# Average events per send with the rates above (send, opens, clicks, bounces, ...).
EVENTS_PER_SEND = 1.45

SEND = int(EventType.EM_SENDS)
OPEN = int(EventType.EM_OPENS)
CLICK = int(EventType.EM_CLICKS)
BOUNCE = int(EventType.EM_BOUNCES)
OPT_OUT = int(EventType.EM_OPTOUTS)
FORWARD = int(EventType.EM_FORWARDS)
COMPLAINT = int(EventType.EM_COMPLAINTS)


def _json(value: object) -> str:
    return orjson.dumps(value).decode()


# Details are few distinct JSON texts: serialise each once.
DEVICE = Weighted(tuple((_json({"device_type": d}), w) for d, w in names.DEVICES))
MACHINE_DETAILS = _json({"device_type": "unknown", "user_agent": "Mozilla/5.0"})


def _bounces(kind: str, codes: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    return tuple(_json({"bounce_type": kind, "bounce_code": c, "smtp_status": s}) for c, s in codes)


HARD = _bounces("hard", names.HARD_BOUNCES)
SOFT = _bounces("soft", names.SOFT_BOUNCES)
OPT_OUT_DETAILS = tuple(_json({"reason": r}) if r else None for r in names.OPT_OUT_REASONS)

# (type, at_ms, mailing_id, link_id, machine, details JSON text)
EventRow = tuple[int, int, int, int | None, bool, str | None]


@dataclass(frozen=True, slots=True)
class Mailing:
    id: int
    sent_ms: int
    link_ids: tuple[int, ...]


@dataclass(slots=True)
class Outcome:
    """What happened to one contact: its final status and the events that led there."""

    status: str = status.ACTIVE
    status_ms: int = 0
    events: list[EventRow] = field(default_factory=list)


class Simulator:
    """Plays the mailings of one list against contacts, drawing every choice from one rng."""

    def __init__(
        self, rng: random.Random, mailings: list[Mailing], send_share: float, now_ms: int
    ) -> None:
        self.rng = rng
        self.mailings = sorted(mailings, key=lambda m: m.sent_ms)
        self.sent_times = [m.sent_ms for m in self.mailings]
        self.send_share = send_share
        self.now_ms = now_ms

    def play(self, person: Person) -> Outcome:
        rng, now = self.rng, self.now_ms
        out = Outcome()
        events = out.events
        first = bisect_left(self.sent_times, person.created_ms)
        for mailing in self.mailings[first:]:
            if rng.random() >= self.send_share:
                continue
            sent = mailing.sent_ms + rng.randrange(30 * MINUTE_MS)
            if sent >= now:
                break
            mid = mailing.id
            events.append((SEND, sent, mid, None, False, None))
            draw = rng.random()
            if person.bad_address or draw < P_HARD_BOUNCE:
                at = sent + rng.randrange(1000, 10 * MINUTE_MS)
                if self._stop(out, at, status.BOUNCED):
                    events.append((BOUNCE, at, mid, None, False, rng.choice(HARD)))
                    return out
                continue
            if draw < P_HARD_BOUNCE + P_SOFT_BOUNCE:
                at = sent + rng.randrange(1000, 6 * HOUR_MS)
                if at < now:
                    events.append((BOUNCE, at, mid, None, False, rng.choice(SOFT)))
                continue
            if person.privacy_proxy:
                at = sent + rng.randrange(1000, 5 * MINUTE_MS)
                if at < now:
                    events.append((OPEN, at, mid, None, True, MACHINE_DETAILS))
            seen = sent
            if rng.random() < person.engagement:
                seen = self._opened(person, mailing, sent, events)
            if self._leaves(out, mailing, seen):
                return out
        return out

    def _opened(self, person: Person, mailing: Mailing, sent: int, events: list[EventRow]) -> int:
        """Opens (some repeated), maybe clicks and a forward; returns the first open time."""
        rng, now, mid = self.rng, self.now_ms, mailing.id
        device = DEVICE.draw(rng)
        first_open = sent + 20_000 + int(rng.expovariate(1 / (4 * HOUR_MS)))
        at = first_open
        while at < now:
            events.append((OPEN, at, mid, None, False, device))
            if rng.random() >= P_REPEAT_OPEN:
                break
            at += 60_000 + int(rng.expovariate(1 / (10 * HOUR_MS)))
        if first_open >= now:
            return first_open
        if mailing.link_ids and rng.random() < P_CLICK:
            at = first_open + rng.randrange(5000, 15 * MINUTE_MS)
            clicks = 2 if rng.random() < P_SECOND_CLICK else 1
            for _ in range(clicks):
                if at < now:
                    events.append((CLICK, at, mid, rng.choice(mailing.link_ids), False, device))
                at += rng.randrange(5000, 10 * MINUTE_MS)
        if rng.random() < P_FORWARD:
            at = first_open + rng.randrange(MINUTE_MS, 2 * HOUR_MS)
            if at < now:
                events.append((FORWARD, at, mid, None, False, None))
        return first_open

    def _leaves(self, out: Outcome, mailing: Mailing, seen: int) -> bool:
        """A complaint or an opt-out after reading (or ignoring) the mailing ends the mail."""
        rng = self.rng
        draw = rng.random()
        if draw < P_COMPLAINT:
            at = seen + rng.randrange(MINUTE_MS, 48 * HOUR_MS)
            if self._stop(out, at, status.COMPLAINT):
                out.events.append((COMPLAINT, at, mailing.id, None, False, None))
                return True
        elif draw < P_COMPLAINT + P_OPT_OUT:
            at = seen + rng.randrange(10_000, 24 * HOUR_MS)
            if self._stop(out, at, status.UNSUBSCRIBED):
                details = rng.choice(OPT_OUT_DETAILS)
                out.events.append((OPT_OUT, at, mailing.id, None, False, details))
                return True
        return False

    def _stop(self, out: Outcome, at: int, new_status: str) -> bool:
        if at >= self.now_ms:
            return False
        out.status, out.status_ms = new_status, at
        return True
