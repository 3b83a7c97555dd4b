"""An audience: active contacts in any included segment and in no excluded one, as one query."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Select,
    and_,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    not_,
    null,
    or_,
    select,
)

from mailroom.db.tables import contacts
from mailroom.errors import NotFound
from mailroom.segments import service as segments_service


def segment_problems(
    conn: Connection, account_id: int, list_id: int, ids: Iterable[int]
) -> list[str]:
    """What is wrong with the segments `ids` for a mailing or an event of list `list_id`: ids
    that are no segment of the account, and segments of another list (whose contacts a send
    of this list must not reach, as a nested segment of another list is refused)."""
    missing: list[int] = []
    foreign: list[int] = []
    for segment_id in sorted(set(ids)):
        try:
            row = segments_service.get_segment(conn, account_id, segment_id)
        except NotFound:
            missing.append(segment_id)
            continue
        if int(row.list_id) != list_id:
            foreign.append(segment_id)
    problems = [f"segments not found: {missing}"] if missing else []
    if foreign:
        problems.append(f"segments of another list than {list_id}: {foreign}")
    return problems


def where(
    conn: Connection, account_id: int, included: Sequence[int], excluded: Sequence[int]
) -> Any:
    """A where-clause over `contacts`: active, in an included segment, in no excluded one."""
    inside = [
        segments_service.contact_selection(conn, account_id, s, user_type="active").where
        for s in included
    ]
    clause = or_(*inside) if inside else false()
    for segment_id in excluded:
        out = segments_service.contact_selection(conn, account_id, segment_id).where
        clause = and_(clause, not_(func.coalesce(out, false())))  # NULL: not in it
    return and_(contacts.c.account_id == account_id, contacts.c.status == "active", clause)


def segment(conn: Connection, account_id: int, included: Sequence[int]) -> Any:
    """The id of the first included segment a contact is in (``{{ocx_segment_id}}``), as an
    expression over `contacts`: the id itself when there is one segment."""
    if not included:
        return cast(null(), BigInteger)
    if len(included) == 1:
        return literal(int(included[0]), BigInteger)
    whens = [
        (segments_service.contact_selection(conn, account_id, s, user_type="active").where, s)
        for s in included
    ]
    return case(*((func.coalesce(w, false()), literal(int(s), BigInteger)) for w, s in whens))


def selection(
    conn: Connection, account_id: int, included: Sequence[int], excluded: Sequence[int]
) -> Select[Any]:
    """``select(contacts.c.id, contacts.c.email)`` of the audience."""
    return select(contacts.c.id, contacts.c.email).where(
        where(conn, account_id, included, excluded)
    )


def contains(clause: Any, contact_id: Any) -> Any:
    """`clause` evaluated for one contact id expression (for joins from other tables)."""
    return exists(select(contacts.c.id).where(contacts.c.id == contact_id, clause))
