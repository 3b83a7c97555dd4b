"""Reports inside DuckDB: rows computed from the replica and written as one Parquet file.

A report's rows never pass through Python: DuckDB aggregates the window's events, joins the
contacts and writes the result to ``<replica>.reports/<id>.parquet`` in contact order. Pages
and CSV exports read that file with an in-memory DuckDB, so serving a report never waits for
the replica's writer.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from mailroom.activity.types import EventType
from mailroom.config import Settings
from mailroom.replica import rollup, store
from mailroom.reports import aggregates
from mailroom.reports.repository import ROW_COLUMNS

_ROWS = """
WITH chosen AS (
    SELECT {contact_columns} FROM contacts
    WHERE account_id = $account AND list_id = $list {statuses} {picked}
){totals}
SELECT {columns}
FROM chosen c{join}
ORDER BY c.id
"""

_TOTALS = """,
totals AS ({select}
)"""


def _query(columns: Sequence[str], statuses: str, picked: str, use_periods: bool) -> str:
    """The report's SELECT: only the contact columns and aggregates its file keeps.

    Aggregating the window's events is most of a report's cost, so an activity column that was
    not selected is not computed; the file always keeps `contact_id` and `email` (the detailed
    export joins on them).
    """
    keep = ["contact_id", "email", *(c for c in columns if c not in ("contact_id", "email"))]
    activity = [c for c in keep if c in aggregates.RAW]
    from_contacts = [c for c in keep if c not in aggregates.RAW]
    contact_columns = ", ".join("id" if c == "contact_id" else c for c in from_contacts)
    out = ["c.id AS contact_id" if c == "contact_id" else f"c.{c}" for c in from_contacts]
    out += [f"t.{c}" if c in aggregates.DATES else f"coalesce(t.{c}, 0) AS {c}" for c in activity]
    totals = join = ""
    if activity:
        totals = _TOTALS.format(select=aggregates.totals(activity, use_periods))
        join = " LEFT JOIN totals t ON t.contact_id = c.id"
    return _ROWS.format(
        contact_columns=contact_columns,
        statuses=statuses,
        picked=picked,
        totals=totals,
        columns=", ".join(out),
        join=join,
    )


def stored_columns(selected: Sequence[str], contact_fields: Mapping[str, str]) -> list[str]:
    """The file's columns for these selected fields (list fields share the `fields` JSON)."""
    out: list[str] = []
    for name in selected:
        if name in aggregates.RAW:
            column = name
        elif name in contact_fields:
            column = contact_fields[name]
        else:
            column = "fields"
        if column not in out:
            out.append(column)
    return out


def folder(settings: Settings) -> Path:
    path = store.path_of(settings)
    return path.with_name(path.name + ".reports")


def file_of(settings: Settings, report_id: int) -> Path:
    return folder(settings) / f"{report_id}.parquet"


def compute(
    duck: duckdb.DuckDBPyConnection,
    target: Path,
    *,
    account_id: int,
    list_id: int,
    statuses: Sequence[str] | None,
    window_ms: tuple[int, int],
    include_machine: bool,
    columns: Sequence[str],
    picked: Sequence[int] | None = None,
    among: tuple[str, dict[str, Any]] | None = None,
) -> int:
    """Write the report's rows to `target` (atomically); return how many rows.

    `columns` are the file's columns (`stored_columns`): contact columns and activity counters.
    The contacts are the list's (of `statuses`), narrowed to the ids `picked` by the main
    database or to those the DuckDB SELECT `among` (SQL, bound values) gives.
    """
    params: dict[str, Any] = {
        "account": account_id,
        "list": list_id,
        "machine": include_machine,
        "start": window_ms[0],
        "end": window_ms[1],
    }
    status_sql = ""
    if statuses is not None:
        status_sql = "AND status IN (SELECT unnest($statuses))"
        params["statuses"] = list(statuses)
    picked_sql = ""
    if picked is not None:
        picked_ids = pa.table({"id": pa.array(picked, pa.int64())})  # noqa: F841 (DuckDB reads it)
        picked_sql = "AND id IN (SELECT id FROM picked_ids)"
    if among is not None:
        picked_sql = f"AND id IN ({among[0]})"
        params.update(among[1])
    periods = aggregates.period_params(window_ms, rollup.through(duck))
    query = _query(columns, status_sql, picked_sql, use_periods=periods is not None)
    params.update(periods or {})
    params = {k: v for k, v in params.items() if re.search(rf"\${k}\b", query)}
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    copied = duck.execute(
        f"COPY ({query}) TO '{_quoted(partial)}' (FORMAT parquet, COMPRESSION zstd)", params
    ).fetchone()
    os.replace(partial, target)
    return int(copied[0]) if copied else 0


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def page(target: Path, offset: int, limit: int) -> list[dict[str, Any]]:
    """Rows [offset, offset + limit) of a report file, as dicts of its columns."""
    with store.memory() as duck:
        cursor = duck.execute(
            f"SELECT * FROM read_parquet('{_quoted(target)}') LIMIT ? OFFSET ?", [limit, offset]
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def csv_columns(selected: Sequence[str], list_fields: Mapping[str, tuple[str, str]]) -> list[str]:
    """One SQL expression per selected field, rendering it as the JSON result shows it."""
    from mailroom.reports import render

    out = []
    for name in selected:
        out.append(f"{render.sql_value(name, list_fields)} AS {_ident(name)}")
    return out


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_csv(source: Path, columns: Sequence[str], target: Path) -> None:
    """The report's CSV (header = the selected field names) written by DuckDB to `target`."""
    with store.memory() as duck:
        duck.execute(
            f"COPY (SELECT {', '.join(columns)} FROM read_parquet('{_quoted(source)}'))"
            f" TO '{_quoted(target)}' (FORMAT csv, HEADER)"
        )


_EVENT_NAMES = {int(t): t.wire for t in EventType}


def write_detailed(
    duck: duckdb.DuckDBPyConnection,
    report: Path,
    target: Path,
    *,
    account_id: int,
    list_id: int,
    window_ms: tuple[int, int],
    through: int,
) -> None:
    """Every event of the report's contacts inside its window, up to event id `through` (what
    the report read), one CSV row each."""
    names = " ".join(f"WHEN {k} THEN '{v}'" for k, v in _EVENT_NAMES.items())
    from mailroom.reports import render

    duck.execute(
        f"""COPY (
        SELECT {render.neutralised("r.email")} AS email, CASE e.type {names} END AS event_type,
            strftime(make_timestamp(e.at_ms * 1000), '%Y-%m-%d %H:%M:%S') AS time,
            e.mailing_id, {render.neutralised("l.url")} AS link, e.machine,
            e.details AS details
        FROM events e JOIN read_parquet('{_quoted(report)}') r ON r.contact_id = e.contact_id
        LEFT JOIN links l ON l.id = e.link_id
        WHERE e.account_id = ? AND e.list_id = ? AND e.at_ms >= ? AND e.at_ms < ?
            AND e.id <= ?
        ORDER BY r.contact_id, e.at_ms, e.id
        ) TO '{_quoted(target)}' (FORMAT csv, HEADER)""",
        [account_id, list_id, window_ms[0], window_ms[1], through],
    )


assert ROW_COLUMNS[0] == "contact_id"
