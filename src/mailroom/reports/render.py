"""A report row's values as Ongage shows them, in JSON (Python) and in CSV (DuckDB SQL).

Both forms give the same values: `ocx_status` as Ongage's word, dates as Unix seconds, list
fields as the contacts API renders them. CSV cells that a spreadsheet would run as a formula
(starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return) get a leading apostrophe;
numbers and dates are never text and are left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from mailroom.contacts.status import OCX_STATUS
from mailroom.fields.formats import DATE_FORMATS, render_value
from mailroom.kit.spreadsheet import FORMULA_STARTS
from mailroom.reports.schemas import ACTIVITY_FIELDS, CONTACT_FIELDS

TEXT_TYPES = ("string", "email")

ListFields = Mapping[str, tuple[str, str]]  # name -> (type, format)


def json_row(
    row: Mapping[str, Any], selected: tuple[str, ...], list_fields: ListFields
) -> dict[str, Any]:
    """One result row: the selected fields, in their order."""
    values: dict[str, Any] | None = None
    out: dict[str, Any] = {}
    for name in selected:
        if name == "ocx_status":
            out[name] = OCX_STATUS.get(row["status"], row["status"])
        elif name in CONTACT_FIELDS:
            out[name] = row[CONTACT_FIELDS[name]]
        elif name in ACTIVITY_FIELDS:
            value = row[name]
            out[name] = int(value) if value is not None else None
        else:
            if values is None:
                raw = row["fields"]
                values = orjson.loads(raw) if raw else {}
            kind, fmt = list_fields.get(name, ("string", ""))
            stored = values.get(name) if isinstance(values, dict) else None
            out[name] = render_value(kind, fmt, stored)
    return out


def csv_cell(value: Any) -> Any:
    """A JSON value as a CSV cell, formula-like text neutralised."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralised(expr: str) -> str:
    starts = ", ".join(_sql_text(c) for c in FORMULA_STARTS)
    return f"CASE WHEN left({expr}, 1) IN ({starts}) THEN '''' || {expr} ELSE {expr} END"


def _sql_text(value: str) -> str:
    if value == "\t":
        return "chr(9)"
    if value == "\r":
        return "chr(13)"
    return "'" + value.replace("'", "''") + "'"


def sql_value(name: str, list_fields: ListFields) -> str:
    """DuckDB SQL over a report file's columns giving the field's CSV cell."""
    if name == "email":
        return neutralised("email")
    if name == "ocx_status":
        cases = " ".join(f"WHEN {_sql_text(k)} THEN {_sql_text(v)}" for k, v in OCX_STATUS.items())
        return f"CASE status {cases} ELSE status END"
    if name in CONTACT_FIELDS:
        return CONTACT_FIELDS[name]
    if name in ACTIVITY_FIELDS:
        return name
    kind, fmt = list_fields.get(name, ("string", ""))
    raw = f"json_extract_string(fields, {_sql_text('$.' + _json_key(name))})"
    if kind in TEXT_TYPES:
        return neutralised(raw)
    if kind == "date":
        stamp = f"try_cast({raw} AS TIMESTAMP)"
        pattern = DATE_FORMATS.get(fmt)
        if pattern is not None:
            fmt_sql = _sql_text(pattern)
        else:
            fmt_sql = f"CASE WHEN hour({stamp}) <> 0 THEN '%Y-%m-%d %H:%M:%S' ELSE '%Y-%m-%d' END"
        return f"coalesce(strftime({stamp}, {fmt_sql}), {raw})"
    return raw


def _json_key(name: str) -> str:
    return '"' + name.replace('"', '\\"') + '"'
