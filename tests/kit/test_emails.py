"""The fast path of `kit.emails` accepts only what email-validator accepts, unchanged."""

from __future__ import annotations

import random
import string

import pytest
from email_validator import EmailNotValidError, validate_email

from mailroom.kit.emails import InvalidEmail, _is_plain, check_email

ALPHABET = string.ascii_lowercase + string.digits + ".-_+@!#$%&'*/=?^`{|}~[]\"\\ "


def _library(email: str) -> str | None:
    try:
        found = validate_email(
            email,
            check_deliverability=False,
            allow_domain_literal=False,
            allow_quoted_local=False,
            test_environment=True,
            strict=True,
        )
    except EmailNotValidError:
        return None
    return str(found.normalized).lower()


def test_fast_path_never_accepts_what_the_library_refuses() -> None:
    rng = random.Random(11)
    plain = 0
    narrow = string.ascii_lowercase + "..-_+"
    for i in range(20_000):
        chars = ALPHABET if i % 2 else narrow  # half of them mostly plausible
        local = "".join(rng.choice(chars) for _ in range(rng.randint(1, 70)))
        domain = "".join(rng.choice(chars) for _ in range(rng.randint(1, 20)))
        tld = rng.choice(["com", "co", "test", "local", "invalid", "c", "x1", "onion", "io"])
        email = f"{local}@{domain}.{tld}"
        if _is_plain(email):
            plain += 1
            assert _library(email) == email, email
    assert plain > 1000  # the sample exercised the fast path


@pytest.mark.parametrize(
    "email",
    [
        "x" * 65 + "@example.com",
        "a@" + "b" * 250 + ".com",
        "a\u202eb@example.com",
        "a\x00b@example.com",
        "a@[127.0.0.1]",
        '"quoted"@example.com',
        "a..b@example.com",
        "a@localhost",
        "a@example.local",
        "a@-x.com",
    ],
)
def test_refused(email: str) -> None:
    with pytest.raises(InvalidEmail):
        check_email(email)


@pytest.mark.parametrize(
    ("email", "stored"),
    [(" A.B+c@Example.COM ", "a.b+c@example.com"), ("üser@bücher.de", "üser@bücher.de")],
)
def test_accepted(email: str, stored: str) -> None:
    assert check_email(email) == stored
