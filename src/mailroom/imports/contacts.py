"""Import contacts into one list from a CSV file, streaming, through the API's bulk write path.

The header row names the columns: `email` plus list-field names (any case). A column that is not
a field of the list stops the import before anything is written, as in Ongage, unless the caller
asks for new columns to become fields (`imports.columns`). An empty cell
leaves that field alone. Each batch is one transaction, so memory stays flat for any file size;
failed rows (invalid email or value, or existing without `overwrite`) are counted and written
to the `failures` sink with their line number and reason.
"""

from __future__ import annotations

import csv
import gc
import io
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, TextIO

from mailroom.contacts import bulk, service
from mailroom.contacts.schemas import ContactInput
from mailroom.contacts.values import EMAIL, FieldIndex
from mailroom.context import Context
from mailroom.errors import ValidationFailed
from mailroom.fields import service as fields_service
from mailroom.imports import columns
from mailroom.imports.columns import FieldType

BATCH = 5000


class UnknownColumns(ValidationFailed):
    """Header names that are not fields of the list; `names` lets a caller suggest a way on."""

    def __init__(self, list_id: int, names: list[str]) -> None:
        super().__init__(
            f"Columns that are not fields of list {list_id}: {', '.join(names)}",
            errors=[{"field": name, "message": "not a field of this list"} for name in names],
        )
        self.names = names


class FailureSink(Protocol):
    def __call__(self, line: int, email: str, reason: str) -> None: ...


@dataclass
class ImportReport:
    import_id: int
    rows: int = 0
    created: int = 0
    updated: int = 0
    failed: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


@dataclass(frozen=True)
class _Columns:
    email: int
    fields: tuple[tuple[int, str], ...]
    width: int


def _columns(header: list[str], index: FieldIndex) -> _Columns:
    email_at: int | None = None
    named: list[tuple[int, str]] = []
    unknown: list[str] = []
    for i, raw in enumerate(header):
        name = raw.strip()
        if name.lower() == EMAIL:
            email_at = i
        elif not name:
            continue
        elif (fdef := index.field(name)) is not None:
            named.append((i, fdef.name))
        else:
            unknown.append(name)
    if unknown:
        raise UnknownColumns(index.schema.list_id, unknown)
    if email_at is None:
        raise ValidationFailed("The file has no 'email' column", errors=[{"field": "email"}])
    return _Columns(email_at, tuple(named), len(header))


@dataclass(frozen=True)
class _BadRow:
    line: int
    reason: str


def _items(
    reader: Iterator[list[str]], cols: _Columns, overwrite: bool
) -> Iterator[ContactInput | _BadRow]:
    email_at, named, width = cols.email, cols.fields, cols.width
    line = 1
    for row in reader:
        line = getattr(reader, "line_num", line + 1)
        if not row:
            continue
        if len(row) > width:
            yield _BadRow(line, f"row has {len(row)} cells, the header {width}")
            continue
        values = {name: row[i] for i, name in named if i < len(row) and row[i] != ""}
        email = row[email_at] if email_at < len(row) else ""
        yield ContactInput(email=email, fields=values, overwrite=overwrite, key=str(line))


def import_contacts(
    ctx: Context,
    path: Path,
    list_id: int,
    *,
    overwrite: bool = False,
    batch_size: int = BATCH,
    failures: FailureSink | None = None,
    on_progress: Callable[[int], None] | None = None,
    create_fields: bool = False,
    field_types: Mapping[str, FieldType] | None = None,
) -> ImportReport:
    """Import every row of the CSV at `path` into the list; `on_progress` gets bytes read.

    With `create_fields`, columns that are not fields yet become string fields first (or the
    type `field_types` names; a typed column is created even without `create_fields`).
    """
    started = time.perf_counter()
    with ctx.db.read() as conn:
        account_id = service.owner_of_list(conn, list_id)
    if create_fields or field_types:
        header = columns.header_of(path)
        columns.create_column_fields(
            ctx, list_id, account_id, header, every_column=create_fields, types=field_types or {}
        )
    with ctx.db.read() as conn:
        index = FieldIndex(fields_service.schema_of_list(conn, list_id))
    report = ImportReport(import_id=ctx.clock.now_ms())
    # Rows allocate many small containers but no reference cycles; the cyclic collector would
    # only rescan them (about a fifth of the import's time), so it pauses for the import.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _stream(ctx, path, account_id, index, overwrite, batch_size, report, failures, on_progress)
    finally:
        if collecting:
            gc.enable()
    report.seconds = time.perf_counter() - started
    return report


def _stream(
    ctx: Context,
    path: Path,
    account_id: int,
    index: FieldIndex,
    overwrite: bool,
    batch_size: int,
    report: ImportReport,
    failures: FailureSink | None,
    on_progress: Callable[[int], None] | None,
) -> None:
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        reader = csv.reader(text)
        header = next(reader, None)
        if header is None:
            raise ValidationFailed("The file is empty; a header row is required")
        cols = _columns(header, index)
        batch: list[ContactInput] = []
        for item in _items(reader, cols, overwrite):
            if isinstance(item, _BadRow):
                report.rows += 1
                _failed(report, failures, item.line, "", item.reason, item.reason)
                continue
            batch.append(item)
            if len(batch) >= batch_size:
                _flush(ctx, account_id, index, batch, report, failures)
                batch = []
                if on_progress is not None:
                    on_progress(raw.tell())
        if batch:
            _flush(ctx, account_id, index, batch, report, failures)
        if on_progress is not None:
            on_progress(raw.tell())


def _flush(
    ctx: Context,
    account_id: int,
    index: FieldIndex,
    batch: list[ContactInput],
    report: ImportReport,
    failures: FailureSink | None,
) -> None:
    with ctx.db.write() as conn:
        result = bulk.write_contacts(
            conn, ctx.clock, account_id, index, batch, mode="create", import_id=report.import_id
        )
    report.rows += result.rows
    report.created += result.created
    report.updated += result.updated
    if not result.failures:
        return
    invalid_fields = {e.key: e.field for e in result.invalid}
    emails = {item.key: item.email for item in batch}
    for key, reason in result.failures:
        bad_field = invalid_fields.get(key)
        email = emails.get(key)
        _failed(
            report,
            failures,
            int(key),
            email if isinstance(email, str) else "",
            reason,
            f"invalid {bad_field}" if bad_field else reason,
        )


def _failed(
    report: ImportReport,
    failures: FailureSink | None,
    line: int,
    email: str,
    reason: str,
    kind: str,
) -> None:
    report.failed += 1
    report.reasons[kind] += 1
    if failures is not None:
        failures(line, email, reason)


def csv_failure_sink(out: TextIO) -> FailureSink:
    """A sink writing `line,email,reason` rows (with a header) to an open text file."""
    writer = csv.writer(out)
    writer.writerow(["line", "email", "reason"])

    def write(line: int, email: str, reason: str) -> None:
        writer.writerow([line, email, reason])

    return write
