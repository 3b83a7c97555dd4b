"""All SQL of the contacts domain; every query is scoped by list or account."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Connection,
    Integer,
    Text,
    bindparam,
    case,
    delete,
    func,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from mailroom.contacts import status
from mailroom.contacts.schemas import Contact
from mailroom.contacts.status import ACTIVE
from mailroom.db import backend
from mailroom.db.hotread import HotRead
from mailroom.db.tables import contacts, lists
from mailroom.kit import jsonx
from mailroom.lists.schemas import ListCounts

# Dataclass order, so a row converts with Contact(*row).
_COLUMNS = (
    contacts.c.id,
    contacts.c.uid,
    contacts.c.account_id,
    contacts.c.list_id,
    contacts.c.email,
    contacts.c.status,
    contacts.c.fields,
    contacts.c.created,
    contacts.c.modified,
    contacts.c.unsubscribe_date,
    contacts.c.resubscribe_date,
    contacts.c.bounce_date,
    contacts.c.complaint_date,
    contacts.c.import_id,
    contacts.c.status_changed_ms,
    contacts.c.email_changed,
)
_SELECT = select(*_COLUMNS)

SORTABLE: dict[str, Any] = {
    "id": contacts.c.id,
    "email": contacts.c.email,
    "ocx_status": contacts.c.status,
    "ocx_created_date": contacts.c.created,
    "created": contacts.c.created,
    "modified": contacts.c.modified,
    "ocx_unsubscribe_date": contacts.c.unsubscribe_date,
    "ocx_resubscribe_date": contacts.c.resubscribe_date,
    "ocx_bounce_date": contacts.c.bounce_date,
    "ocx_complaint_date": contacts.c.complaint_date,
}


def _contact(row: Any) -> Contact:
    return Contact(*row)


# Single-contact reads: statements built once, values bound per call.
_BY_EMAIL = _SELECT.where(
    contacts.c.list_id == bindparam("list_id"), contacts.c.email == bindparam("email")
)
_BY_UID = _SELECT.where(
    contacts.c.list_id == bindparam("list_id"), contacts.c.uid == bindparam("uid")
)


def _one(conn: Connection, statement: Any, params: dict[str, Any]) -> Contact | None:
    row = conn.execute(statement, params).first()
    return Contact(*row) if row is not None else None


def _one_by(key: Any) -> HotRead:
    """One contact by `key` (email or uid) in a list of the account, with the list's
    fields_version (for the cached field schema): the hot path's one query."""
    return HotRead(
        select(*_COLUMNS, lists.c.fields_version)
        .select_from(
            contacts.join(
                lists,
                (lists.c.id == contacts.c.list_id)
                & (lists.c.account_id == bindparam("account_id")),
            )
        )
        .where(contacts.c.list_id == bindparam("list_id"), key == bindparam("key"))
    )


_ONE_BY = {"email": _one_by(contacts.c.email), "uid": _one_by(contacts.c.uid)}


def one_in_account_list(
    conn: Connection, by: str, account_id: int, list_id: int, key: str
) -> tuple[Contact, int] | None:
    """(contact, the list's fields_version) if the list is the account's and holds the contact
    whose `by` ("email" or "uid") is `key`."""
    row = _ONE_BY[by].first(conn, {"account_id": account_id, "list_id": list_id, "key": key})
    return (Contact(*row[:-1]), int(row[-1])) if row is not None else None


def _many_by(key: Any) -> HotRead:
    wanted = (
        func.unnest(
            bindparam("account_ids", type_=ARRAY(BigInteger)),
            bindparam("list_ids", type_=ARRAY(BigInteger)),
            bindparam("keys", type_=ARRAY(Text)),
            bindparam("slots", type_=ARRAY(Integer)),
        )
        .table_valued("account_id", "list_id", "key", "slot")
        .render_derived()
    )
    return HotRead(
        select(*_COLUMNS, lists.c.fields_version, wanted.c.slot).select_from(
            wanted.join(
                contacts, (contacts.c.list_id == wanted.c.list_id) & (key == wanted.c.key)
            ).join(
                lists,
                (lists.c.id == contacts.c.list_id) & (lists.c.account_id == wanted.c.account_id),
            )
        )
    )


