"""One chunk of demo contacts made into rows: contacts, events, totals and counts, no database.

A chunk depends only on its `Job` (seed, list, position, the contact ids reserved for it), so
the same seed gives the same rows whichever process makes them, and a producer process can
make the next chunks while the loader stores this one.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import orjson

from mailroom.activity.types import EventType, Source
from mailroom.contacts import status
from mailroom.demo.people import Person, make_person
from mailroom.demo.tally import Tally
from mailroom.demo.timeline import Mailing, Outcome, Simulator

HISTORY_DAYS = 730  # contacts joined over the last two years


@dataclass(frozen=True)
class Job:
    """What a chunk is made from; `ids` are the contact ids reserved for its contacts."""

    seed: int
    account_id: int
    list_id: int
    suppression_id: int  # the list complainers also land on
    list_index: int  # the list's place in the demo, part of each chunk's seed
    number: int  # the chunk's number in its list, part of its seed
    first_number: int  # contact numbers (unique in the demo) start after this one
    ids: tuple[int, ...]
    mailings: tuple[Mailing, ...]
    send_share: float
    now_ms: int


@dataclass
class Chunk:
    """The rows of one chunk, in the column orders of `demo.repository` and `activity.bulkload`."""

    contacts: list[tuple[Any, ...]]
    events: list[tuple[Any, ...]]
    tally: Tally
    complaints: list[tuple[Any, ...]]  # the complainers' suppression rows, without ids
    statuses: Counter[str] = field(default_factory=Counter)
    types: Counter[str] = field(default_factory=Counter)  # events by wire type


def make_chunk(job: Job) -> Chunk:
    """Draw the chunk's people and their year of mail, and turn them into rows."""
    rng = random.Random(f"{job.seed}:{job.list_index}:{job.number}")
    simulator = Simulator(rng, list(job.mailings), job.send_share, job.now_ms)
    people: list[tuple[Person, Outcome]] = []
    for n in range(len(job.ids)):
        person = make_person(rng, job.first_number + n + 1, job.now_ms, HISTORY_DAYS)
        people.append((person, simulator.play(person)))
    account_id, list_id = job.account_id, job.list_id
    tally = Tally(account_id, {m.id: m.sent_ms // 1000 * 1000 for m in job.mailings})
    source = int(Source.DEMO)
    events: list[tuple[Any, ...]] = []
    types: Counter[int] = Counter()
    for contact_id, (_, outcome) in zip(job.ids, people, strict=True):
        tally.count(contact_id, list_id, outcome.events)
        events.extend(
            (account_id, list_id, contact_id, type_, at_ms, mailing_id, link_id, machine,
             source, details)
            for type_, at_ms, mailing_id, link_id, machine, details in outcome.events
        )  # fmt: skip
        types.update(e[0] for e in outcome.events)
    return Chunk(
        contacts=[
            _contact_row(contact_id, account_id, list_id, person, outcome)
            for contact_id, (person, outcome) in zip(job.ids, people, strict=True)
        ],
        events=events,
        tally=tally,
        complaints=[
            _suppressed_row(account_id, job.suppression_id, person, outcome)
            for person, outcome in people
            if outcome.status == status.COMPLAINT
        ],
        statuses=Counter(outcome.status for _, outcome in people),
        types=Counter({EventType(k).wire: n for k, n in types.items()}),
    )


def _contact_row(
    contact_id: int, account_id: int, list_id: int, person: Person, outcome: Outcome
) -> tuple[Any, ...]:
    created = person.created_ms // 1000
    changed = outcome.status_ms // 1000 if outcome.status_ms else None
    return (
        contact_id,
        person.uid,
        account_id,
        list_id,
        person.email,
        outcome.status,
        orjson.dumps(person.fields).decode(),
        created,
        max(created, changed or 0),
        changed if outcome.status == status.UNSUBSCRIBED else None,
        changed if outcome.status == status.BOUNCED else None,
        changed if outcome.status == status.COMPLAINT else None,
        outcome.status_ms,
    )


def _suppressed_row(
    account_id: int, list_id: int, person: Person, outcome: Outcome
) -> tuple[Any, ...]:
    """A complainer's entry on the suppression list (its id left to the database)."""
    added = outcome.status_ms // 1000
    uid = f"{added:08x}{person.uid[8:]}"  # the contact's random part, a later time part
    return (
        uid, account_id, list_id, person.email, status.ACTIVE, "{}", added, added,
        None, None, None, 0,
    )  # fmt: skip
