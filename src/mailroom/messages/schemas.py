"""Shapes of the messages domain: a stored email message and its compiled templates."""

from __future__ import annotations

from dataclasses import dataclass

from mailroom.messages.merge import Part

MESSAGE_NOT_FOUND = "Email message not found"
# Keys of an email message (pinned where Ongage's documents are silent; see docs/automation.md).
TEXT_KEYS = ("name", "subject", "from_name", "from_address", "reply_address")
BODY_KEYS = ("content_html", "content_text")


@dataclass(frozen=True)
class Compiled:
    """A message ready to render per contact: each template parsed once."""

    id: int
    list_id: int | None
    name: str
    subject: tuple[Part, ...]
    html: tuple[Part, ...]
    text: tuple[Part, ...]
    from_name: str
    from_address: str
    reply_address: str
    html_source: str = ""  # the HTML template as written (sending finds its links once)