# PostgreSQL only (unnest): many single-contact reads of different callers in one query.
_MANY_BY = {"email": _many_by(contacts.c.email), "uid": _many_by(contacts.c.uid)}


def many_in_account_lists(
    conn: Connection, by: str, wanted: Sequence[tuple[int, int, str]]
) -> dict[int, tuple[Contact, int]]:
    """PostgreSQL: position in `wanted` -> (contact, list fields_version) for each found.

    `wanted` holds (account id, list id, email or uid); each is looked up in its own account.
    """
    params = {
        "account_ids": [w[0] for w in wanted],
        "list_ids": [w[1] for w in wanted],
        "keys": [w[2] for w in wanted],
        "slots": list(range(len(wanted))),
    }
    return {row[-1]: (Contact(*row[:-2]), int(row[-2])) for row in _MANY_BY[by].all(conn, params)}


def by_email(conn: Connection, list_id: int, email: str) -> Contact | None:
    return _one(conn, _BY_EMAIL, {"list_id": list_id, "email": email})


def by_uid(conn: Connection, list_id: int, uid: str) -> Contact | None:
    return _one(conn, _BY_UID, {"list_id": list_id, "uid": uid})


def by_emails(conn: Connection, list_id: int, emails: Sequence[str]) -> list[Contact]:
    if not emails:
        return []
    query = _SELECT.where(
        contacts.c.list_id == list_id, backend.in_values(conn, contacts.c.email, emails)
    )
    return [_contact(r) for r in conn.execute(query)]


def by_uids(conn: Connection, list_id: int, uids: Sequence[str]) -> list[Contact]:
    if not uids:
        return []
    query = _SELECT.where(
        contacts.c.list_id == list_id, backend.in_values(conn, contacts.c.uid, uids)
    )
    return [_contact(r) for r in conn.execute(query)]


def in_account(conn: Connection, account_id: int, email: str) -> list[Contact]:
    query = _SELECT.where(contacts.c.account_id == account_id, contacts.c.email == email).order_by(
        contacts.c.list_id
    )
    return [_contact(r) for r in conn.execute(query)]


INSERT_COLUMNS = (
    "uid",
    "account_id",
    "list_id",
    "email",
    "fields",
    "created",
    "modified",
    "import_id",
)


