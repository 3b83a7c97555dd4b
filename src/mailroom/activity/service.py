"""Use cases of the activity domain: the one ingest path every source of events goes through.

`ingest` runs these steps over a whole batch, each of which may reject an item with a reason:
validate each item (`parse`), resolve contacts, mailings and links in bulk (scoped to the
account), drop repeated idempotency keys (in the batch, then against stored events), detect
machine opens and clicks, store the events, add the stored ones to the running aggregates, and
apply their status effects. The caller owns the transaction.

The steps that only read (`resolve`) may run before the write transaction, in a read
transaction of their own: on SQLite a writer excludes other writers, so one request then
resolves while another writes. `store` re-reads inside the write transaction what must be
exact: which contacts still exist and their current status.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

import orjson
from sqlalchemy import Connection

from mailroom.activity import aggregates, lock, machine, repository, served
from mailroom.activity.parse import Draft, Invalid, parse_item
from mailroom.activity.reads import contact_totals, list_summary
from mailroom.activity.rebuild import rebuild_aggregates
from mailroom.activity.schemas import IngestResult, Rejected
from mailroom.activity.types import EventType, Source
from mailroom.contacts import effects, lookup
from mailroom.kit.clock import Clock
from mailroom.lists import service as lists_service
from mailroom.mailings import service as mailings_service

__all__ = [
    "Batch",
    "contact_totals",
    "ingest",
    "list_summary",
    "rebuild_aggregates",
    "resolve",
    "store",
    "validate",
]

UNKNOWN_CONTACT = "unknown contact"
UNKNOWN_MAILING = "unknown mailing"
UNKNOWN_LINK = "unknown link"

_EFFECTS = {
    EventType.EM_COMPLAINTS: "complaint",
    EventType.EM_OPTOUTS: "unsubscribe",
}
_CHANGING = frozenset((*_EFFECTS, EventType.EM_BOUNCES))  # the types `_change_of` may change
_DETECTED = (EventType.EM_OPENS, EventType.EM_CLICKS)
_SENDS = EventType.EM_SENDS
_STORAGE_ORDER = attrgetter("contact_id", "at_ms", "order_key")


Totals = tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], list[tuple[Any, ...]]]


@dataclass
class Prepared:
    """What a resolved batch stores if nothing changes before its write: the drafts left after
    in-batch dedupe, their event rows (without id, account and source) and their totals."""

    drafts: list[Draft]
    duplicates: int
    rows: list[tuple[Any, ...]]
    totals: Totals


@dataclass
class Batch:
    """Items checked without the database: drafts to resolve and the items already rejected.

    `resolve` fills in the contacts, mailings and links (`resolved`), the links still to make
    (`new_urls`), the stored send times machine detection needs (`sent`) and the rows to store
    (`prepared`, dropped again when `store` finds a contact gone or makes links).
    """

    drafts: list[Draft]
    rejected: list[Rejected]
    now_ms: int
    resolved: bool = False
    new_urls: set[str] = field(default_factory=set)
    sent: dict[tuple[int, int], int] = field(default_factory=dict)
    prepared: Prepared | None = None
    create_mailings: bool = False  # register unknown mailings instead of rejecting their items


def validate(
    clock: Clock,
    items: Sequence[Any],
    default_list_id: int | None = None,
    *,
    create_mailings: bool = False,
) -> Batch:
    """Check every item's shape (no database work, so callers may run it outside a transaction).

    With `create_mailings`, `resolve` registers the unknown mailings items name (so it writes:
    run it inside the write transaction, as `store` does when nothing resolved the batch).
    """
    now_ms = clock.now_ms()
    drafts: list[Draft] = []
    rejected: list[Rejected] = []
    for index, raw in enumerate(items):
        try:
            drafts.append(parse_item(index, raw, now_ms, default_list_id))
        except Invalid as exc:
            rejected.append(Rejected(index, str(exc)))
    return Batch(drafts, rejected, now_ms, create_mailings=create_mailings)


def ingest(
    conn: Connection,
    clock: Clock,
    account_id: int,
    items: Sequence[Any],
    *,
    source: Source,
    default_list_id: int | None = None,
    create_mailings: bool = False,
) -> IngestResult:
    """Validate, resolve, dedupe and store a batch of raw items; report every rejection by index.

    Bad items never raise: each is rejected with a reason. An item repeating an idempotency key
    (earlier in the batch, or already stored) is a duplicate: not stored, not counted, no effect.
    `event_ids` lists the ids of the stored events in item order.
    """
    batch = validate(clock, items, default_list_id, create_mailings=create_mailings)
    return store(conn, account_id, batch, source=source)


def resolve(conn: Connection, account_id: int, batch: Batch) -> None:
    """Look up the batch's contacts, mailings, links and send times; reads only.

    Run it in a read transaction before `store`'s write transaction to keep the write short;
    `store` then rechecks the contacts. Unresolvable items join `batch.rejected`.
    """
    rejected = batch.rejected
    drafts = _resolve_contacts(conn, account_id, batch.drafts, rejected)
    drafts = _resolve_mailings(conn, account_id, drafts, rejected, batch)
    drafts = _resolve_links(conn, account_id, drafts, rejected, batch.new_urls)
    _flag_clients(drafts)
    pairs = {
        (d.contact_id, m)
        for d in drafts
        if d.machine is None and d.type in _DETECTED and (m := d.mailing_id) is not None
    }
    batch.sent = repository.last_sent(conn, pairs) if pairs else {}
    batch.drafts = drafts
    batch.resolved = True
    batch.prepared = _prepare(account_id, drafts, batch.sent)


def store(conn: Connection, account_id: int, batch: Batch, *, source: Source) -> IngestResult:
    """The database half of `ingest`, for a batch `validate` checked (and maybe `resolve`d)."""
    lock.for_storing(conn, account_id)  # no contact delete commits before this transaction
    if not batch.resolved:
        resolve(conn, account_id, batch)
    elif _drop_gone(conn, batch):
        batch.prepared = None
    _read_states(conn, batch.drafts)
    result = IngestResult(rejected=batch.rejected)
    if batch.new_urls:
        _create_links(conn, account_id, batch, batch.now_ms // 1000)
        batch.prepared = None
    prep = batch.prepared or _prepare(account_id, batch.drafts, batch.sent)
    result.duplicates = prep.duplicates

    ids = repository.reserve_event_ids(conn, len(prep.rows))
    code = int(source)
    rows = [
        (event_id, account_id, code, *row) for event_id, row in zip(ids, prep.rows, strict=True)
    ]
    stored_ids = repository.insert_events(conn, rows)
    if len(stored_ids) == len(ids):
        kept, totals = prep.drafts, prep.totals
        result.stored = list(zip([d.index for d in kept], ids, strict=True))
    else:  # some keys were stored before: count only the events stored now
        kept = []
        for event_id, d in zip(ids, prep.drafts, strict=True):
            if event_id in stored_ids:
                result.stored.append((d.index, event_id))
                kept.append(d)
            else:
                result.duplicates += 1
        totals = aggregates.totals(account_id, kept)
    result.accepted = len(kept)

    # Rows that concurrent batches share go last, the most shared last of all: a row lock is
    # held until commit, and a batch waiting for one waits for the rest of the other's work.
    # Every batch takes them in this table order and in key order, so none deadlocks.
    per_contact, per_mailing, hourly = totals
    repository.add_mailing_totals(conn, per_mailing)
    opted_out = _apply_effects(conn, kept, batch.now_ms)
    served_rows = served.counts(conn, account_id, kept)  # before contact_totals moves on
    repository.add_contact_totals(conn, per_contact)
    repository.add_hourly(conn, hourly)
    repository.add_served(conn, served_rows)
    if opted_out:  # the account's hour rows: shared by every writer of the account, so last
        lists_service.count_hourly(
            conn, account_id, [(s, "contacts_blocked", 1) for s in opted_out]
        )
    result.rejected.sort(key=lambda r: r.index)
    return result


def _prepare(account_id: int, drafts: list[Draft], sent: dict[tuple[int, int], int]) -> Prepared:
    """Dedupe in the batch, decide machine flags, and make the rows and totals to store.

    Rows go in storage order (`_STORAGE_ORDER`): by contact, time and key. Inserted in that order
    the per-contact index of events costs a good part less than in any other (its pages are
    visited in order); and two batches holding the same events hold their keys in the same
    order, so each waits for the other at its first shared key instead of deadlocking.
    """
    seen: set[str] = set()
    kept: list[Draft] = []
    for d in drafts:
        key = d.idem_key
        if key is not None:
            if key in seen:
                continue
            seen.add(key)
        d.order_key = key or ""
        kept.append(d)
    kept.sort(key=_STORAGE_ORDER)
    _detect_machines(kept, sent)
    dumps = orjson.dumps
    rows = [
        (
            d.list_id,
            d.contact_id,
            int(d.type),
            d.at_ms,
            d.mailing_id,
            d.link_id,
            d.machine is True,
            d.idem_key,
            None if d.details is None else dumps(d.details).decode(),
        )
        for d in kept
    ]
    return Prepared(kept, len(drafts) - len(kept), rows, aggregates.totals(account_id, kept))


def _resolve_contacts(
    conn: Connection, account_id: int, drafts: list[Draft], rejected: list[Rejected]
) -> list[Draft]:
    uids = {v for d in drafts if (v := d.uid) is not None}
    pairs = {d.email_key() for d in drafts if d.email is not None}
    by_uid = lookup.by_uid(conn, account_id, uids) if uids else {}
    by_email = lookup.by_email(conn, account_id, pairs) if pairs else {}
    kept: list[Draft] = []
    for d in drafts:
        ref = by_uid.get(d.uid) if d.uid is not None else by_email.get(d.email_key())
        if ref is None:
            rejected.append(Rejected(d.index, UNKNOWN_CONTACT))
            continue
        d.contact_id = ref.id
        d.list_id = ref.list_id
        kept.append(d)
    return kept


def _drop_gone(conn: Connection, batch: Batch) -> bool:
    """In the write transaction, after a `resolve` before it: drop the items whose contact is
    gone meanwhile (True if any)."""
    gone = lookup.gone(conn, {d.contact_id for d in batch.drafts})
    if not gone:
        return False
    for d in batch.drafts:
        if d.contact_id in gone:
            batch.rejected.append(Rejected(d.index, UNKNOWN_CONTACT))
    batch.drafts = [d for d in batch.drafts if d.contact_id not in gone]
    return True


def _read_states(conn: Connection, drafts: list[Draft]) -> None:
    """In the write transaction: the current status of each contact whose events change it."""
    changing = [d for d in drafts if d.type in _CHANGING and _change_of(d) is not None]
    if changing:
        current = lookup.current(conn, {d.contact_id for d in changing})
        for d in changing:
            d.contact = current[d.contact_id]


def _resolve_mailings(
    conn: Connection,
    account_id: int,
    drafts: list[Draft],
    rejected: list[Rejected],
    batch: Batch,
) -> list[Draft]:
    ids = {v for d in drafts if (v := d.mailing_id) is not None}
    uuids = {u for d in drafts if (u := d.campaign_activity_id) is not None}
    if not ids and not uuids:
        return drafts
    known, by_activity = mailings_service.resolve(conn, account_id, ids, uuids)
    if batch.create_mailings and (len(known) < len(ids) or len(by_activity) < len(uuids)):
        made, made_by_activity = mailings_service.create_registered(
            conn,
            _FixedClock(batch.now_ms),
            account_id,
            ids - known,
            uuids - by_activity.keys(),
        )
        known |= made
        by_activity.update(made_by_activity)
    kept: list[Draft] = []
    for d in drafts:
        if d.campaign_activity_id is not None:
            d.mailing_id = by_activity.get(d.campaign_activity_id)
            if d.mailing_id is None:
                rejected.append(Rejected(d.index, UNKNOWN_MAILING))
                continue
        elif d.mailing_id is not None and d.mailing_id not in known:
            rejected.append(Rejected(d.index, UNKNOWN_MAILING))
            continue
        kept.append(d)
    return kept


class _FixedClock:
    """The batch's own time, for what resolving creates."""

    def __init__(self, now_ms: int) -> None:
        self._now = now_ms

    def now_ms(self) -> int:
        return self._now


