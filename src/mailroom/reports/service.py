"""Contact activity reports: create (validated whole), run as a job, page, export, delete.

Where a report's rows live (`store`): reports without a date window read the per-contact totals
ingest keeps and store their rows in the main database (`report_rows`); windowed reports run on
the columnar replica and store a Parquet file (`reports.columnar`), or, with
``MAILROOM_ANALYTICS=main``, run on the main database's events and store `report_rows` too.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
from sqlalchemy import Connection

from mailroom.context import Context
from mailroom.criteria import service as criteria_service
from mailroom.errors import NotFound, ValidationFailed
from mailroom.fields import service as fields_service
from mailroom.jobs import queue
from mailroom.kit.bounds import MAX_BIGINT
from mailroom.kit.clock import Clock, now_s
from mailroom.replica import feed, store
from mailroom.replica import service as replica_service
from mailroom.reports import columnar, repository, selection
from mailroom.reports.render import ListFields
from mailroom.reports.schemas import (
    COMPLETED,
    CONTACT_FIELDS,
    FAILED,
    KIND,
    PENDING,
    USER_TYPES,
    ReportSpec,
    invalid,
    parse_request,
)

log = logging.getLogger("mailroom.reports")

JOB = "reports.run"
MAIN, REPLICA = "main", "replica"
NOT_FOUND = "Contact activity report not found"


@dataclass(frozen=True)
class Report:
    row: Any
    spec: ReportSpec


def list_fields(conn: Connection, list_id: int) -> ListFields:
    schema = fields_service.schema_of_list(conn, list_id)
    return {f.name: (f.type, f.format) for f in schema.custom()}


def create_report(
    conn: Connection, clock: Clock, account_id: int, list_id: int, body: Any
) -> Report:
    """Check the whole request (a 412 lists every problem), store it and queue its job."""
    spec, problems = parse_request(body, set(list_fields(conn, list_id)))
    if spec.user_type in USER_TYPES:
        problems.extend(
            selection.check(
                conn,
                clock,
                account_id,
                list_id,
                spec.criteria,
                user_type=spec.user_type,
                combined_as_and=spec.combined_as_and,
                include_machine=spec.include_machine,
            )
        )
    if problems:
        raise invalid(problems)
    report_id = repository.insert_report(
        conn,
        {
            "account_id": account_id,
            "list_id": list_id,
            "kind": KIND,
            "title": spec.title,
            "request": spec.stored(),
            "status": PENDING,
            "created": now_s(clock),
            # Every event committed before this report: the replica must have read them.
            "events_high": repository.newest_event_id(conn),
        },
    )
    queue.enqueue(conn, clock, JOB, {"report_id": report_id}, dedupe_key=f"report:{report_id}")
    return get_report(conn, account_id, report_id)


def get_report(conn: Connection, account_id: int, report_id: int) -> Report:
    row = repository.get_report(conn, account_id, report_id, KIND)
    if row is None:
        raise NotFound(NOT_FOUND)
    return Report(row, ReportSpec.from_stored(row.request))


def find_reports(
    conn: Connection,
    account_id: int,
    list_id: int | None,
    *,
    sort: str,
    descending: bool,
    offset: int,
    limit: int | None,
) -> tuple[list[Report], int]:
    rows, total = repository.find_reports(
        conn, account_id, KIND, list_id, sort, descending, offset, limit
    )
    return [Report(r, ReportSpec.from_stored(r.request)) for r in rows], total


def delete_report(conn: Connection, account_id: int, report_id: int) -> Report:
    """Delete the report and its main-database rows; `discard_files` after the commit."""
    report = get_report(conn, account_id, report_id)
    repository.delete_report(conn, report_id)
    return report


def discard_files(ctx: Context, report_id: int) -> None:
    columnar.file_of(ctx.settings, report_id).unlink(missing_ok=True)


# --- running -------------------------------------------------------------------------------------


def run_report(ctx: Context, report_id: int, *, last_attempt: bool = True) -> None:
    """Compute a pending report's rows and complete it; safe to run again after a crash."""
    with ctx.db.read() as conn:
        row = repository.report_by_id(conn, report_id)
    if row is None or row.status != PENDING:
        return
    spec = ReportSpec.from_stored(row.request)
    try:
        if not spec.windowed or not replica_service.enabled(ctx):
            _run_in_main(ctx, row, spec)
            return
        _run_in_replica(ctx, row, spec)
    except ValidationFailed as exc:  # e.g. a segment or field deleted since the report was made
        _fail(ctx, report_id, exc.message)
    except Exception as exc:
        if last_attempt:
            _fail(ctx, report_id, f"{type(exc).__name__}: {exc}")
        raise


def _selection(conn: Connection, ctx: Context, row: Any, spec: ReportSpec) -> selection.Selection:
    return selection.select_contacts(
        conn,
        ctx.clock,
        row.account_id,
        row.list_id,
        spec.criteria,
        user_type=spec.user_type,
        combined_as_and=spec.combined_as_and,
        include_machine=spec.include_machine,
    )


def _run_in_main(ctx: Context, row: Any, spec: ReportSpec) -> None:
    with ctx.db.write() as conn:
        chosen = _selection(conn, ctx, row, spec)
        count = repository.compute_rows(
            conn,
            row.id,
            chosen.where,
            account_id=row.account_id,
            list_id=row.list_id,
            window_ms=spec.window_ms() if spec.windowed else None,
            include_machine=spec.include_machine,
        )
        repository.finish_report(
            conn,
            row.id,
            {
                "status": COMPLETED,
                "row_count": count,
                "completed": now_s(ctx.clock),
                "data_through": row.events_high,
                "store": MAIN,
            },
        )