def insert_new(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> set[str] | None:
    """Insert contacts (tuples in INSERT_COLUMNS order, `fields` as a dict).

    Emails a concurrent writer added first are skipped; returns None when every row went in,
    else the emails that did.
    """
    if not rows:
        return None
    dumps = jsonx.dumps
    values = [(*r[:4], dumps(r[4]).decode(), *r[5:]) for r in rows]
    inserted = backend.insert_many_ignore(
        conn, contacts, INSERT_COLUMNS, values, index_elements=("list_id", "email")
    )
    if inserted == len(rows):
        return None
    ours = conn.execute(
        select(contacts.c.email).where(contacts.c.uid.in_([r[0] for r in rows]))
    ).scalars()
    return set(ours)


def update_fields(
    conn: Connection, rows: Sequence[tuple[int, dict[str, Any]]], now: int, import_id: int | None
) -> None:
    """New `fields` for many contacts (id, fields); one driver call."""
    if not rows:
        return
    dumps = jsonx.dumps
    if import_id is None:
        backend.update_many(
            conn,
            contacts,
            "id",
            ("fields", "modified"),
            [(i, dumps(f).decode(), now) for i, f in rows],
        )
        return
    backend.update_many(
        conn,
        contacts,
        "id",
        ("fields", "modified", "import_id"),
        [(i, dumps(f).decode(), now, import_id) for i, f in rows],
    )


def update_status(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Rows of {id, <changed columns>}, all with the same columns, in one driver call.

    A row whose stored `status_changed_ms` is newer than the one written is left alone, so a
    concurrent later change (an engagement event) wins, as `contacts.status` requires.
    """
    if not rows:
        return
    columns = tuple(k for k in rows[0] if k != "id")
    values = [(r["id"], *(r[c] for c in columns)) for r in sorted(rows, key=lambda r: r["id"])]
    backend.update_many(conn, contacts, "id", columns, values, unless_newer="status_changed_ms")


def delete_ids(conn: Connection, ids: Iterable[int]) -> int:
    id_list = list(ids)
    if not id_list:
        return 0
    return conn.execute(delete(contacts).where(contacts.c.id.in_(id_list))).rowcount


def set_email(conn: Connection, contact_id: int, email: str, now: int) -> None:
    conn.execute(
        update(contacts)
        .where(contacts.c.id == contact_id)
        .values(email=email, email_changed=now, modified=now)
    )


def _status_filter(list_id: int, statuses: Sequence[str] | None) -> list[ColumnElement[bool]]:
    where = [contacts.c.list_id == list_id]
    if statuses is not None:
        where.append(contacts.c.status.in_(statuses))
    return where


def page(
    conn: Connection,
    list_id: int,
    statuses: Sequence[str] | None,
    *,
    sort: str,
    descending: bool,
    offset: int,
    limit: int,
) -> list[Contact]:
    column = SORTABLE[sort]
    order = [column.desc(), contacts.c.id.desc()] if descending else [column, contacts.c.id]
    query = (
        _SELECT.where(*_status_filter(list_id, statuses))
        .order_by(*order)
        .offset(offset)
        .limit(limit)
    )
    return [_contact(r) for r in conn.execute(query)]


def count(conn: Connection, list_id: int, statuses: Sequence[str] | None) -> int:
    query = select(func.count()).select_from(contacts).where(*_status_filter(list_id, statuses))
    return int(conn.execute(query).scalar_one())


def account_of_list(conn: Connection, list_id: int) -> int | None:
    """The owner of a list, for admin tools (the CLI import) that name a list without an account."""
    value = conn.execute(select(lists.c.account_id).where(lists.c.id == list_id)).scalar()
    return int(value) if value is not None else None


def _status_sum(name: str) -> Any:
    return func.sum(case((contacts.c.status == name, 1), else_=0))


def counts_by_list(conn: Connection, list_ids: Sequence[int]) -> dict[int, ListCounts]:
    """Contacts per list and status, for many lists in one grouped query."""
    if not list_ids:
        return {}
    stmt = (
        select(
            contacts.c.list_id,
            func.count(),
            _status_sum(status.ACTIVE),
            _status_sum(status.UNSUBSCRIBED),
            _status_sum(status.BOUNCED),
            _status_sum(status.COMPLAINT),
        )
        .where(contacts.c.list_id.in_(list(list_ids)))
        .group_by(contacts.c.list_id)
    )
    return {int(r[0]): ListCounts(*(int(v or 0) for v in r[1:])) for r in conn.execute(stmt).all()}


# Bulk resolution and status writes for ingest (`contacts.lookup`, `contacts.effects`). Columns
# near the row's start: reaching the status columns past the fields JSON costs a lookup of 8,000
# contacts about a fifth more.
REF_COLUMNS = ("id", "uid", "list_id", "email")


def refs_by_uid(conn: Connection, account_id: int, uids: Iterable[str]) -> list[Any]:
    """(id, uid, list_id) of the account's contacts among `uids`."""
    return backend.fetch_in(
        conn,
        contacts,
        REF_COLUMNS[:3],
        ("uid",),
        [(u,) for u in set(uids)],
        equals={"account_id": account_id},
    )


def refs_by_email(conn: Connection, account_id: int, pairs: Iterable[tuple[int, str]]) -> list[Any]:
    """(id, uid, list_id, email) of the account's contacts among (list id, email) pairs."""
    return backend.fetch_in(
        conn, contacts, REF_COLUMNS, ("list_id", "email"), pairs, equals={"account_id": account_id}
    )


def missing_ids(conn: Connection, ids: Iterable[int]) -> set[int]:
    return backend.missing_keys(conn, contacts, "id", ids)


def status_states(conn: Connection, ids: Iterable[int]) -> list[Any]:
    """(id, status, status_changed_ms) of the contacts among `ids` that exist."""
    return backend.fetch_in(
        conn, contacts, ("id", "status", "status_changed_ms"), ("id",), [(i,) for i in set(ids)]
    )


def update_statuses(
    conn: Connection, shape: tuple[str, ...], rows: Sequence[tuple[Any, ...]]
) -> None:
    """One UPDATE of `shape` columns per row (id first), skipping newer status changes."""
    backend.update_many(conn, contacts, "id", shape, rows, unless_newer="status_changed_ms")


def search(
    conn: Connection,
    list_id: int,
    *,
    prefix: str,
    status: str | None,
    after_email: str | None,
    limit: int,
) -> list[Contact]:
    """Up to `limit` of a list's contacts in email order whose email starts with `prefix`,
    after `after_email`: a keyset page over the (list_id, email) index at any depth."""
    where: list[ColumnElement[bool]] = [contacts.c.list_id == list_id]
    if prefix:
        # The range lets the index find the first match; startswith keeps the answer exact
        # whatever the column's collation.
        where += [
            contacts.c.email >= prefix,
            contacts.c.email < prefix[:-1] + chr(ord(prefix[-1]) + 1),
            contacts.c.email.startswith(prefix, autoescape=True),
        ]
    if status is not None:
        where.append(contacts.c.status == status)
        if status != ACTIVE:  # spelled out so SQLite, too, sees the partial index applies
            where.append(contacts.c.status != ACTIVE)
    if after_email is not None:
        where.append(contacts.c.email > after_email)
    query = _SELECT.where(*where).order_by(contacts.c.email).limit(limit)
    return [_contact(r) for r in conn.execute(query)]


def by_uid_in_account(conn: Connection, account_id: int, uid: str) -> Contact | None:
    query = _SELECT.where(contacts.c.uid == uid, contacts.c.account_id == account_id)
    return _one(conn, query, {})


def page_among(
    conn: Connection,
    list_id: int,
    among: Any,
    *,
    sort: str,
    descending: bool,
    offset: int,
    limit: int | None,
) -> list[Contact]:
    """A page of the list's contacts whose ids `among` (a Select of ids) yields."""
    column = SORTABLE[sort]
    order = [column.desc(), contacts.c.id.desc()] if descending else [column, contacts.c.id]
    query = (
        _SELECT.where(contacts.c.list_id == list_id, contacts.c.id.in_(among))
        .order_by(*order)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return [_contact(r) for r in conn.execute(query)]


def count_among(conn: Connection, list_id: int, among: Any) -> int:
    query = (
        select(func.count())
        .select_from(contacts)
        .where(contacts.c.list_id == list_id, contacts.c.id.in_(among))
    )
    return int(conn.execute(query).scalar_one())


def after_among(
    conn: Connection, list_id: int, among: Any, after_id: int, limit: int
) -> list[Contact]:
    """The next `limit` contacts by id after `after_id` among `among`: keyset paging for exports."""
    query = (
        _SELECT.where(
            contacts.c.list_id == list_id, contacts.c.id > after_id, contacts.c.id.in_(among)
        )
        .order_by(contacts.c.id)
        .limit(limit)
    )
    return [_contact(r) for r in conn.execute(query)]
