"""One event vocabulary: Constant Contact's names plus spam complaints, stored as small ints."""

from __future__ import annotations

from enum import IntEnum


class EventType(IntEnum):
    EM_SENDS = 1
    EM_OPENS = 2
    EM_CLICKS = 3
    EM_BOUNCES = 4
    EM_OPTOUTS = 5
    EM_FORWARDS = 6
    P_CONTACT_OPEN = 7
    P_CONTACT_CLICK = 8
    P_CONTACT_ADD = 9
    P_CONTACT_UPDATE = 10
    EM_COMPLAINTS = 11  # spam complaints; not a Constant Contact tracking type

    @property
    def wire(self) -> str:
        return self.name.lower()


BY_NAME: dict[str, EventType] = {t.wire: t for t in EventType}

# What Constant Contact's activity_details may ask for.
CONSTANT_CONTACT_TYPES = tuple(t.wire for t in EventType if t is not EventType.EM_COMPLAINTS)

PAGE_TYPES = frozenset(
    {
        EventType.P_CONTACT_OPEN,
        EventType.P_CONTACT_CLICK,
        EventType.P_CONTACT_ADD,
        EventType.P_CONTACT_UPDATE,
    }
)


class Source(IntEnum):
    """Where an event came from (kept for auditing and replay)."""

    API = 0
    PIXEL = 1
    REDIRECT = 2
    UNSUBSCRIBE = 3
    SES = 4
    SENDGRID = 5
    MAILGUN = 6
    POSTMARK = 7
    IMPORT = 8
    DEMO = 9
    TRIGGER = 10
    MAILING = 11  # mailroom's own sends of a mailing
