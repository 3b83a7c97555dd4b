"""Hypothesis-driven requests to every route: whatever the body, query or path, never a 5xx.

The routes come from the app itself, so a new endpoint is fuzzed without being listed here.
Bodies are JSON built from the keys the APIs read (email, list_id, name, type, format, emails,
contact_ids, ...) and from random ones, with hostile values: integers past 64 bits, 1e308,
NUL characters, long and unicode strings, nested arrays and objects. The normal suite runs a
few examples per route; `scripts/fuzz` runs many more (MAILROOM_FUZZ_EXAMPLES) on both
backends, after schemathesis has fuzzed the OpenAPI of a live server.
"""

from __future__ import annotations

import logging
import os
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mailroom.accounts.schemas import NewAccount
from mailroom.app import routers

EXAMPLES = int(os.environ.get("MAILROOM_FUZZ_EXAMPLES", "5"))
SLOTS = 200

KEYS = [
    "email", "new_email", "emails", "list_id", "id", "name", "title", "type", "format",
    "default", "mandatory", "position", "is_sms", "change_to", "contact_id", "contact_ids",
    "overwrite", "description", "notification_email", "scope", "settings", "fields",
    "ocx_child_id", "ocx_connection_id", "contact_id", "idempotency_key", "at", "mailing_id",
    "link_url", "user_agent", "bounce_code", "bounce_type", "machine", "expiration_date",
    "imports_concurrent_limit", "frequency_field_id", "unsubscribe_default_link", "offset",
    "limit", "sort", "order", "user_type", "cursor", "start", "end", "signature", "event-data",
]  # fmt: skip

hostile_ints = st.sampled_from([2**63, -(2**63) - 1, 2**64, 10**30, -1, 0, 2**31, 1])
hostile_text = st.sampled_from(
    ["", "\x00", "a\x00b@example.com", "x" * 5000, "1e308", "9" * 40, "-1", "NaN",
     "a@[127.0.0.1]", "\u202e@x.com", "date", "unsubscribe", "yyyy-mm-dd", "../..", "%00",
     "javascript:alert(1)", "ok@example.com", "'; DROP TABLE contacts; --"]
)  # fmt: skip
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    hostile_ints,
    st.floats(allow_nan=False, allow_infinity=False),
    st.just(1e308),
    st.text(max_size=40),
    hostile_text,
)
json_values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=5),
    ),
    max_leaves=12,
)
bodies = st.one_of(
    st.dictionaries(st.sampled_from(KEYS), json_values, max_size=6),
    st.lists(st.dictionaries(st.sampled_from(KEYS), json_values, max_size=4), max_size=4),
    json_values,
)
path_values = st.one_of(
    st.sampled_from(["1", "2", str(2**63), "9" * 30, "abc", "0", "-1", "%00", "1e308", "x@y.co"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30),
)
queries = st.dictionaries(
    st.sampled_from(KEYS), st.one_of(hostile_text, st.integers().map(str)), max_size=4
)


def _routes() -> list[tuple[str, str]]:
    """Every (method, path) the app serves, from the routers it mounts."""
    return [
        (method, route.path)
        for router in routers()
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in sorted(route.methods)
    ]


ROUTES = _routes()


def test_every_route_has_a_fuzz_slot() -> None:
    assert 35 <= len(ROUTES) <= SLOTS


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_no_request_is_a_server_error(
    method: str, path: str, client: Any, account: NewAccount
) -> None:
    headers = {
        "X_USERNAME": account.username,
        "X_PASSWORD": account.password,
        "X_ACCOUNT_CODE": account.account_code,
        "Authorization": f"Bearer {account.token}",
    }
    names = [part[1:-1].split(":")[0] for part in path.split("/") if part.startswith("{")]

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(
        body=bodies,
        query=queries,
        values=st.lists(path_values, min_size=len(names), max_size=len(names)),
        prefix=st.sampled_from(["", "", f"/{account.default_list_id}", f"/{2**64}"]),
    )
    def request(body: Any, query: dict[str, str], values: list[str], prefix: str) -> None:
        url = path
        for name, raw in zip(names, values, strict=True):
            value = quote(raw, safe="@%")  # `%` kept: a pre-encoded value is a case too
            url = url.replace("{" + name + ":path}", value).replace("{" + name + "}", value)
        if prefix and url.startswith("/api/"):
            url = prefix + url
        response = client.request(
            method, url, params=query, json=None if method in ("GET", "HEAD") else body,
            headers=headers, follow_redirects=False,
        )  # fmt: skip
        assert response.status_code < 500, (method, url, body, response.text)
        # The 400 of `web.conflicts` for a value the database refused hides a validation gap.
        assert not refused, (method, url, body, refused)

    refused: list[str] = []
    handler = _Collect(refused)
    logger = logging.getLogger("mailroom")
    logger.addHandler(handler)
    try:
        request()
    finally:
        logger.removeHandler(handler)


class _Collect(logging.Handler):
    """Keeps the messages of `web.conflicts` about values the database refused."""

    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if message.startswith("value refused by the database"):
            self.into.append(message)
