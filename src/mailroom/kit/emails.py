"""Email addresses checked by `email-validator` (syntax only, never DNS) within RFC 5321 limits.

Every path that takes an address (contacts, change_status, change_email, list notification
addresses, event ingest) checks it here. The library refuses what a hand-written pattern lets
through: local parts over 64 characters, addresses over 254, address literals such as
``a@[127.0.0.1]``, quoted local parts, and unsafe characters (NUL, right-to-left overrides).

The library costs about 50 µs an address, as much as storing a contact. Plain ASCII addresses
(the vast majority) are matched first against a pattern that accepts only addresses the library
accepts unchanged; `tests/kit/test_emails.py` holds the two to that. The rest go to the library.
"""

from __future__ import annotations

import re
from functools import lru_cache

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

MAX_LENGTH = 254  # RFC 5321 path limit (256) less the angle brackets
MAX_LOCAL = 64

_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_PLAIN = re.compile(rf"^{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[a-z]{{2,63}}$")
# `test` is allowed: RFC 2606 reserves it for tests, and ours use it.
_SPECIAL = tuple(name for name in SPECIAL_USE_DOMAIN_NAMES if name != "test")


class InvalidEmail(ValueError):
    """Not an email address mailroom stores; the message says why."""


def check_email(value: str) -> str:
    """The address, trimmed and lower-cased; `InvalidEmail` with the reason otherwise."""
    email = value.strip().lower()
    if _is_plain(email):
        return email
    return _checked(email)


def is_email(value: str) -> bool:
    """Whether `check_email` takes the value: a lookup by anything else can find nothing."""
    try:
        check_email(value)
    except InvalidEmail:
        return False
    return True


def _is_plain(email: str) -> bool:
    if len(email) > MAX_LENGTH or not _PLAIN.match(email):
        return False
    local, _, domain = email.rpartition("@")
    if len(local) > MAX_LOCAL or "--" in domain:  # `xx--` labels are IDNA's, for the library
        return False
    return not any(domain == name or domain.endswith("." + name) for name in _SPECIAL)


@lru_cache(maxsize=4096)
def _checked(email: str) -> str:
    try:
        found = validate_email(
            email,
            check_deliverability=False,
            allow_domain_literal=False,
            allow_quoted_local=False,
            allow_smtputf8=True,
            test_environment=True,
            strict=True,  # enforces the 64-character local part
        )
    except EmailNotValidError as exc:
        raise InvalidEmail(f"{_shown(email)} is not a valid email address: {exc}") from None
    return str(found.normalized).lower()


def _shown(email: str) -> str:
    """The address as an error message may quote it: short, without control characters."""
    return repr(email[:80] + ("…" if len(email) > 80 else ""))
