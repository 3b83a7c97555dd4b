"""Load a deterministic demo account: lists, typed fields, contacts, a year of mailings and events.

Runs like a job, not inside one request: contacts are generated and bulk-loaded in fixed-size
chunks, one transaction each, so memory stays flat at a million contacts and tens of millions of
events. The same seed and clock give the same data. An interrupted load leaves a partial demo
account; ``reset=True`` removes it and starts again.
"""

from __future__ import annotations

import os
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mailroom.accounts import service as accounts_service
from mailroom.activity import bulkload as activity_bulk
from mailroom.activity.types import EventType
from mailroom.charts import rollups as charts_rollups
from mailroom.contacts import status
from mailroom.context import Context
from mailroom.demo import names, repository
from mailroom.demo.chunks import HISTORY_DAYS, Chunk, Job
from mailroom.demo.people import DAY_MS
from mailroom.demo.producer import produce
from mailroom.demo.tally import Counters
from mailroom.demo.timeline import EVENTS_PER_SEND, HOUR_MS, Mailing
from mailroom.errors import NotFound
from mailroom.fields import service as fields_service
from mailroom.lists import service as lists_service
from mailroom.lists.schemas import SUPPRESSION, ListQuery
from mailroom.mailings import service as mailings_service

ACCOUNT_CODE = "demo"
USERNAME = "demo@mailroom.local"
PASSWORD = "demo-password"
TOKEN = "mailroom-demo-token"
CHUNK = 5000  # contacts per transaction; part of what the seed reproduces
PRODUCER_FROM = 8  # chunks from which a producer process pays for its start (about a second)
NEWSLETTER_SHARE = 0.75

FIELDS = (
    {"name": "first_name", "title": "First name", "type": "string", "position": 1},
    {"name": "last_name", "title": "Last name", "type": "string", "position": 2},
    {"name": "country", "title": "Country", "type": "string", "position": 3},
    {"name": "birthday", "title": "Birthday", "type": "date", "format": "yyyy-mm-dd"},
    {"name": "score", "title": "Score", "type": "numeric", "default": 0},
    {"name": "product_id", "title": "Product", "type": "numeric"},
)


@dataclass(frozen=True)
class DemoSpec:
    contacts: int = 1000
    events: int | None = None  # about 20 per contact when not given
    seed: int = 1
    account_name: str = "Mailroom demo"
    reset: bool = False

    @property
    def target_events(self) -> int:
        return self.events if self.events is not None else 20 * self.contacts


@dataclass
class DemoResult:
    account_id: int
    default_list_id: int
    created: bool
    lists: dict[str, int] = field(default_factory=dict)
    mailings: int = 0
    contacts: int = 0
    suppressed: int = 0  # entries of the suppression list
    events: int = 0
    contacts_by_status: Counter[str] = field(default_factory=Counter)
    events_by_type: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        """Credentials and counts, as `mailroom demo` prints them."""
        return {
            "account_id": self.account_id,
            "account_code": ACCOUNT_CODE,
            "username": USERNAME,
            "password": PASSWORD,
            "token": TOKEN,
            "default_list_id": self.default_list_id,
            "created": self.created,
            "lists": self.lists,
            "counts": {
                "contacts": self.contacts,
                "suppression_list_entries": self.suppressed,
                "mailings": self.mailings,
                "events": self.events,
                "contacts_by_status": {
                    k: v for k, v in sorted(self.contacts_by_status.items()) if v
                },
                "events_by_type": {k: v for k, v in sorted(self.events_by_type.items()) if v},
            },
            "seconds": round(self.seconds, 1),
        }


@dataclass
class _Plan:
    """One sending list's part of the demo."""

    list_id: int
    index: int
    size: int
    first_number: int
    mailings: list[Mailing]
    send_share: float = 1.0


Progress = Callable[[int, int], None]  # (contacts done, events done) since the last call