def _run_in_replica(ctx: Context, row: Any, spec: ReportSpec) -> None:
    with ctx.db.read() as conn:
        chosen = _selection(conn, ctx, row, spec)
    target = columnar.file_of(ctx.settings, row.id)
    options: dict[str, Any] = {
        "account_id": row.account_id,
        "list_id": row.list_id,
        "statuses": chosen.statuses,
        "window_ms": spec.window_ms(),
        "include_machine": spec.include_machine,
        "columns": columnar.stored_columns(spec.selected_fields, CONTACT_FIELDS),
    }
    try:
        caught, count = _compute(ctx, target, options, chosen)
    except feed.NeedsRebuild:
        replica_service.catch_up(ctx)  # rebuilds it
        caught, count = _compute(ctx, target, options, chosen)
    with ctx.db.write() as conn:
        done = repository.finish_report(
            conn,
            row.id,
            {
                "status": COMPLETED,
                "row_count": count,
                "completed": now_s(ctx.clock),
                "data_through": caught.through,
                "store": REPLICA,
            },
        )
    if not done:  # deleted while it ran
        target.unlink(missing_ok=True)


def _compute(
    ctx: Context, target: Path, options: dict[str, Any], chosen: selection.Selection
) -> tuple[replica_service.Caught, int]:
    """Catch the replica up, then compute on the same connection (one open of the file).

    A catch-up that starts after the report was created reads every event committed before.
    The criteria run in DuckDB when the replica answers them exactly; else (or when DuckDB
    refuses the statement) the main database picks the contacts' ids.
    """
    with store.connect(store.path_of(ctx.settings)) as duck:
        caught = replica_service.catch_up_in(ctx, duck)
        if not chosen.has_rules:
            return caught, columnar.compute(duck, target, **options)
        with ctx.db.read() as conn:
            among = criteria_service.replica_ids(
                conn, chosen.compiled, replica_service.rollup_through(duck)
            )
        if among is not None:
            try:
                return caught, columnar.compute(duck, target, among=among, **options)
            except duckdb.Error:
                log.warning("criteria not runnable in DuckDB", exc_info=True)
        with ctx.db.read() as conn:
            picked = [int(r[0]) for r in conn.execute(chosen.ids())]
        return caught, columnar.compute(duck, target, picked=picked, **options)


def _fail(ctx: Context, report_id: int, reason: str) -> None:
    with ctx.db.write() as conn:
        repository.finish_report(
            conn,
            report_id,
            {"status": FAILED, "error": reason[:2000], "completed": now_s(ctx.clock)},
        )


# --- reading -------------------------------------------------------------------------------------


def completed(report: Report) -> None:
    """A 412 unless the report's rows are ready."""
    if report.row.status != COMPLETED:
        state = "failed" if report.row.status == FAILED else "not completed yet"
        raise ValidationFailed(
            f"Contact activity report {report.row.id} is {state}",
            errors=[{"field": "status", "message": f"status is {report.row.status}"}],
        )


def stored_rows(
    ctx: Context, report: Report, offset: int, limit: int | None, chunk: int = 5000
) -> Iterator[list[dict[str, Any]]]:
    """The report's rows from `offset` (at most `limit`), in contact order, chunk by chunk."""
    total = int(report.row.row_count or 0)
    end = total if limit is None else min(total, offset + limit)
    position = offset
    while position < end:
        size = min(chunk, end - position)
        if report.row.store == REPLICA:
            rows = columnar.page(columnar.file_of(ctx.settings, report.row.id), position, size)
        else:
            with ctx.db.read() as conn:
                rows = [
                    r._asdict() for r in repository.page_rows(conn, report.row.id, position, size)
                ]
        if not rows:
            return
        yield rows
        position += len(rows)


def temporary_csv(ctx: Context) -> Path:
    folder = columnar.folder(ctx.settings)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"export-{uuid.uuid4().hex}.csv"


def export_file(ctx: Context, report: Report, fields: ListFields) -> Path:
    """The CSV of a replica-stored report, written by DuckDB to a temporary file."""
    target = temporary_csv(ctx)
    columns = columnar.csv_columns(report.spec.selected_fields, fields)
    columnar.write_csv(columnar.file_of(ctx.settings, report.row.id), columns, target)
    return target


def detailed_file(ctx: Context, report: Report) -> Path:
    """The detailed CSV of a replica-stored report, written by DuckDB from the replica."""
    target = temporary_csv(ctx)
    with store.connect(store.path_of(ctx.settings)) as duck:
        columnar.write_detailed(
            duck,
            columnar.file_of(ctx.settings, report.row.id),
            target,
            account_id=report.row.account_id,
            list_id=report.row.list_id,
            window_ms=report.spec.window_ms(),
            through=_through(report),
        )
    return target


def _through(report: Report) -> int:
    """The last event id the report read: its detailed lines stop where its rows did."""
    through = report.row.data_through
    return int(through) if through is not None else MAX_BIGINT


def detailed_rows(ctx: Context, report: Report) -> Iterator[Any]:
    """Each event of a main-stored report's contacts inside its window (streamed)."""
    with ctx.db.read() as conn:
        yield from repository.detailed_events(
            conn, report.row.id, report.row.account_id, report.spec.window_ms(), _through(report)
        )
