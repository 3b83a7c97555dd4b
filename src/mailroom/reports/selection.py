"""Which contacts a report covers: its list, its user type and its criteria.

`where` is a condition over the main database's ``contacts``; `has_rules` says whether it holds
more than list and user type. Without rules the replica applies the user type itself (its copy
of the contacts has the status); with rules the main database picks the ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, and_, select
from sqlalchemy.sql.elements import ColumnElement

from mailroom.contacts import status
from mailroom.db.tables import contacts
from mailroom.kit.clock import Clock

# user_type -> the statuses it keeps (None: every status).
STATUSES: dict[str, tuple[str, ...] | None] = {
    "all": None,
    "active": (status.ACTIVE,),
    "nonactive": (status.UNSUBSCRIBED, status.BOUNCED, status.COMPLAINT),
    "unsubscribed": (status.UNSUBSCRIBED,),
    "bounced": (status.BOUNCED,),
    "complaint": (status.COMPLAINT,),
}


@dataclass(frozen=True)
class Selection:
    where: ColumnElement[bool]
    has_rules: bool
    statuses: tuple[str, ...] | None

    def ids(self) -> Select[Any]:
        return select(contacts.c.id).where(self.where).order_by(contacts.c.id)


def select_contacts(
    conn: Connection,
    clock: Clock,
    account_id: int,
    list_id: int,
    criteria: list[Any],
    *,
    user_type: str,
    combined_as_and: bool,
    include_machine: bool,
) -> Selection:
    """The report's contacts; a 412 naming each rule that cannot be compiled."""
    statuses = STATUSES[user_type]
    where: ColumnElement[bool] = and_(
        contacts.c.account_id == account_id, contacts.c.list_id == list_id
    )
    if statuses is not None:
        where = and_(where, contacts.c.status.in_(statuses))
    return Selection(where, bool(criteria), statuses)


def check(
    conn: Connection, account_id: int, list_id: int, criteria: list[Any], **options: Any
) -> list[dict[str, Any]]:
    """Every problem of these criteria (empty when they compile)."""
    if criteria:
        return [{"field": "filters.criteria", "message": "criteria rules are not supported yet"}]
    return []
