"""Typed shapes of the contacts domain: a stored contact, a write request item, write outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ALREADY_EXISTS = "Contact already exists (send overwrite=true to update it)"
NOT_FOUND = "Contact not found"
EMAIL_NOT_FOUND = "Email not found"


@dataclass(slots=True)
class Contact:
    """One contact of one list; `fields` holds typed custom values by list-field name."""

    id: int
    uid: str
    account_id: int
    list_id: int
    email: str
    status: str
    fields: dict[str, Any]
    created: int
    modified: int
    unsubscribe_date: int | None
    resubscribe_date: int | None
    bounce_date: int | None
    complaint_date: int | None
    import_id: int | None
    status_changed_ms: int
    email_changed: int | None


@dataclass(slots=True)
class ContactInput:
    """One contact to write, as the caller sent it (values not yet parsed).

    `key` names the item in failure reports: the email as sent, a line number for imports.
    `uid` is set when an update names the contact by id instead of email.
    """

    email: Any
    fields: dict[str, Any]
    overwrite: bool = False
    uid: str | None = None
    key: str = ""


@dataclass(frozen=True, slots=True)
class FieldError:
    """Why one item is invalid: the field at fault (`email` for the key) and a message."""

    key: str
    field: str
    message: str

    @property
    def reason(self) -> str:
        return f"Invalid value for field '{self.field}': {self.message}"


@dataclass(slots=True)
class WriteResult:
    """Counters and per-email outcomes of one bulk create/update call."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    revived: int = 0
    created_emails: dict[str, str] = field(default_factory=dict)
    updated_emails: dict[str, str] = field(default_factory=dict)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (key, reason)
    invalid: list[FieldError] = field(default_factory=list)

    @property
    def success(self) -> int:
        return self.created + self.updated + self.revived

    @property
    def failed(self) -> int:
        return len(self.failures)

    def fail(self, key: str, reason: str) -> None:
        self.failures.append((key, reason))

    def reject(self, error: FieldError) -> None:
        self.invalid.append(error)
        self.failures.append((error.key, error.reason))


@dataclass(slots=True)
class StatusResult:
    """Outcome of one change_status call."""

    rows: int = 0
    changed: dict[str, str] = field(default_factory=dict)  # email -> uid
    failures: list[tuple[str, str]] = field(default_factory=list)

    @property
    def success(self) -> int:
        return len(self.changed)


@dataclass(slots=True)
class DeleteResult:
    deleted: dict[str, str] = field(default_factory=dict)  # uid -> email
    missing: list[str] = field(default_factory=list)
