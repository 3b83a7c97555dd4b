"""Use cases of the contacts domain: read, list, delete, change email, change status.

Every call is scoped to one list the caller already resolved for its account (so another
account's contact is simply not found); `in_account` is the one account-wide read.
Bulk creates and updates live in `contacts.bulk`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection

from mailroom.contacts import hooks, repository, status
from mailroom.contacts.hooks import StatusChange
from mailroom.contacts.schemas import (
    EMAIL_NOT_FOUND,
    NOT_FOUND,
    Contact,
    DeleteResult,
    StatusResult,
)
from mailroom.contacts.values import InvalidContact, parse_email
from mailroom.errors import NotFound, ValidationFailed
from mailroom.kit.clock import Clock, now_s
from mailroom.kit.emails import is_email
from mailroom.kit.ids import is_object_id, positive_int
from mailroom.lists import service as lists_service
from mailroom.lists.schemas import ListCounts
from mailroom.lists.service import LIST_NOT_FOUND
from mailroom.mailings import service as mailings_service

USER_TYPES: dict[str, tuple[str, ...] | None] = {
    "all": None,
    "active": (status.ACTIVE,),
    "inactive": (status.UNSUBSCRIBED, status.BOUNCED, status.COMPLAINT),
    "unsubscribed": (status.UNSUBSCRIBED,),
    "unsubscribe": (status.UNSUBSCRIBED,),
    "bounced": (status.BOUNCED,),
    "bounce": (status.BOUNCED,),
    "complaint": (status.COMPLAINT,),
    "complaints": (status.COMPLAINT,),
}
SORTABLE = tuple(repository.SORTABLE)


def _email_or_412(value: object, name: str = "email") -> str:
    try:
        return parse_email(name, value)
    except InvalidContact as exc:
        raise ValidationFailed(
            exc.error.message, errors=[{"field": name, "message": exc.error.message}]
        ) from None


def owner_of_list(conn: Connection, list_id: int) -> int:
    """The account a list belongs to, for admin tools that name only the list (CLI import)."""
    account_id = repository.account_of_list(conn, list_id)
    if account_id is None:
        raise NotFound(LIST_NOT_FOUND)
    return account_id


def get_by_email(
    conn: Connection, account_id: int, list_id: int, email: str
) -> tuple[Contact, int]:
    """(contact, its list's fields_version) by email (any case) in a list of the account.

    One query on the hot path. 404 "List not found" for a list the account does not have, else
    "Email not found".
    """
    found = None
    if is_email(email):
        found = repository.one_in_account_list(
            conn, "email", account_id, list_id, email.strip().lower()
        )
    if found is None:
        lists_service.get_list(conn, account_id, list_id)
        raise NotFound(EMAIL_NOT_FOUND)
    return found


def get_by_uid(conn: Connection, account_id: int, list_id: int, uid: str) -> tuple[Contact, int]:
    """(contact, its list's fields_version) by id in a list of the account; 404 as by email."""
    found = None
    if is_object_id(uid):
        found = repository.one_in_account_list(conn, "uid", account_id, list_id, uid.lower())
    if found is None:
        lists_service.get_list(conn, account_id, list_id)
        raise NotFound(NOT_FOUND)
    return found


def in_account(conn: Connection, account_id: int, email: str) -> list[Contact]:
    """The contact of that email in every list of the account."""
    return repository.in_account(conn, account_id, _email_or_412(email))


def page(
    conn: Connection,
    list_id: int,
    *,
    user_type: str = "all",
    sort: str = "id",
    descending: bool = False,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Contact], int]:
    """One page of a list's contacts and the total matching `user_type`."""
    key = user_type.strip().lower() or "all"
    if key not in USER_TYPES:
        raise ValidationFailed(
            f"user_type must be one of {', '.join(USER_TYPES)}",
            errors=[{"field": "user_type", "message": f"unknown value {user_type!r}"}],
        )
    if sort not in repository.SORTABLE:
        raise ValidationFailed(
            f"sort must be one of {', '.join(SORTABLE)}",
            errors=[{"field": "sort", "message": f"unknown column {sort!r}"}],
        )
    statuses = USER_TYPES[key]
    rows = repository.page(
        conn, list_id, statuses, sort=sort, descending=descending, offset=offset, limit=limit
    )
    return rows, repository.count(conn, list_id, statuses)


def search(
    conn: Connection,
    list_id: int,
    *,
    prefix: str = "",
    state: str | None = None,
    after_email: str | None = None,
    limit: int = 50,
) -> tuple[list[Contact], bool]:
    """A page of a list's contacts in email order, by email prefix and status; and whether
    another page follows. The list must already be known to be the caller's."""
    if state is not None and state not in status.OCX_STATUS:
        raise ValidationFailed(f"status must be one of {', '.join(status.OCX_STATUS)}")
    rows = repository.search(
        conn,
        list_id,
        prefix=prefix.strip().lower(),
        status=state,
        after_email=after_email,
        limit=limit + 1,
    )
    return rows[:limit], len(rows) > limit


def by_uid(conn: Connection, account_id: int, uid: str) -> Contact:
    """The account's contact with this public id, in whichever list; NotFound otherwise."""
    found = repository.by_uid_in_account(conn, account_id, uid.strip().lower())
    if found is None:
        raise NotFound(NOT_FOUND)
    return found


def page_among(
    conn: Connection,
    list_id: int,
    among: Any,
    *,
    sort: str = "id",
    descending: bool = False,
    offset: int = 0,
    limit: int | None = 50,
) -> tuple[list[Contact], int]:
    """A page of the list's contacts among the ids a query yields (a segment, a search) and
    their total; `sort` is one of `SORTABLE`."""
    if sort not in repository.SORTABLE:
        raise ValidationFailed(
            f"sort must be one of {', '.join(SORTABLE)}",
            errors=[{"field": "sort", "message": f"unknown column {sort!r}"}],
        )
    rows = repository.page_among(
        conn, list_id, among, sort=sort, descending=descending, offset=offset, limit=limit
    )
    return rows, repository.count_among(conn, list_id, among)


def stream_among(
    conn: Connection, list_id: int, among: Any, chunk: int = 2000
) -> Iterator[list[Contact]]:
    """The list's contacts among the ids a query yields, by id, `chunk` at a time."""
    after = 0
    while True:
        rows = repository.after_among(conn, list_id, among, after, chunk)
        if not rows:
            return
        yield rows
        after = rows[-1].id


def _delete(conn: Connection, found: Sequence[Contact]) -> None:
    """Hard-delete contacts of one list; activity purges their events first (`hooks.deleting`)."""
    if found:
        hooks.deleting(conn, found[0].account_id, [c.id for c in found])
        repository.delete_ids(conn, (c.id for c in found))


def delete_contacts(conn: Connection, list_id: int, uids: Sequence[str]) -> DeleteResult:
    """Hard-delete contacts of the list by id; unknown ids are reported, not an error."""
    result = DeleteResult()
    wanted = list(dict.fromkeys(u.strip().lower() for u in uids))
    valid = [u for u in wanted if is_object_id(u)]
    found = {c.uid: c for c in repository.by_uids(conn, list_id, valid)}
    _delete(conn, list(found.values()))
    for uid in wanted:
        if uid in found:
            result.deleted[uid] = found[uid].email
        else:
            result.missing.append(uid)
    return result


def change_email(
    conn: Connection, clock: Clock, list_id: int, email: object, new_email: object, window_s: int
) -> Contact:
    """Give a contact a new key email; the same contact changes again only after `window_s`."""
    old = _email_or_412(email, "email")
    new = _email_or_412(new_email, "new_email")
    contact = repository.by_email(conn, list_id, old)
    if contact is None:
        raise NotFound(EMAIL_NOT_FOUND)
    if new == old:
        raise ValidationFailed(
            "new_email is the same as email",
            errors=[{"field": "new_email", "message": "same as the current email"}],
        )
    now = now_s(clock)
    if contact.email_changed is not None and now - contact.email_changed < window_s:
        wait = window_s - (now - contact.email_changed)
        raise ValidationFailed(
            f"The email of this contact was changed less than {window_s} seconds ago;"
            f" try again in {wait} seconds",
            errors=[{"field": "email", "message": "changed too recently"}],
        )
    if repository.by_email(conn, list_id, new) is not None:
        raise ValidationFailed(
            f"{new} already exists in this list",
            errors=[{"field": "new_email", "message": "already exists in this list"}],
        )
    repository.set_email(conn, contact.id, new, now)
    contact.email, contact.email_changed, contact.modified = new, now, now
    return contact


def _positive_id(value: object, name: str) -> int | None:
    """An optional id given as a number or a numeric string; 412 naming `name` otherwise."""
    if value is None or value == "":
        return None
    try:
        return positive_int(value, name)
    except ValueError:
        raise ValidationFailed(
            f"{name} must be a positive integer",
            errors=[{"field": name, "message": "must be a positive integer"}],
        ) from None


def _credited_mailing(conn: Connection, account_id: int, value: object, name: str) -> int | None:
    """The id of the account's mailing a status change is credited to, if one is named."""
    mailing_id = _positive_id(value, name)
    if mailing_id is not None:
        known, _ = mailings_service.resolve(conn, account_id, [mailing_id])
        if mailing_id not in known:
            message = f"{name} {mailing_id} is not a mailing of this account"
            raise ValidationFailed(message, errors=[{"field": name, "message": message}])
    return mailing_id


def change_status(
    conn: Connection,
    clock: Clock,
    account_id: int,
    list_id: int,
    emails: Sequence[object],
    change_to: str,
    *,
    mailing: object = None,
    connection: object = None,
) -> StatusResult:
    """Apply one `change_to` to many emails with one lookup and one write.

    A contact already in the target state counts as a success and keeps its first date;
    `soft_bounce` changes nothing but is accepted; `remove` deletes the contacts and their
    activity. An unsubscribe, complaint or bounce that changes a contact is also stored as its
    engagement event (by activity, through `hooks.status_changed`), credited to `mailing`
    (Ongage's `ocx_child_id`: a mailing of the account) and `connection`
    (`ocx_connection_id`) when given.
    """
    if change_to not in status.CHANGE_TO_VALUES:
        raise ValidationFailed(
            f"change_to must be one of {', '.join(status.CHANGE_TO_VALUES)}",
            errors=[{"field": "change_to", "message": f"unknown value {change_to!r}"}],
        )
    connection_id = _positive_id(connection, "ocx_connection_id")
    mailing_id = _credited_mailing(conn, account_id, mailing, "ocx_child_id")
    result = StatusResult(rows=len(emails))
    wanted: dict[str, str] = {}
    for raw in emails:
        try:
            wanted.setdefault(parse_email("emails", raw), str(raw))
        except InvalidContact as exc:
            result.failures.append((str(raw), exc.error.message))
    found = {c.email: c for c in repository.by_emails(conn, list_id, list(wanted))}
    for email, raw in wanted.items():
        if email not in found:
            result.failures.append((raw, EMAIL_NOT_FOUND))
    if change_to == status.REMOVE:
        _delete(conn, list(found.values()))
    elif change_to in status.CHANGES:
        at_ms = clock.now_ms()
        rows = []
        changed: list[Contact] = []
        opted_out: list[tuple[int, str, int]] = []
        for contact in found.values():
            change = status.transition(contact.status, contact.status_changed_ms, change_to, at_ms)
            if change is not None:
                rows.append({"id": contact.id, **change, "modified": at_ms // 1000})
                changed.append(contact)
                if status.opts_out(contact.status, change["status"]):
                    opted_out.append((at_ms // 1000, "contacts_blocked", 1))
        repository.update_status(conn, rows)
        if changed:  # activity records each change's engagement event (`hooks.status_changed`)
            uids = [c.uid for c in changed]
            hooks.status_changed(
                conn,
                clock,
                StatusChange(account_id, change_to, at_ms, uids, mailing_id, connection_id),
            )
        lists_service.count_hourly(conn, account_id, opted_out)  # last: the account's hour row
    result.changed = {c.email: c.uid for c in found.values()}
    return result


def counts_by_list(conn: Connection, list_ids: Sequence[int]) -> dict[int, ListCounts]:
    """Contacts per list and status, for many lists in one grouped query (`lists.hooks`)."""
    return repository.counts_by_list(conn, list_ids)