def _resolve_links(
    conn: Connection,
    account_id: int,
    drafts: list[Draft],
    rejected: list[Rejected],
    new_urls: set[str],
) -> list[Draft]:
    """Link ids for URLs already known; URLs seen for the first time go to `new_urls`."""
    urls = {v for d in drafts if (v := d.link_url) is not None}
    ids = {i for d in drafts if (i := d.link_id) is not None}
    if not urls and not ids:
        return drafts
    by_url = repository.find_links(conn, account_id, urls) if urls else {}
    known = repository.known_link_ids(conn, account_id, ids) if ids else set()
    kept: list[Draft] = []
    for d in drafts:
        if d.link_url is not None:
            link_id = by_url.get(d.link_url)
            if link_id is None:
                new_urls.add(d.link_url)
            d.link_id = link_id
        elif d.link_id is not None and d.link_id not in known:
            rejected.append(Rejected(d.index, UNKNOWN_LINK))
            continue
        kept.append(d)
    return kept


def _create_links(conn: Connection, account_id: int, batch: Batch, now_s: int) -> None:
    made = repository.create_links(conn, account_id, batch.new_urls, now_s)
    for d in batch.drafts:
        if d.link_id is None and d.link_url is not None:
            d.link_id = made[d.link_url]
    batch.new_urls = set()


