"""Criteria answered on the replica: the same selection, run by DuckDB over its columnar copy of
the contacts and events.

Counting a segment scans every contact of its list; the main database reads whole rows and
parses each one's JSON fields, DuckDB reads only the columns the rules name. A question is
answered here when the replica can answer it exactly: it is caught up with every commit made
before the question, every rule reads what it copies (not a contact's uid or import id), and no
all-time behavioral rule asks about events that retention pruned from it (the main database's
totals keep those). Otherwise, or when the replica is busy for longer than `WAIT_S`, the caller
asks the main database.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import duckdb
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.elements import ColumnElement

from mailroom.activity import retention
from mailroom.context import Context
from mailroom.criteria import repository
from mailroom.criteria.schemas import BEHAVIORAL, CompiledCriteria
from mailroom.replica import conditions
from mailroom.replica import service as replica_service

log = logging.getLogger("mailroom.criteria")

WAIT_S = 2.0  # a report may hold the replica this long before a count asks the main database


def count_by_status(
    ctx: Context,
    conn: Connection,
    compiled: CompiledCriteria,
    clause_for: Callable[[int], ColumnElement[bool]],
) -> dict[str, int] | None:
    """Matching contacts by status, counted on the replica; None when it cannot answer now.

    `clause_for(through)` compiles the criteria for the replica whose period totals count the
    events up to `through`.
    """
    with replica_service.caught_up(ctx, wait_s=WAIT_S) as duck:
        if duck is None:
            return None
        clause = runnable(conn, compiled, clause_for, replica_service.rollup_through(duck))
        if clause is None:
            return None
        try:
            sql, params = conditions.to_duckdb(repository.by_status(clause))
            rows = duck.execute(sql, params).fetchall()
        except (duckdb.Error, SQLAlchemyError):
            log.warning("criteria not runnable on the replica", exc_info=True)
            return None
    return {str(status): int(n) for status, n in rows}


def matching_ids(
    conn: Connection,
    compiled: CompiledCriteria,
    clause_for: Callable[[int], ColumnElement[bool]],
    through: int,
) -> tuple[str, dict[str, Any]] | None:
    """The matching contacts' ids as a DuckDB SELECT over a replica whose period totals count
    the events up to `through`, with its bound values; None when the replica cannot answer."""
    clause = runnable(conn, compiled, clause_for, through)
    if clause is None:
        return None
    try:
        return conditions.to_duckdb(repository.matching_ids(clause))
    except SQLAlchemyError:  # a construct the rendering does not take: the main database picks
        log.warning("criteria not renderable for the replica", exc_info=True)
        return None


def runnable(
    conn: Connection,
    compiled: CompiledCriteria,
    clause_for: Callable[[int], ColumnElement[bool]],
    through: int,
) -> ColumnElement[bool] | None:
    """The criteria's condition over the replica, or None when it would not answer exactly."""
    if _reads_pruned_history(conn, compiled):
        return None
    try:
        return clause_for(through)
    except repository.NotOnReplica:
        return None


def _reads_pruned_history(conn: Connection, compiled: CompiledCriteria) -> bool:
    """Whether a behavioral rule over all time (or any nested segment) could see pruned events:
    the replica holds only the events the main database still stores."""
    all_time = any(
        r.kind == BEHAVIORAL and r.behavior is not None and not r.behavior.windowed
        for r in compiled.rules
    )
    return (all_time or bool(compiled.segment_ids)) and retention.pruned_any(conn)
