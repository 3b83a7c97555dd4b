"""All SQL of the criteria domain: each rule as a condition on a ``contacts`` row.

Behavioral rules without a time window read the totals ingest keeps (``contact_totals`` for any
mailing, ``contact_mailing_totals`` for named ones); with a window they read ``events``. The
segments table is read here only to nest saved criteria (the segments domain writes it).

The same rules compile for the replica's DuckDB (`OnReplica`): its ``contacts`` and ``events``
copies have the main tables' names and columns; behavior without a window reads its per-contact
period totals (`contact_periods`) and the events newer than them instead of ingest's totals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Select,
    String,
    and_,
    column,
    exists,
    false,
    func,
    literal,
    not_,
    or_,
    select,
    table,
    true,
    union_all,
)
from sqlalchemy.sql.elements import ColumnElement

from mailroom.activity.types import EventType
from mailroom.criteria.schemas import (
    BEHAVIORAL,
    BETWEEN,
    CLICKED,
    CONTAINS,
    DATE,
    EMAIL,
    EMPTY,
    ENDS,
    EQ,
    GE,
    GT,
    ID,
    LE,
    LT,
    NE,
    NEGATED,
    NOT_CONTAINS,
    NOT_EMPTY,
    NUMERIC,
    OPENED,
    SEGMENT,
    SENT,
    STARTS,
    STATUS,
    STRING,
    Behavior,
    Rule,
)
from mailroom.db import exprs
from mailroom.db.tables import contact_mailing_totals, contact_totals, contacts, events, segments

Clause = ColumnElement[bool]


@dataclass(frozen=True)
class OnReplica:
    """Compile for the replica's DuckDB; `through` is its period totals' watermark (0: none)."""

    through: int


Target = Connection | OnReplica


class NotOnReplica(Exception):
    """A rule reads something the replica does not copy (the contact's uid, its import)."""


# Columns of the main database's contacts that the replica's copy lacks.
_NOT_COPIED = frozenset({"uid", "import_id"})

# The replica's per-contact period totals (see `mailroom.replica.rollup`).
_periods = table(
    "contact_periods",
    column("contact_id"),
    column("sent"),
    column("opens"),
    column("machine_opens"),
    column("clicks"),
    column("machine_clicks"),
)


def _engine(target: Target) -> exprs.Target:
    return exprs.DUCKDB if isinstance(target, OnReplica) else target


def scope(account_id: int, list_id: int, statuses: Sequence[str] | None) -> Clause:
    """The list's contacts (of that account), of the given statuses (None: any)."""
    parts = [contacts.c.list_id == list_id, contacts.c.account_id == account_id]
    if statuses is not None:
        parts.append(
            contacts.c.status == statuses[0]
            if len(statuses) == 1
            else contacts.c.status.in_(statuses)
        )
    return and_(*parts)


def matching_ids(where: Clause) -> Select[Any]:
    return select(contacts.c.id).where(where)


def by_status(where: Clause) -> Select[Any]:
    """Matching contacts counted by status."""
    return select(contacts.c.status, func.count()).where(where).group_by(contacts.c.status)


def count_by_status(conn: Connection, where: Clause) -> dict[str, int]:
    return {str(status): int(n) for status, n in conn.execute(by_status(where))}


def saved_criteria(conn: Connection, account_id: int, ids: Iterable[int]) -> dict[int, Any]:
    """Segments of the account by id: (id, list_id, criteria) rows, for nesting."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = conn.execute(
        select(segments.c.id, segments.c.list_id, segments.c.criteria).where(
            segments.c.account_id == account_id, segments.c.id.in_(wanted)
        )
    )
    return {int(r.id): r for r in rows}


# --- one rule ------------------------------------------------------------------------------------


def rule_clause(conn: Target, rule: Rule, nested: Mapping[int, Clause]) -> Clause:
    """The condition a contact must meet for `rule`; `nested` holds each named segment's."""
    if rule.kind == SEGMENT:
        inside = or_(*(nested[i] for i in rule.values))
        if rule.operator == NE:
            # A rule on an empty value is NULL, not false: "not in" must still hold for it.
            return not_(func.coalesce(inside, false()))
        return inside
    if rule.kind == BEHAVIORAL:
        assert rule.behavior is not None
        if isinstance(conn, OnReplica):
            return _behavior_on_replica(rule.behavior, conn.through)
        return _behavior(rule.behavior)
    if rule.kind == DATE:
        return _date(conn, rule)
    expr = _value(conn, rule)
    if rule.operator == EMPTY:
        return _empty(rule, expr)
    if rule.operator == NOT_EMPTY:
        return not_(_empty(rule, expr))
    matches = or_(*(_one(conn, rule, expr, v) for v in _listed(rule)))
    if rule.operator in NEGATED:
        return or_(expr.is_(None), not_(matches))  # an empty value is "not equal" too
    return and_(_prefilter(conn, rule), matches)


_TEXT_SEARCH = frozenset({EQ, CONTAINS, STARTS, ENDS})


def _prefilter(conn: Target, rule: Rule) -> Clause:
    """A test of the stored JSON text that a matching contact must pass, cheaper than parsing
    the JSON: rows without the value anywhere in their fields skip the exact test."""
    if (
        rule.kind != STRING
        or rule.operator not in _TEXT_SEARCH
        or not all(exprs.verbatim(v) for v in rule.values)
    ):
        return true()
    tests = [
        exprs.raw_contains(_engine(conn), contacts.c.fields, v, case_sensitive=rule.case_sensitive)
        for v in rule.values
    ]
    if any(t is None for t in tests):
        return true()
    return or_(*(t for t in tests if t is not None))


def _value(conn: Target, rule: Rule) -> Any:
    if isinstance(conn, OnReplica) and rule.field_id is None and rule.target in _NOT_COPIED:
        raise NotOnReplica(rule.target)
    if rule.kind == NUMERIC:
        if rule.field_id is None:
            return contacts.c[rule.target]
        return exprs.json_number(_engine(conn), contacts.c.fields, rule.target)
    if rule.kind in (EMAIL, ID, STATUS):
        return contacts.c[rule.target]
    return exprs.json_text(_engine(conn), contacts.c.fields, rule.target)


def _empty(rule: Rule, expr: Any) -> Clause:
    if rule.kind in (EMAIL, ID, STATUS):
        return false()  # never empty
    if rule.kind == NUMERIC:
        return expr.is_(None)  # type: ignore[no-any-return]
    return or_(expr.is_(None), expr == "")


def _listed(rule: Rule) -> list[Any]:
    """The operands to OR: a range is one operand."""
    if rule.operator == BETWEEN:
        return [tuple(rule.values)]
    return list(rule.values)


def _one(conn: Target, rule: Rule, expr: Any, value: Any) -> Clause:
    op = rule.operator
    if rule.kind == ID:
        return expr == str(value).strip().lower()  # type: ignore[no-any-return]
    if rule.kind == STATUS:
        return expr == value  # type: ignore[no-any-return]
    if op in (CONTAINS, NOT_CONTAINS, STARTS, ENDS):
        where = {CONTAINS: "in", NOT_CONTAINS: "in", STARTS: "start", ENDS: "end"}[op]
        if rule.kind == EMAIL and not rule.case_sensitive:
            # Emails are stored lower-case (by Python): folding the pattern alike spares the
            # database a lower() of every address it scans.
            return exprs.text_match(_engine(conn), expr, value.lower(), where, case_sensitive=True)
        return exprs.text_match(
            _engine(conn), expr, value, where, case_sensitive=rule.case_sensitive
        )
    if rule.kind == EMAIL and not rule.case_sensitive:
        # Emails are stored lower-case (by Python): comparing the column itself keeps its
        # index usable.
        value = tuple(v.lower() for v in value) if isinstance(value, tuple) else value.lower()
    elif rule.kind != NUMERIC and not rule.case_sensitive:
        # The database folds both sides, so both fold alike (SQLite's lower() is ASCII only).
        expr = func.lower(expr)
        if isinstance(value, tuple):
            value = tuple(func.lower(literal(v, String)) for v in value)
        else:
            value = func.lower(literal(value, String))
    if isinstance(value, tuple):
        low, high = value
        return expr.between(low, high)  # type: ignore[no-any-return]
    if rule.kind == NUMERIC and rule.field_id is not None:
        return exprs.number_compare(_engine(conn), expr, op, value)
    return _compare(expr, op, value)


def _compare(expr: Any, op: str, value: Any) -> Clause:
    if op in (EQ, NE):
        return expr == value  # type: ignore[no-any-return]
    if op == LT:
        return expr < value  # type: ignore[no-any-return]
    if op == GT:
        return expr > value  # type: ignore[no-any-return]
    if op == LE:
        return expr <= value  # type: ignore[no-any-return]
    if op == GE:
        return expr >= value  # type: ignore[no-any-return]
    raise ValueError(op)


# --- dates: list fields hold ISO text, system dates Unix seconds ---------------------------------


def _seconds(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp())


def _date(conn: Target, rule: Rule) -> Clause:
    """Date rules compare days, or moments when an operand has a time: ``= 2026-01-31`` is the
    whole day, ``> 2026-01-31`` from the next day on."""
    column = rule.field_id is None
    if column:
        expr: Any = contacts.c[rule.target]
    else:
        raw = exprs.json_text(_engine(conn), contacts.c.fields, rule.target)
        # Stored 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS': a day compares its first ten
        # characters, a moment the text padded with midnight.
        expr = func.substr(raw + " 00:00:00", 1, 19) if rule.has_time else func.substr(raw, 1, 10)
    if rule.operator == EMPTY:
        return expr.is_(None)  # type: ignore[no-any-return]
    if rule.operator == NOT_EMPTY:
        return expr.isnot(None)  # type: ignore[no-any-return]

    def bounds(moment: datetime) -> tuple[Any, Any]:
        """(first instant, first instant after) of the day or moment, in the column's terms."""
        if column:
            start = _seconds(moment)
            return start, start + (1 if rule.has_time else 86_400)
        if rule.has_time:
            text = moment.strftime("%Y-%m-%d %H:%M:%S")
            return text, None
        return moment.strftime("%Y-%m-%d"), None

    def one(value: Any) -> Clause:
        op = rule.operator
        if op == BETWEEN:
            low, _ = bounds(value[0])
            high_start, high_end = bounds(value[1])
            if column:
                return and_(expr >= low, expr < high_end)
            return and_(expr >= low, expr <= high_start)
        start, end = bounds(value)
        if column:
            if op in (EQ, NE):
                return and_(expr >= start, expr < end)
            limits: dict[str, Clause] = {
                LT: expr < start,
                LE: expr < end,
                GT: expr >= end,
                GE: expr >= start,
            }
            return limits[op]
        return _compare(expr, op, start)

    matches = or_(*(one(v) for v in _listed(rule)))
    if rule.operator == NE:
        return or_(expr.is_(None), not_(matches))
    return matches


# --- behavior: sends, opens, clicks --------------------------------------------------------------

_ACTION_TYPE = {
    SENT: EventType.EM_SENDS,
    OPENED: EventType.EM_OPENS,
    CLICKED: EventType.EM_CLICKS,
}
_COUNTER = {SENT: "sends", OPENED: "opens", CLICKED: "clicks"}


def _behavior(b: Behavior) -> Clause:
    """Whether the contact did (or, negated, did not do) the action: a probe per contact of an
    index led by contact_id (events' per-contact log, the totals' primary keys)."""
    if b.windowed:
        parts: list[Clause] = [
            events.c.contact_id == contacts.c.id,
            events.c.type == int(_ACTION_TYPE[b.action]),
        ]
        if b.from_ms is not None:
            parts.append(events.c.at_ms >= b.from_ms)
        if b.to_ms is not None:
            parts.append(events.c.at_ms <= b.to_ms)
        if b.mailing_ids:
            parts.append(events.c.mailing_id.in_(b.mailing_ids))
        if b.action != SENT and not b.include_machine:
            parts.append(events.c.machine == false())
        found = exists().where(*parts)
    else:
        table = contact_mailing_totals if b.mailing_ids else contact_totals
        counter = _COUNTER[b.action]
        amount: Any = table.c[counter]
        if b.action != SENT and b.include_machine:
            amount = amount + table.c["machine_" + counter]
        found = exists().where(table.c.contact_id == contacts.c.id, amount > 0)
        if b.mailing_ids:
            found = found.where(table.c.mailing_id.in_(b.mailing_ids))
    return not_(found) if b.negated else found


def _behavior_on_replica(b: Behavior, through: int) -> Clause:
    """`_behavior` over the replica: a window, or named mailings, read its events; any mailing
    over all time reads the period totals up to `through` and the events after them."""
    if b.windowed:
        return _behavior(b)
    if b.mailing_ids or not through:
        return _behavior(_all_time(b))
    counter = _periods.c[_COUNTER_OF_PERIODS[b.action]]
    amount: Any = counter
    if b.action != SENT and b.include_machine:
        amount = amount + _periods.c["machine_" + _COUNTER_OF_PERIODS[b.action]]
    # One set of ids, not a correlated EXISTS per source: DuckDB builds it once and probes it
    # (the OR of two correlated EXISTS cost it a mark join over every period row).
    counted = select(_periods.c.contact_id).where(amount > 0)
    parts: list[Clause] = [events.c.type == int(_ACTION_TYPE[b.action]), events.c.id > through]
    if b.action != SENT and not b.include_machine:
        parts.append(events.c.machine == false())
    newer = select(events.c.contact_id).where(*parts)
    found = contacts.c.id.in_(union_all(counted, newer))  # both never NULL: NOT IN is safe
    return not_(found) if b.negated else found


_COUNTER_OF_PERIODS = {SENT: "sent", OPENED: "opens", CLICKED: "clicks"}


def _all_time(b: Behavior) -> Behavior:
    """The behavior as a window over all time (so `_behavior` reads the events)."""
    return Behavior(b.action, b.negated, b.mailing_ids, 0, None, b.include_machine)
