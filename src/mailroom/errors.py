"""Business failures, each carrying its HTTP status; every dialect renders them in its own shape.

MailroomError
├── BadRequest          400  the request cannot be read (bad JSON, missing ids)
├── Unauthorized        401  no or wrong credentials
├── Forbidden           403  credentials valid, permission missing
├── NotFound            404  the thing named does not exist for this account
├── Conflict            409  the change clashes with current state
├── ValidationFailed    412  readable request, invalid values (Ongage uses 412 for these)
├── PayloadTooLarge     413  more items than one request may carry
├── RateLimited         429  too many calls per minute or in flight
└── Unavailable         503  a conflict with other writes persisted; retry after a moment

`errors` holds per-field or per-item details; `message` is for people.
"""

from __future__ import annotations

from typing import Any


class MailroomError(Exception):
    status = 500
    code = "error"

    def __init__(
        self,
        message: str,
        *,
        errors: Any = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.errors: Any = errors if errors is not None else []
        self.headers: dict[str, str] = headers or {}  # e.g. Retry-After on 429
        if code is not None:
            self.code = code


class BadRequest(MailroomError):
    status = 400
    code = "bad_request"


class Unauthorized(MailroomError):
    status = 401
    code = "unauthorized"


class Forbidden(MailroomError):
    status = 403
    code = "forbidden"


class NotFound(MailroomError):
    status = 404
    code = "not_found"


class Conflict(MailroomError):
    status = 409
    code = "conflict"


class ValidationFailed(MailroomError):
    status = 412
    code = "validation_failed"


class PayloadTooLarge(MailroomError):
    status = 413
    code = "payload_too_large"


class RateLimited(MailroomError):
    status = 429
    code = "rate_limited"


class Unavailable(MailroomError):
    status = 503
    code = "unavailable"
