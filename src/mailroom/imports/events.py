"""Import engagement history from a CSV or NDJSON file through the one ingest path.

CSV has a header row naming the raw item keys (`type`, `contact_id` or `email`, `at`, ...;
see `activity.schemas`); empty cells count as absent. NDJSON has one item object per line.
The file is streamed in batches, each committed in its own transaction, so an import of
millions of rows keeps memory flat and can be re-run safely when rows carry idempotency keys.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from mailroom.activity import service
from mailroom.activity.parse import Invalid
from mailroom.activity.schemas import IngestResult
from mailroom.activity.types import Source
from mailroom.context import Context
from mailroom.db import retry
from mailroom.kit import gcpause

FORMATS = ("csv", "ndjson")
BATCH = 5000


@dataclass
class RowError:
    index: int  # 0-based item number in the file
    line: int  # 1-based line of the file where the item ends
    reason: str


@dataclass
class ImportSummary:
    accepted: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return len(self.errors)


def format_of(path: Path, given: str | None) -> str:
    """The file format: as given, else by extension (.csv; .ndjson, .jsonl, .json)."""
    if given:
        return given.lower()
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return "csv"
    if suffix in (".ndjson", ".jsonl", ".json"):
        return "ndjson"
    raise ValueError(f"Cannot tell the format of {path.name}; pass --format csv or ndjson.")


class _Counted:
    """Binary lines of a file, decoded, counting bytes read for the progress bar."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.bytes = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self.handle:
            self.bytes += len(raw)
            yield raw.decode("utf-8-sig" if self.bytes == len(raw) else "utf-8")


def _csv_items(lines: _Counted) -> Iterator[tuple[int, Any]]:
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        return
    names = [name.strip() for name in header]
    for row in reader:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(names):
            yield reader.line_num, Invalid(f"row has {len(row)} cells, the header {len(names)}")
            continue
        yield reader.line_num, {k: v for k, v in zip(names, row, strict=True) if v != ""}


def _ndjson_items(lines: _Counted) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            yield number, Invalid(f"invalid JSON: {exc}")


def import_events(
    ctx: Context,
    path: Path,
    *,
    account_id: int,
    list_id: int | None,
    fmt: str | None = None,
    batch_size: int = BATCH,
    on_progress: Callable[[int], None] | None = None,
    create_mailings: bool = False,
) -> ImportSummary:
    """Ingest every item of the file; `on_progress` gets the bytes read after each batch."""
    kind = format_of(path, fmt)
    if kind not in FORMATS:
        raise ValueError(f"Unknown format {kind!r}; use csv or ndjson.")
    summary = ImportSummary()
    with path.open("rb") as handle:
        lines = _Counted(handle)
        items = _csv_items(lines) if kind == "csv" else _ndjson_items(lines)
        batch: list[tuple[int, Any]] = []
        start = 0
        for numbered in items:
            batch.append(numbered)
            if len(batch) >= batch_size:
                _flush(ctx, account_id, list_id, batch, start, summary, create_mailings)
                start += len(batch)
                batch = []
                if on_progress:
                    on_progress(lines.bytes)
        if batch:
            _flush(ctx, account_id, list_id, batch, start, summary, create_mailings)
        if on_progress:
            on_progress(lines.bytes)
    return summary


def _flush(
    ctx: Context,
    account_id: int,
    list_id: int | None,
    batch: list[tuple[int, Any]],
    start: int,
    summary: ImportSummary,
    create_mailings: bool = False,
) -> None:
    def store() -> IngestResult:
        with ctx.db.write() as conn:
            return service.ingest(
                conn,
                ctx.clock,
                account_id,
                [item for _, item in batch],
                source=Source.IMPORT,
                default_list_id=list_id,
                create_mailings=create_mailings,
            )

    with gcpause.paused():
        result = retry.on_deadlock(store)
    summary.accepted += result.accepted
    summary.duplicates += result.duplicates
    for rejected in result.rejected:
        summary.errors.append(
            RowError(start + rejected.index, batch[rejected.index][0], rejected.reason)
        )
