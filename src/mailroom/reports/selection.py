"""Which contacts a report covers: its list, its user type and its criteria (`mailroom.criteria`).

`where` is the compiled condition over the main database's ``contacts``; `has_rules` says
whether it holds more than list and user type. Without rules the replica applies the user type
itself (its copy of the contacts has the status); with rules the criteria are compiled again
for DuckDB when the replica can answer them exactly, else the main database picks the ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select
from sqlalchemy.sql.elements import ColumnElement

from mailroom.criteria import service as criteria
from mailroom.criteria.schemas import USER_TYPES, CompiledCriteria, InvalidCriteria
from mailroom.kit.clock import Clock


@dataclass(frozen=True)
class Selection:
    compiled: CompiledCriteria

    @property
    def where(self) -> ColumnElement[bool]:
        return self.compiled.where

    @property
    def has_rules(self) -> bool:
        return bool(self.compiled.rules)

    @property
    def statuses(self) -> tuple[str, ...] | None:
        return USER_TYPES[self.compiled.user_type]

    def ids(self) -> Select[Any]:
        return criteria.matching_ids(self.compiled)


def select_contacts(
    conn: Connection,
    clock: Clock,
    account_id: int,
    list_id: int,
    rules: list[Any],
    *,
    user_type: str,
    combined_as_and: bool,
    include_machine: bool,
) -> Selection:
    """The report's contacts; an InvalidCriteria (412) names each rule that does not compile."""
    compiled = criteria.compile_criteria(
        conn,
        account_id,
        list_id,
        rules,
        user_type=user_type,
        combined_as_and=combined_as_and,
        include_machine=include_machine,
        clock=clock,
    )
    return Selection(compiled)


def check(
    conn: Connection, clock: Clock, account_id: int, list_id: int, rules: list[Any], **options: Any
) -> list[dict[str, Any]]:
    """Every problem of these criteria (empty when they compile)."""
    try:
        select_contacts(conn, clock, account_id, list_id, rules, **options)
    except InvalidCriteria as exc:
        return [
            {**e, "field": f"filters.{e['field']}"} if e.get("field") else e for e in exc.errors
        ]
    return []
