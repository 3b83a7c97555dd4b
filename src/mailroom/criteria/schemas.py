"""The criteria language's vocabulary and its typed, validated form.

A rule as Ongage writes it (``field_name``/``field_id``, ``type``, ``operator``, ``operand``,
``case_sensitive``, ``condition``, ``left_parenthesis``, ``right_parenthesis``) becomes a `Rule`
once checked against the list's fields; `CompiledCriteria` is what callers get back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement

from mailroom.errors import ValidationFailed

# --- rule types and operators ---------------------------------------------------------------------

EMAIL = "email"
STRING = "string"
NUMERIC = "numeric"
DATE = "date"
ID = "id"
SEGMENT = "segment"
BEHAVIORAL = "behavioral"
STATUS = "status"  # ocx_status: a string rule over the contact's status (internal kind only)
RULE_TYPES = (EMAIL, STRING, NUMERIC, DATE, ID, SEGMENT, BEHAVIORAL)

EQ, NE, LT, GT, LE, GE, BETWEEN = "=", "!=", "<", ">", "<=", ">=", "><"
EMPTY, NOT_EMPTY = "empty", "notempty"
CONTAINS, NOT_CONTAINS, STARTS, ENDS = "LIKE", "NOT LIKE", "LIKE_", "_LIKE"
OPERATORS = (
    EQ,
    NE,
    LT,
    GT,
    LE,
    GE,
    BETWEEN,
    EMPTY,
    NOT_EMPTY,
    CONTAINS,
    NOT_CONTAINS,
    STARTS,
    ENDS,
)
# Operators that hold when no operand matches: their operands are OR-ed inside a NOT.
NEGATED = frozenset({NE, NOT_CONTAINS})
NO_OPERAND = frozenset({EMPTY, NOT_EMPTY})
ORDERED = (EQ, NE, LT, GT, LE, GE, BETWEEN, EMPTY, NOT_EMPTY)

# Which operators each kind of value takes.
ALLOWED: dict[str, tuple[str, ...]] = {
    EMAIL: (EQ, NE, EMPTY, NOT_EMPTY, CONTAINS, NOT_CONTAINS, STARTS, ENDS),
    STRING: OPERATORS,
    NUMERIC: ORDERED,
    DATE: ORDERED,
    ID: (EQ, NE),
    STATUS: (EQ, NE),
    SEGMENT: (EQ, NE),
    BEHAVIORAL: (EQ, NE),
}

# --- system fields --------------------------------------------------------------------------------

# ocx_* name -> (rule type, contacts column).
SYSTEM_FIELDS: dict[str, tuple[str, str]] = {
    "ocx_status": (STATUS, "status"),
    "ocx_created_date": (DATE, "created"),
    "ocx_unsubscribe_date": (DATE, "unsubscribe_date"),
    "ocx_resubscribe_date": (DATE, "resubscribe_date"),
    "ocx_bounce_date": (DATE, "bounce_date"),
    "ocx_complaint_date": (DATE, "complaint_date"),
    "ocx_import_id": (NUMERIC, "import_id"),
    "ocx_contact_id": (ID, "uid"),
    "id": (ID, "uid"),
}
SEGMENT_FIELD = "segment"

# --- behavioral rules -----------------------------------------------------------------------------

SENT, OPENED, CLICKED = "sent", "opened", "clicked"
# field_name -> (action, negated). `=` asks "did", `!=` flips the question.
BEHAVIORS: dict[str, tuple[str, bool]] = {
    "sent": (SENT, False),
    "opened": (OPENED, False),
    "clicked": (CLICKED, False),
    "not_sent": (SENT, True),
    "not_opened": (OPENED, True),
    "not_clicked": (CLICKED, True),
}

# --- who: contact statuses ------------------------------------------------------------------------

USER_TYPES: dict[str, tuple[str, ...] | None] = {
    "all": None,
    "active": ("active",),
    "unsubscribed": ("unsubscribed",),
    "bounced": ("bounced",),
    "complaint": ("complaint",),
    "nonactive": ("unsubscribed", "bounced", "complaint"),
    "inactive": ("unsubscribed", "bounced", "complaint"),  # the word some clients use
}

MAX_RULES = 100
MAX_OPERANDS = 1000
MAX_NESTING = 10  # segments inside segments


@dataclass(frozen=True)
class Behavior:
    """A behavioral operand: which mailings, which window, whether machines count."""

    action: str  # sent | opened | clicked
    negated: bool
    mailing_ids: tuple[int, ...] = ()  # empty: any mailing
    from_ms: int | None = None
    to_ms: int | None = None  # inclusive
    include_machine: bool = False

    @property
    def windowed(self) -> bool:
        return self.from_ms is not None or self.to_ms is not None


@dataclass(frozen=True)
class Rule:
    """One validated rule: what it tests (`kind` and `target`) and how."""

    position: int
    field_name: str
    kind: str  # a RULE_TYPES value or STATUS
    target: str  # a contacts column, a list field's name, "segment" or the behavior
    operator: str
    values: tuple[Any, ...]  # typed operands (numbers, ISO dates, status names, ids, ...)
    case_sensitive: bool = False
    condition: str = "and"
    left: int = 0
    right: int = 0
    field_id: int | None = None
    behavior: Behavior | None = None
    has_time: bool = False  # date operands given with a time of day
    written: dict[str, Any] = field(default_factory=dict, compare=False)  # the write form


@dataclass(frozen=True)
class CompiledCriteria:
    """Criteria checked against one list, as a where-clause over ``tables.contacts``.

    `where` already holds the list, the account and the user type, so
    ``select(contacts.c.id).where(compiled.where)`` is the whole selection.
    """

    account_id: int
    list_id: int
    where: ColumnElement[bool]
    rules: tuple[Rule, ...]
    user_type: str = "all"
    combined_as_and: bool = False
    segment_ids: frozenset[int] = frozenset()  # every segment nested, however deep
    uses_events: bool = False  # some behavioral rule has a time window (reads `events`)
    include_machine: bool = False  # machine opens and clicks count in behavioral rules
    now_ms: int = 0  # the moment relative windows (``days``) were resolved against

    def written(self) -> list[dict[str, Any]]:
        """The rules in Ongage's write form, normalised (real arrays, ints), for storing."""
        return [dict(r.written) for r in self.rules]


class InvalidCriteria(ValidationFailed):
    """Criteria that cannot be compiled; `errors` lists every problem with its rule position."""

    code = "invalid_criteria"


def problem(position: int | None, field_name: str, key: str, message: str) -> dict[str, Any]:
    """One entry of `InvalidCriteria.errors`."""
    where = "criteria" if position is None else f"criteria[{position}]"
    return {
        "field": f"{where}.{key}" if key else where,
        "position": position,
        "field_name": field_name,
        "message": message,
    }
