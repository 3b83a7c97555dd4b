"""Check a contact's raw values against its list's typed fields.

Unknown field names are rejected (412 naming the field), as Ongage's own import rejects columns
that are not fields of the list: a typo must not silently drop data. Values are parsed with the
field's type and format (`fields.formats.parse_value`); an empty value clears the field.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from mailroom.contacts.schemas import FieldError
from mailroom.fields.formats import (
    DATE_FORMATS,
    MAX_STRING,
    InvalidValue,
    normalise_email,
    parse_value,
)
from mailroom.fields.service import FieldDef, FieldSchema

EMAIL = "email"


_PARTS = {"dd": r"(?P<d>\d{2})", "mm": r"(?P<m>\d{2})", "yyyy": r"(?P<y>\d{4})"}
_TIME = r"(?P<H>\d{2}):(?P<M>\d{2})"


def _fast_date(fmt: str) -> Callable[[str], str | None]:
    """A regex parser for the common spelling of a date format (two-digit day and month).

    It returns what `parse_value` would, or None to send the value down the exact slow path
    (strptime), which also words the error; imports spend most of their time on dates otherwise.
    """
    date_fmt, _, time_fmt = fmt.partition(" ")
    sep = "/" if "/" in date_fmt else "-"
    body = re.escape(sep).join(_PARTS.get(p, re.escape(p)) for p in date_fmt.split(sep))
    if time_fmt == "hh24:mi":
        body += " " + _TIME
    elif time_fmt == "hh24:mi:ss":
        body += " " + _TIME + r":(?P<S>\d{2})"
    else:  # date-only formats also take a time, as parse_value does
        body += r"(?: " + _TIME + r"(?::(?P<S>\d{2}))?)?"
    match = re.compile(body + "$").match

    def parse(text: str) -> str | None:
        found = match(text.strip())
        if found is None:
            return None
        g = found.groupdict()
        y = int(g["y"])
        if y < 1000:
            return None
        try:
            when = datetime(
                y,
                int(g["m"]),
                int(g["d"]),
                int(g["H"] or 0),
                int(g["M"] or 0),
                int(g.get("S") or 0),
            )
        except ValueError:
            return None
        if g["H"] is None:
            return f"{when.year}-{when.month:02d}-{when.day:02d}"
        return (
            f"{when.year}-{when.month:02d}-{when.day:02d}"
            f" {when.hour:02d}:{when.minute:02d}:{when.second:02d}"
        )

    return parse


def _fast_string(text: str) -> str | None:
    return text if text and len(text) <= MAX_STRING else None


def _fast_number(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _fast_parser(fdef: FieldDef) -> Callable[[str], Any] | None:
    """A shortcut for text values of the common shape, giving what `parse_value` gives.

    None from the shortcut sends the value to `parse_value`, which also words any error.
    """
    if fdef.type == "string":
        return _fast_string
    if fdef.type == "numeric":
        return _fast_number
    if fdef.type == "date" and fdef.format in DATE_FORMATS:
        return _fast_date(fdef.format)
    return None


class InvalidContact(Exception):
    """One item cannot be written; carries the field at fault."""

    def __init__(self, error: FieldError) -> None:
        super().__init__(error.reason)
        self.error = error


def parse_email(key: str, value: Any) -> str:
    if value is None or value == "":
        raise InvalidContact(FieldError(key, EMAIL, "email is required"))
    try:
        return normalise_email(value)
    except InvalidValue as exc:
        raise InvalidContact(FieldError(key, EMAIL, str(exc))) from None


class FieldIndex:
    """A list's custom fields prepared for fast parsing of many contacts."""

    def __init__(self, schema: FieldSchema) -> None:
        self.schema = schema
        custom = schema.custom()
        self.by_name: dict[str, FieldDef] = {f.name: f for f in custom}
        self._by_lower = {f.name.lower(): f for f in custom}
        self.mandatory = tuple(f.name for f in custom if f.mandatory)
        self._fast = {f.name: fast for f in custom if (fast := _fast_parser(f)) is not None}
        self.defaults: dict[str, Any] = {}
        for f in custom:
            if f.default not in (None, ""):
                try:
                    self.defaults[f.name] = parse_value(f.type, f.format, f.default)
                except InvalidValue:
                    continue

    def field(self, name: str) -> FieldDef | None:
        """A field by exact name, else case-insensitively (CSV headers, hand-written JSON)."""
        return self.by_name.get(name) or self._by_lower.get(name.lower())

    def parse(self, key: str, raw: Mapping[str, Any]) -> dict[str, Any]:
        """Typed values by field name; None means "clear this field"."""
        typed: dict[str, Any] = {}
        for name, value in raw.items():
            fdef = self.by_name.get(name) or self._by_lower.get(str(name).lower())
            if fdef is None:
                raise InvalidContact(
                    FieldError(key, str(name), f"'{name}' is not a field of this list")
                )
            fast = self._fast.get(fdef.name)
            if fast is not None and type(value) is str:
                parsed = fast(value)
                if parsed is not None:
                    typed[fdef.name] = parsed
                    continue
            try:
                typed[fdef.name] = parse_value(fdef.type, fdef.format, value)
            except InvalidValue as exc:
                raise InvalidContact(FieldError(key, fdef.name, str(exc))) from None
        return typed

    def new_values(self, key: str, typed: Mapping[str, Any]) -> dict[str, Any]:
        """Stored values of a new contact: defaults, then the given values, then the check."""
        values = dict(self.defaults) if self.defaults else {}
        for name, value in typed.items():
            if value is None:
                values.pop(name, None)
            else:
                values[name] = value
        self.check_mandatory(key, values)
        return values

    def merged(
        self, key: str, current: Mapping[str, Any], typed: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Stored values after an update: given values replace, empty ones clear."""
        values = dict(current)
        for name, value in typed.items():
            if value is None:
                values.pop(name, None)
            else:
                values[name] = value
        self.check_mandatory(key, values)
        return values

    def check_mandatory(self, key: str, values: Mapping[str, Any]) -> None:
        for name in self.mandatory:
            if values.get(name) is None:
                raise InvalidContact(FieldError(key, name, "a value is required"))
