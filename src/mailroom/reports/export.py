"""CSV bodies streamed in constant memory: a file DuckDB wrote, or rows rendered chunk by chunk."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mailroom.activity.types import EventType
from mailroom.reports.render import ListFields, csv_cell, json_row

CHUNK = 1 << 20
DETAILED_HEADER = ("email", "event_type", "time", "mailing_id", "link", "machine", "details")


def file_chunks(path: Path) -> Iterator[bytes]:
    """The file's bytes in 1 MB chunks; the file is removed once read (or abandoned)."""
    try:
        with path.open("rb") as source:
            while block := source.read(CHUNK):
                yield block
    finally:
        path.unlink(missing_ok=True)


def _flush(buffer: io.StringIO) -> bytes:
    data = buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    return data


def report_csv(
    chunks: Iterable[list[dict[str, Any]]], selected: tuple[str, ...], fields: ListFields
) -> Iterator[bytes]:
    """Header (the selected fields) then one line per row, as the JSON result shows them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(selected)
    for rows in chunks:
        for row in rows:
            values = json_row(row, selected, fields)
            writer.writerow([csv_cell(values[name]) for name in selected])
        yield _flush(buffer)
    yield _flush(buffer)


def detailed_csv(events: Iterable[Any], lines_per_chunk: int = 5000) -> Iterator[bytes]:
    """One line per event: email, event type, UTC time, mailing, link, machine, details."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(DETAILED_HEADER)
    for n, (email, type_, at_ms, mailing_id, url, machine, details) in enumerate(events, 1):
        stamp = datetime.fromtimestamp(at_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
        writer.writerow(
            [
                csv_cell(email),
                EventType(type_).wire,
                stamp,
                "" if mailing_id is None else mailing_id,
                csv_cell(url),
                "true" if machine else "false",
                details or "",
            ]
        )
        if n % lines_per_chunk == 0:
            yield _flush(buffer)
    yield _flush(buffer)