def _flag_clients(drafts: list[Draft]) -> None:
    """Flag opens and clicks whose user agent or address is a proxy's or a scanner's."""
    agent, address = machine.is_machine_agent, machine.is_machine_address
    for d in drafts:
        if (
            d.machine is None
            and d.type in _DETECTED
            and (details := d.details) is not None
            and (agent(details.get("user_agent")) or address(details.get("ip")))
        ):
            d.machine = True


def _detect_machines(drafts: list[Draft], stored_sent: dict[tuple[int, int], int]) -> None:
    """Decide the opens and clicks still open (`_flag_clients` ran): too soon after the send?"""
    candidates = [d for d in drafts if d.machine is None and d.type in _DETECTED]
    if not candidates:
        return
    sent = dict(stored_sent)
    for d in drafts:
        if d.type is _SENDS and d.mailing_id is not None:
            key = (d.contact_id, d.mailing_id)
            if d.at_ms > sent.get(key, -1):
                sent[key] = d.at_ms
    too_fast = machine.is_too_fast
    for d in candidates:
        sent_ms = sent.get((d.contact_id, d.mailing_id)) if d.mailing_id is not None else None
        d.machine = too_fast(d.at_ms, sent_ms)


def _change_of(d: Draft) -> str | None:
    """The status change an event asks for: hard bounces, complaints and opt-outs."""
    if d.type is EventType.EM_BOUNCES:
        return "bounce" if d.details is not None and d.details["bounce_type"] == "hard" else None
    return _EFFECTS.get(d.type)


def _apply_effects(conn: Connection, kept: list[Draft], now_ms: int) -> list[int]:
    """Apply the batch's status changes; the times (Unix s) of those that opted a contact out."""
    changes: list[effects.Change] = []
    for d in kept:
        if d.type in _CHANGING and (change := _change_of(d)) is not None:
            state = d.contact
            changes.append(
                effects.Change(state.id, state.status, state.status_changed_ms, change, d.at_ms)
            )
    opted_out: list[int] = []
    if changes:
        effects.apply(conn, changes, now_ms // 1000, opted_out)
    return opted_out