def load_demo(
    ctx: Context,
    spec: DemoSpec,
    progress: Progress | None = None,
    *,
    producer: bool | None = None,
) -> DemoResult:
    """Create the demo account with its data, or report the one already there.

    With `producer` (by default when the load has many chunks and the machine several cores)
    a second process makes the next chunks while this one stores the current chunk.
    """
    started = time.monotonic()
    with ctx.db.write() as conn:
        repository.restore_event_lookups(conn)  # if an earlier load was cut short
    existing = _existing(ctx, spec)
    if existing is not None:
        return existing
    with ctx.db.write() as conn:
        # Into an empty events table (a new database), rows go in without the lookup index,
        # which is built once at the end. Otherwise other accounts' readers need it meanwhile.
        unindexed = repository.no_events(conn)
        if unindexed:
            repository.drop_event_lookups(conn)
    now_ms = ctx.clock.now_ms()
    result, plans, suppression_id = _structure(ctx, spec, now_ms)
    _plan_shares(plans, spec, now_ms)
    jobs = _jobs(ctx, spec, result.account_id, plans, suppression_id, now_ms)
    if producer is None:
        producer = len(jobs) >= PRODUCER_FROM and (os.cpu_count() or 1) > 1
    counters = Counters()
    complaints: list[tuple[Any, ...]] = []
    for chunk in produce(jobs, in_process=not producer):
        _store(ctx, chunk)
        counters.add(chunk.tally)
        complaints.extend(chunk.complaints)
        result.contacts += len(chunk.contacts)
        result.events += len(chunk.events)
        result.contacts_by_status.update(chunk.statuses)
        result.events_by_type.update(chunk.types)
        if progress is not None:
            progress(len(chunk.contacts), len(chunk.events))
    if unindexed:
        with ctx.db.write() as conn:
            repository.widen_cache(conn)
            repository.restore_event_lookups(conn)
    with ctx.db.write() as conn:
        # The suppression entries get ids after the reserved ones, at the end.
        result.suppressed = repository.load_contacts(conn, complaints)
        activity_bulk.add_counters(conn, *counters.rows(result.account_id))
        lists_service.rebuild_hourly(conn, result.account_id)
    with ctx.db.write() as conn:  # the console's figures, ready before anyone signs in
        charts_rollups.add_loaded(
            conn, ctx.clock, result.account_id, *counters.rollups(result.account_id)
        )
        charts_rollups.refresh(conn, ctx.clock, result.account_id, settle_ms=0)
    result.seconds = time.monotonic() - started
    return result


def _existing(ctx: Context, spec: DemoSpec) -> DemoResult | None:
    with ctx.db.write() as conn:
        try:
            row = accounts_service.account_by_code(conn, ACCOUNT_CODE)
        except NotFound:
            return None
        if spec.reset:
            repository.delete_account(conn, row.id)
            return None
        result = DemoResult(account_id=row.id, default_list_id=row.default_list_id, created=False)
        views, _ = lists_service.find_lists(conn, row.id, ListQuery())
        for view in views:
            result.lists[view.row.name] = view.row.id
            counts = view.counts
            if view.row.type == SUPPRESSION:
                result.suppressed += counts.total
                continue
            result.contacts += counts.total
            result.contacts_by_status.update(
                {
                    status.ACTIVE: counts.active,
                    status.UNSUBSCRIBED: counts.unsubscribed,
                    status.BOUNCED: counts.bounced,
                    status.COMPLAINT: counts.complaints,
                }
            )
        result.mailings = repository.count_mailings(conn, row.id)
        for type_, count in repository.events_by_type(conn, row.id).items():
            result.events += count
            result.events_by_type[EventType(type_).wire] = count
        return result


