"""Columns of an import file that are not list fields yet: find them, and create them on request.

`--create-fields` makes every new column a string field; `--field-type NAME=TYPE[:FORMAT]` types
one (`birthday=date:%Y-%m-%d`, `score=numeric`). Dates take Ongage's format names
(`yyyy-mm-dd`) or the strftime spelling of the same format (`%Y-%m-%d`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from mailroom.context import Context
from mailroom.errors import ValidationFailed
from mailroom.fields import service as fields_service
from mailroom.fields.formats import DATE_FORMATS
from mailroom.fields.schemas import CUSTOM_TYPES, EMAIL_FIELD


@dataclass(frozen=True)
class FieldType:
    """The type (and date format, Ongage's name) a new column's field gets."""

    type: str = "string"
    format: str = ""


def ongage_date_format(text: str) -> str:
    """Ongage's name of a date format given by that name or as strftime; ValueError otherwise."""
    if text in DATE_FORMATS:
        return text
    for name, strf in DATE_FORMATS.items():
        if strf == text:
            return name
    shown = ", ".join(f"{name} ({strf})" for name, strf in DATE_FORMATS.items() if " " not in name)
    raise ValueError(f"unknown date format {text!r}; one of: {shown}, optionally with a time")


def parse_field_type(spec: str) -> tuple[str, FieldType]:
    """`NAME=TYPE[:FORMAT]` → (name, FieldType); ValueError with a readable reason."""
    name, sep, rest = spec.partition("=")
    kind, _, fmt = rest.partition(":")
    name, kind = name.strip(), kind.strip()
    if not sep or not name or not kind:
        raise ValueError(f"{spec!r} is not NAME=TYPE[:FORMAT], e.g. birthday=date:%Y-%m-%d")
    if kind not in CUSTOM_TYPES:
        raise ValueError(f"{spec!r}: the type must be one of {', '.join(CUSTOM_TYPES)}")
    if kind == "date":
        if not fmt:
            raise ValueError(f"{spec!r}: a date needs its format, e.g. {name}=date:%Y-%m-%d")
        return name, FieldType("date", ongage_date_format(fmt))
    if fmt:
        raise ValueError(f"{spec!r}: only date fields take a format")
    return name, FieldType(kind)


def header_of(path: Path) -> list[str]:
    """The file's header row, names stripped (empty when the file is empty)."""
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", errors="replace", newline="")
        return [name.strip() for name in next(csv.reader(text), [])]


def new_columns(header: Sequence[str], known: Mapping[str, object]) -> list[str]:
    """Header names that are neither `email` nor a field of the list (compared ignoring case)."""
    names = {name.lower() for name in known}
    return [n for n in header if n and n.lower() != EMAIL_FIELD and n.lower() not in names]


def create_column_fields(
    ctx: Context,
    list_id: int,
    account_id: int,
    header: Sequence[str],
    *,
    every_column: bool,
    types: Mapping[str, FieldType],
) -> list[str]:
    """Create fields for the header's new columns (all, or the typed ones); their names."""
    with ctx.db.write() as conn:
        known = fields_service.schema_of_list(conn, list_id).fields
        fresh = new_columns(header, known)
        lowered = {n.lower() for n in header}
        absent = [n for n in types if n.lower() not in lowered]
        if absent:
            message = f"The file has no column named {', '.join(absent)}"
            raise ValidationFailed(message, errors=[{"field": n} for n in absent])
        typed = {name.lower(): kind for name, kind in types.items()}
        wanted = [n for n in fresh if every_column or n.lower() in typed]
        items = [
            (
                list_id,
                {
                    "name": name,
                    "type": typed.get(name.lower(), FieldType()).type,
                    "format": typed.get(name.lower(), FieldType()).format,
                },
            )
            for name in wanted
        ]
        if items:
            try:
                fields_service.create_fields(conn, ctx.clock, account_id, items)
            except ValidationFailed as exc:
                raise _by_column(exc, wanted) from None
    return wanted


def _by_column(exc: ValidationFailed, names: Sequence[str]) -> ValidationFailed:
    """The fields service's per-item errors, told by the file's column names."""
    errors = [{**e, "column": names[e["index"]]} for e in exc.errors if "index" in e]
    told = "; ".join(f"column {e['column']!r}: {e['message']}" for e in errors)
    return ValidationFailed(
        f"Columns that cannot become fields (rename them in the header row): {told}",
        errors=errors,
    )
