"""Compile Ongage criteria into one where-clause over ``contacts``: the selection every feature
that picks contacts shares (segments, contact counts, contact search, reports, automation).

Public interface::

    compiled = compile_criteria(conn, account_id, list_id, rules,
                                user_type="active", combined_as_and=False,
                                include_machine=False, clock=ctx.clock)
    compiled.where                   # ColumnElement[bool] over tables.contacts (list, account,
                                     # user type included)
    matching_ids(compiled)           # Select of contacts.id
    count_matching(conn, compiled)   # int
    count_by_status(conn, compiled)  # StatusCounts(active, unsubscribed, bounced, complaint, total)
    count_by_status(conn, compiled, ctx)  # the same, on the replica when it can answer
    replica_clause(conn, compiled, through)  # the where-clause for the replica's DuckDB
    replica_ids(conn, compiled, through)  # (DuckDB SQL, values) of the matching ids, or None
    compiled.written()               # the rules normalised in Ongage's write form, to store

`rules` is Ongage's ``criteria`` array (write form; the read form's strings and JSON-encoded
operands are accepted too). Invalid criteria raise `InvalidCriteria` (a 412 ValidationFailed)
whose `errors` list every problem as ``{field, position, field_name, message}``; an unknown list
is a 404. Values are always bound parameters.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, and_, func, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from mailroom.context import Context
from mailroom.criteria import grouping, on_replica, parse, repository
from mailroom.criteria.schemas import (
    BEHAVIORAL,
    MAX_NESTING,
    MAX_RULES,
    SEGMENT,
    USER_TYPES,
    CompiledCriteria,
    InvalidCriteria,
    Rule,
    problem,
)
from mailroom.fields import service as fields_service
from mailroom.kit.clock import Clock, FrozenClock, SystemClock
from mailroom.lists import service as lists_service
from mailroom.mailings import service as mailings_service

Clause = ColumnElement[bool]
DAY_MS = 86_400_000


@dataclass(frozen=True)
class StatusCounts:
    """Matching contacts by status (Ongage's contact counts)."""

    active: int = 0
    unsubscribed: int = 0
    bounced: int = 0
    complaint: int = 0

    @property
    def total(self) -> int:
        return self.active + self.unsubscribed + self.bounced + self.complaint


def check_user_type(user_type: Any) -> str:
    """A known `user_type` (``all`` when missing), or a 412 naming it."""
    if user_type in (None, ""):
        return "all"
    if not isinstance(user_type, str) or user_type.strip().lower() not in USER_TYPES:
        message = f"user_type must be one of: {', '.join(USER_TYPES)}"
        raise InvalidCriteria(message, errors=[{"field": "user_type", "message": message}])
    return user_type.strip().lower()


def compile_criteria(
    conn: Connection,
    account_id: int,
    list_id: int,
    criteria: Any,
    *,
    user_type: Any = "all",
    combined_as_and: bool = False,
    include_machine: bool = False,
    clock: Clock | None = None,
    segment_id: int | None = None,
    on_replica: repository.OnReplica | None = None,
) -> CompiledCriteria:
    """Check `criteria` against the list's fields, segments and mailings, and compile them.

    `segment_id` names the segment these criteria are saved as, so nesting it in itself is
    refused as a cycle. With `on_replica` the clause is for the replica's DuckDB (see
    `replica_clause`); a rule it cannot run there raises `repository.NotOnReplica`.
    """
    lists_service.get_list(conn, account_id, list_id)  # 404 for a list the account lacks
    kind = check_user_type(user_type)
    now_ms = (clock or SystemClock()).now_ms()
    compiler = _Compiler(conn, account_id, list_id, include_machine, now_ms, on_replica)
    stack = (segment_id,) if segment_id is not None else ()
    compiler.outer = len(stack)  # nesting counts the segments inside these criteria
    clause, rules = compiler.compile(criteria, combined_as_and, stack=stack)
    where = and_(repository.scope(account_id, list_id, USER_TYPES[kind]), clause)
    return CompiledCriteria(
        account_id=account_id,
        list_id=list_id,
        where=where,
        rules=tuple(rules),
        user_type=kind,
        combined_as_and=combined_as_and,
        segment_ids=frozenset(compiler.segment_ids),
        uses_events=compiler.uses_events,
        include_machine=include_machine,
        now_ms=now_ms,
    )


def matching_ids(compiled: CompiledCriteria) -> Select[tuple[int]]:
    """``SELECT contacts.id`` of the matching contacts, to use as a subquery or to stream."""
    return repository.matching_ids(compiled.where)


def count_matching(conn: Connection, compiled: CompiledCriteria) -> int:
    return int(
        conn.execute(
            select(func.count()).select_from(matching_ids(compiled).subquery())
        ).scalar_one()
    )


def replica_clause(conn: Connection, compiled: CompiledCriteria, through: int) -> Clause:
    """The criteria compiled again for the replica's DuckDB, whose period totals count the
    events up to `through` (raises `repository.NotOnReplica` for a rule it cannot run)."""
    again = compile_criteria(
        conn,
        compiled.account_id,
        compiled.list_id,
        compiled.written(),
        user_type=compiled.user_type,
        combined_as_and=compiled.combined_as_and,
        include_machine=compiled.include_machine,
        clock=FrozenClock(compiled.now_ms),
        on_replica=repository.OnReplica(through),
    )
    return again.where


def replica_ids(
    conn: Connection, compiled: CompiledCriteria, through: int
) -> tuple[str, dict[str, Any]] | None:
    """The matching contacts' ids as a DuckDB SELECT over the replica (period totals up to
    `through`) and its bound values; None when the replica cannot answer exactly."""
    return on_replica.matching_ids(
        conn, compiled, functools.partial(replica_clause, conn, compiled), through
    )


def count_by_status(
    conn: Connection, compiled: CompiledCriteria, ctx: Context | None = None
) -> StatusCounts:
    """Matching contacts by status. With `ctx`, on the replica when it can answer exactly (see
    `on_replica`), else on the main database."""
    found = None
    if ctx is not None:
        found = on_replica.count_by_status(
            ctx, conn, compiled, functools.partial(replica_clause, conn, compiled)
        )
    if found is None:
        found = repository.count_by_status(conn, compiled.where)
    return StatusCounts(
        active=found.get("active", 0),
        unsubscribed=found.get("unsubscribed", 0),
        bounced=found.get("bounced", 0),
        complaint=found.get("complaint", 0),
    )


class _Compiler:
    """One compile: fields of the list read once, segments compiled once each, cycles caught."""

    def __init__(
        self,
        conn: Connection,
        account_id: int,
        list_id: int,
        include_machine: bool,
        now_ms: int,
        on_replica: repository.OnReplica | None = None,
    ) -> None:
        self.conn = conn
        self.target: repository.Target = on_replica if on_replica is not None else conn
        self.account_id = account_id
        self.list_id = list_id
        self.include_machine = include_machine
        self.now_ms = now_ms
        schema = fields_service.schema_of_list(conn, list_id)
        self.fields = schema.fields
        self.by_id = {f.id: f for f in schema.fields.values()}
        self.segments: dict[int, Clause] = {}
        self.segment_ids: set[int] = set()
        self.uses_events = False
        self.outer = 0  # segments on the stack that these criteria are saved as, not nested

    def compile(
        self, criteria: Any, combined_as_and: bool, stack: tuple[int, ...]
    ) -> tuple[Clause, list[Rule]]:
        problems: list[dict[str, Any]] = []
        try:
            raws = parse.read_rules(criteria)
        except parse.Bad as exc:
            raise InvalidCriteria(
                f"Invalid criteria: {exc}", errors=[problem(None, "", "", str(exc))]
            ) from None
        if len(raws) > MAX_RULES:
            message = f"at most {MAX_RULES} rules"
            raise InvalidCriteria(
                f"Invalid criteria: {message}", errors=[problem(None, "", "", message)]
            )
        rules: list[Rule] = []
        for position, raw in enumerate(raws):
            try:
                rules.append(parse.parse_rule(position, raw, self.fields, self.by_id))
            except parse.Bad as exc:
                problems.append(problem(position, parse.named(raw), exc.key, str(exc)))
        if not problems and not combined_as_and and rules:
            problems.extend(grouping.check_parentheses(rules))
        rules = [self._resolved(r) for r in rules]
        problems.extend(self._unknown_mailings(rules))
        problems.extend(self._nest(rules, stack))
        if problems:
            raise InvalidCriteria(_message(problems), errors=problems)
        if not rules:
            return true(), []
        clauses = [repository.rule_clause(self.target, r, self.segments) for r in rules]
        clause = grouping.combine(
            rules,
            clauses,
            lambda parts: and_(*parts),
            lambda parts: or_(*parts),
            combined_as_and=combined_as_and,
        )
        return clause, rules

    def _resolved(self, rule: Rule) -> Rule:
        """Relative windows (``days``) against the clock; the compile's include_machine."""
        b = rule.behavior
        if b is None:
            return rule
        if b.from_ms is not None and b.from_ms < 0:
            b = dataclasses.replace(b, from_ms=self.now_ms + b.from_ms * DAY_MS)
        if self.include_machine and not b.include_machine:
            b = dataclasses.replace(b, include_machine=True)
        self.uses_events = self.uses_events or b.windowed
        return dataclasses.replace(rule, behavior=b)

    def _unknown_mailings(self, rules: Sequence[Rule]) -> list[dict[str, Any]]:
        wanted = {i for r in rules if r.behavior for i in r.behavior.mailing_ids}
        if not wanted:
            return []
        known, _ = mailings_service.resolve(self.conn, self.account_id, wanted)
        problems = []
        for r in rules:
            missing = [i for i in (r.behavior.mailing_ids if r.behavior else ()) if i not in known]
            if missing:
                message = f"unknown mailing id(s): {', '.join(map(str, missing))}"
                problems.append(problem(r.position, r.field_name, "operand", message))
        return problems

    def _nest(self, rules: Sequence[Rule], stack: tuple[int, ...]) -> list[dict[str, Any]]:
        """Compile every segment the rules name (once each), refusing cycles."""
        problems: list[dict[str, Any]] = []
        wanted = {i for r in rules if r.kind == SEGMENT for i in r.values} - set(self.segments)
        saved = repository.saved_criteria(self.conn, self.account_id, wanted)
        for rule in rules:
            if rule.kind != SEGMENT:
                continue
            for segment_id in rule.values:
                message = self._nest_one(segment_id, saved, stack)
                if message:
                    problems.append(problem(rule.position, rule.field_name, "operand", message))
        return problems

    def _nest_one(self, segment_id: int, saved: dict[int, Any], stack: tuple[int, ...]) -> str:
        if segment_id in stack:
            path = " -> ".join(map(str, (*stack[stack.index(segment_id) :], segment_id)))
            return f"segment {segment_id} contains itself ({path})"
        if segment_id in self.segments:
            return ""
        if len(stack) - self.outer >= MAX_NESTING:
            return f"segments nest more than {MAX_NESTING} deep"
        row = saved.get(segment_id)
        if row is None:
            row = repository.saved_criteria(self.conn, self.account_id, [segment_id]).get(
                segment_id
            )
        if row is None:
            return f"segment {segment_id} not found"
        if int(row.list_id) != self.list_id:
            return f"segment {segment_id} belongs to another list ({row.list_id})"
        try:
            clause, _ = self.compile(row.criteria, False, (*stack, segment_id))
        except InvalidCriteria as exc:
            return f"segment {segment_id} cannot be used: {exc.message}"
        self.segments[segment_id] = clause
        self.segment_ids.add(segment_id)
        return ""


def _message(problems: Sequence[dict[str, Any]]) -> str:
    parts = []
    for p in problems:
        if p.get("position") is None:
            parts.append(str(p["message"]))
        else:
            named = f" (field '{p['field_name']}')" if p.get("field_name") else ""
            parts.append(f"rule {p['position']}{named}: {p['message']}")
    return "Invalid criteria: " + "; ".join(parts)


__all__ = [
    "BEHAVIORAL",
    "CompiledCriteria",
    "InvalidCriteria",
    "StatusCounts",
    "check_user_type",
    "compile_criteria",
    "count_by_status",
    "count_matching",
    "matching_ids",
    "replica_clause",
    "replica_ids",
]