def _structure(ctx: Context, spec: DemoSpec, now_ms: int) -> tuple[DemoResult, list[_Plan], int]:
    """Account, lists, fields, links and mailings: the small part, in one transaction."""
    rng = random.Random(f"{spec.seed}:structure")
    clock = ctx.clock
    with ctx.db.write() as conn:
        new = accounts_service.create_account(
            conn,
            clock,
            spec.account_name,
            username=USERNAME,
            password=PASSWORD,
            code=ACCOUNT_CODE,
            token=TOKEN,
        )
        account_id, newsletter = new.account_id, new.default_list_id
        lists_service.update_list(
            conn, clock, account_id, newsletter, {"name": "Newsletter", "description": "Weekly"}
        )
        updates = lists_service.create_list(
            conn, clock, account_id, {"name": "Product updates", "description": "Fortnightly"}
        )["id"]
        suppression = lists_service.create_list(
            conn,
            clock,
            account_id,
            {"name": "Do not mail", "type": "suppression", "scope": "global"},
        )["id"]
        for list_id in (newsletter, updates):
            for definition in FIELDS:
                fields_service.create_field(conn, clock, account_id, list_id, dict(definition))
        link_ids = repository.insert_links(conn, account_id, names.LINKS, now_ms // 1000)
        today = now_ms // DAY_MS * DAY_MS
        schedules = (
            (newsletter, 52, 7, 1, 9, "Newsletter", names.NEWSLETTER_TOPICS),
            (updates, 26, 14, 4, 15, "Product news", names.PRODUCT_TOPICS),
        )
        plans: list[_Plan] = []
        for index, (list_id, count, every, lead, hour, title, topics) in enumerate(schedules):
            mailings = []
            for n in range(count):
                sent_ms = today - ((count - n) * every - lead) * DAY_MS + hour * HOUR_MS
                mailing_id = mailings_service.create_mailing(
                    conn,
                    clock,
                    account_id,
                    f"{title} #{n + 1}: {rng.choice(topics)}",
                    list_id=list_id,
                    campaign_activity_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    sent=sent_ms // 1000,
                )
                chosen = tuple(sorted(rng.sample(link_ids, rng.randint(2, 5))))
                mailings.append(Mailing(mailing_id, sent_ms, chosen))
            plans.append(_Plan(list_id, index, 0, 0, mailings))
    result = DemoResult(
        account_id=account_id,
        default_list_id=newsletter,
        created=True,
        lists={"Newsletter": newsletter, "Product updates": updates, "Do not mail": suppression},
        mailings=sum(len(p.mailings) for p in plans),
    )
    return result, plans, suppression


def _plan_shares(plans: list[_Plan], spec: DemoSpec, now_ms: int) -> None:
    """Split contacts between the lists; size each list's share of sends to hit the target."""
    total = spec.contacts
    plans[0].size = round(total * NEWSLETTER_SHARE)
    plans[1].size = total - plans[0].size
    plans[1].first_number = plans[0].size
    sends_wanted = spec.target_events / EVENTS_PER_SEND
    history_ms = HISTORY_DAYS * DAY_MS
    for plan in plans:
        if not plan.size or not plan.mailings:
            continue
        # A contact joined uniformly over the history can receive a mailing sent after it joined.
        joined = sum(
            min(1.0, max(0.0, (history_ms - (now_ms - m.sent_ms)) / history_ms))
            for m in plan.mailings
        )
        wanted = sends_wanted * plan.size / max(total, 1)
        plan.send_share = min(1.0, wanted / (joined * plan.size)) if joined else 0.0


def _jobs(
    ctx: Context,
    spec: DemoSpec,
    account_id: int,
    plans: list[_Plan],
    suppression_id: int,
    now_ms: int,
) -> list[Job]:
    """Every chunk's job, with the contact ids reserved for it (so chunks can be made apart)."""
    with ctx.db.write() as conn:
        ids = repository.reserve_contact_ids(conn, sum(p.size for p in plans))
    jobs = []
    taken = 0
    for plan in plans:
        mailings = tuple(plan.mailings)
        for start in range(0, plan.size, CHUNK):
            size = min(CHUNK, plan.size - start)
            jobs.append(
                Job(
                    seed=spec.seed,
                    account_id=account_id,
                    list_id=plan.list_id,
                    suppression_id=suppression_id,
                    list_index=plan.index,
                    number=start // CHUNK,
                    first_number=plan.first_number + start,
                    ids=tuple(ids[taken : taken + size]),
                    mailings=mailings,
                    send_share=plan.send_share,
                    now_ms=now_ms,
                )
            )
            taken += size
    return jobs


def _store(ctx: Context, chunk: Chunk) -> None:
    """One chunk's contacts, events and per-contact totals, in one transaction."""
    with ctx.db.write() as conn:
        repository.widen_cache(conn)
        repository.load_contacts_with_ids(conn, chunk.contacts)
        repository.load_events(conn, chunk.events)
        activity_bulk.load_new_contact_totals(conn, chunk.tally.contacts, chunk.tally.mailings)
