"""Ongage's dynamic fields: ``{{name}}``, ``{{name:Default}}`` and ``{{name:{{other}}}}``.

A template is compiled once into literal text and tags; rendering a contact only joins strings.
A tag's default applies when the contact has no value (missing, null or empty text); a nested
default is another field, itself without a default. System fields (``ocx_*``) and the
unsubscribe tags come from the send, not the contact. Unknown names are found when a message is
saved (`unknown_fields`), never at send time.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

# System fields a message may use (Ongage "System Fields and Functions"); the sender fills them.
SYSTEM_FIELDS = frozenset(
    {
        "ocx_contact_id",
        "ocx_created_date",
        "ocx_list_id",
        "ocx_campaign_name",
        "ocx_subject",
        "ocx_mailing_id",
        "ocx_message_id",
        "ocx_segment_id",
        "ocx_all_segments",
        "ocx_child_id",
        "ocx_connection_id",
        "ocx_esp_id",
        "ocx_from_address",
        "ocx_from_address_domain",
        "ocx_from_name",
        "ocx_reply_address",
        "ocx_import_id",
        "email",
    }
)
# The one-click unsubscribe URL (`tracking.links.UNSUBSCRIBE_PLACEHOLDER` is the second name).
UNSUBSCRIBE_TAGS = frozenset({"ocx_unsubscribe_link", "unsubscribe_url"})

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
# {{name}}, {{name:literal default}}, {{name:{{other}}}}; a literal default has no braces.
_TAG = re.compile(
    r"\{\{\s*(?P<name>" + _NAME + r")\s*"
    r"(?::(?:\{\{\s*(?P<nested>" + _NAME + r")\s*\}\}|(?P<default>[^{}]*)))?\}\}"
)


@dataclass(frozen=True, slots=True)
class Tag:
    name: str
    default: str = ""
    nested: str | None = None  # another field as the default


Part = str | Tag


def compile_template(text: str) -> tuple[Part, ...]:
    parts: list[Part] = []
    at = 0
    for match in _TAG.finditer(text):
        if match.start() > at:
            parts.append(text[at : match.start()])
        parts.append(Tag(match["name"], match["default"] or "", match["nested"]))
        at = match.end()
    if at < len(text):
        parts.append(text[at:])
    return tuple(parts)


def tag_names(text: str) -> set[str]:
    names: set[str] = set()
    for match in _TAG.finditer(text):
        names.add(match["name"])
        if match["nested"]:
            names.add(match["nested"])
    return names


def unknown_fields(texts: Iterable[str], list_fields: Iterable[str]) -> list[str]:
    """The tag names in `texts` that are neither list fields nor system or unsubscribe tags."""
    known = set(list_fields) | SYSTEM_FIELDS | UNSUBSCRIBE_TAGS
    found: set[str] = set()
    for text in texts:
        found |= tag_names(text)
    return sorted(found - known)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def render(
    parts: tuple[Part, ...],
    values: Mapping[str, Any],
    escape: Callable[[str], str] | None = None,
) -> str:
    """The template with each tag replaced by the value (or its default); `escape` for HTML."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        value = value_of(part, values)
        out.append(escape(value) if escape is not None else value)
    return "".join(out)


def value_of(tag: Tag, values: Mapping[str, Any]) -> str:
    """A tag's text for one contact: its value, else its nested field's, else its default."""
    value = _text(values.get(tag.name))
    if value == "":
        value = _text(values.get(tag.nested)) if tag.nested else tag.default
    return value


def escape_html(value: str) -> str:
    return htmllib.escape(value, quote=True)
