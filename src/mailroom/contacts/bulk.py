"""The one bulk write path for contacts, shared by the HTTP APIs and the CSV import.

Per batch: one IN query finds the existing contacts, items are applied in order in memory (so a
repeated email behaves as if sent in two calls), then one executemany inserts and one updates.

Semantics (Ongage's POST/PUT /api/v2/contacts):
- create: a new email is created; an existing one is updated only with `overwrite`, otherwise it
  fails with ALREADY_EXISTS (it is neither created nor updated, so not a success).
- update: existing contacts only, found by email or by id (`uid`); unknown ones fail NOT_FOUND.
- an invalid item (bad email, unknown field, unparsable value, missing mandatory value) writes
  nothing of that contact and is recorded in `invalid` as well as in `failures`.
- `revived` stays 0: removed contacts are deleted, so re-adding an email simply creates it.
- status is never changed here: re-adding an unsubscribed contact keeps it unsubscribed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import Connection

from mailroom.contacts import repository
from mailroom.contacts.schemas import (
    ALREADY_EXISTS,
    NOT_FOUND,
    Contact,
    ContactInput,
    FieldError,
    WriteResult,
)
from mailroom.contacts.values import EMAIL, FieldIndex, InvalidContact, parse_email
from mailroom.kit import ids
from mailroom.kit.clock import Clock
from mailroom.lists import service as lists_service

Mode = Literal["create", "update"]
EMAIL_CHANGE_BY_UPDATE = "The email of a contact cannot be changed by an update; use change_email"


@dataclass(slots=True)
class _Prepared:
    key: str
    email: str | None
    uid: str | None
    typed: dict[str, Any]
    overwrite: bool


@dataclass(slots=True)
class _Target:
    """A contact as this batch leaves it: an existing row (id set) or one to insert."""

    id: int | None
    uid: str
    email: str
    fields: dict[str, Any]
    dirty: bool = False
    overwrite: bool = False
    key: str = ""


def _prepare(index: FieldIndex, item: ContactInput, mode: Mode) -> _Prepared:
    key = item.key or (item.email if isinstance(item.email, str) else "")
    raw = item.fields
    email_value = item.email
    if EMAIL in raw:
        raw = {k: v for k, v in raw.items() if k != EMAIL}
        in_fields = item.fields[EMAIL]
        if email_value in (None, ""):
            email_value = in_fields
        elif in_fields not in (None, "") and parse_email(key, in_fields) != parse_email(
            key, email_value
        ):
            raise InvalidContact(FieldError(key, EMAIL, "fields.email differs from email"))
    if mode == "update" and item.uid and email_value in (None, ""):
        email = None
    else:
        email = parse_email(key, email_value)
    return _Prepared(key or (email or ""), email, item.uid, index.parse(key, raw), item.overwrite)


def write_contacts(
    conn: Connection,
    clock: Clock,
    account_id: int,
    index: FieldIndex,
    items: Sequence[ContactInput],
    *,
    mode: Mode = "create",
    import_id: int | None = None,
) -> WriteResult:
    """Create or update a batch of contacts of one list; see the module docstring."""
    list_id = index.schema.list_id
    result = WriteResult(rows=len(items))
    prepared: list[_Prepared] = []
    for item in items:
        try:
            prepared.append(_prepare(index, item, mode))
        except InvalidContact as exc:
            result.reject(exc.error)

    emails = list({p.email for p in prepared if p.email is not None})
    targets: dict[str, _Target] = {
        c.email: _Target(c.id, c.uid, c.email, c.fields or {})
        for c in repository.by_emails(conn, list_id, emails)
    }
    by_uid: dict[str, Contact] = {}
    uids = [p.uid for p in prepared if p.uid and ids.is_object_id(p.uid)]
    if mode == "update" and uids:
        by_uid = {c.uid: c for c in repository.by_uids(conn, list_id, uids)}

    now_ms = clock.now_ms()
    for p in prepared:
        try:
            _apply(p, index, mode, targets, by_uid, result, now_ms)
        except InvalidContact as exc:
            result.reject(exc.error)

    now = now_ms // 1000
    new = [t for t in targets.values() if t.id is None]
    added = len(new)
    if new:
        rows = [(t.uid, account_id, list_id, t.email, t.fields, now, now, import_id) for t in new]
        inserted = repository.insert_new(conn, rows)
        if inserted is not None:
            lost = [t for t in new if t.email not in inserted]
            added -= len(lost)
            _settle_lost_races(conn, list_id, lost, targets, result)
    changed = [(t.id, t.fields) for t in targets.values() if t.dirty and t.id is not None]
    repository.update_fields(conn, changed, now, import_id)
    if added:  # last: the account's hour row, which concurrent writers of the account share
        lists_service.count_hourly(conn, account_id, [(now, "contacts_added", added)])
    return result


def _apply(
    p: _Prepared,
    index: FieldIndex,
    mode: Mode,
    targets: dict[str, _Target],
    by_uid: dict[str, Contact],
    result: WriteResult,
    now_ms: int,
) -> None:
    email = p.email
    if mode == "update" and p.uid:
        found = by_uid.get(p.uid)
        if found is None:
            result.fail(p.key, NOT_FOUND)
            return
        if email is not None and email != found.email:
            result.reject(FieldError(p.key, EMAIL, EMAIL_CHANGE_BY_UPDATE))
            return
        email = found.email
    assert email is not None
    target = targets.get(email)
    if target is None:
        if mode == "update":
            result.fail(p.key, NOT_FOUND)
            return
        values = index.new_values(p.key, p.typed)
        target = targets[email] = _Target(None, ids.object_id(now_ms), email, values)
        target.overwrite, target.key = p.overwrite, p.key
        result.created += 1
        result.created_emails[email] = target.uid
        return
    if mode == "create" and not p.overwrite:
        result.fail(p.key, ALREADY_EXISTS)
        return
    target.fields = index.merged(p.key, target.fields, p.typed)
    target.dirty = True
    result.updated += 1
    result.updated_emails[email] = target.uid


def _settle_lost_races(
    conn: Connection,
    list_id: int,
    lost: list[_Target],
    targets: dict[str, _Target],
    result: WriteResult,
) -> None:
    """Emails another writer created between our lookup and insert: update them or fail."""
    current = {c.email: c for c in repository.by_emails(conn, list_id, [t.email for t in lost])}
    for t in lost:
        result.created -= 1
        result.created_emails.pop(t.email, None)
        result.updated_emails.pop(t.email, None)
        found = current.get(t.email)
        if found is None or not t.overwrite:
            result.fail(t.key, ALREADY_EXISTS)
            del targets[t.email]
            continue
        targets[t.email] = _Target(found.id, found.uid, t.email, {**found.fields, **t.fields}, True)
        result.updated += 1
        result.updated_emails[t.email] = found.uid
