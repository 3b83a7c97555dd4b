"""`ongage.hot`: by_email / by_id answered before routing once the credentials are cached.

The first call of a credential goes through the FastAPI route (argon2, then the cache); later
ones through the fast path. Both must answer alike, errors included, and count once against
the call limits. A few tests drive `HotContactReads` alone over an app that refuses every call,
to prove which requests it answers itself and which it passes on.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from starlette.types import Receive, Scope, Send

from conftest import add_field
from conftest import ongage_headers_for as headers
from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context
from mailroom.db.tables import accounts
from mailroom.dialects.ongage.hot import HotContactReads, hot_key


class Refuse:
    """The rest of the app, for the fast path alone: records what reaches it, answers 599."""

    def __init__(self) -> None:
        self.paths: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.paths.append(scope["path"])
        await send({"type": "http.response.start", "status": 599, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture
def contact(client: Any, ctx: Context, account: NewAccount) -> dict[str, Any]:
    add_field(ctx, account, "first_name", position=1)
    add_field(ctx, account, "birthday", "date", "dd/mm/yyyy", position=2)
    body = {"email": "Dana@Example.com", "first_name": "Dana", "birthday": "31/12/1990"}
    response = client.post("/api/v2/contacts", json=body, headers=headers(account))
    assert response.status_code == 200, response.text
    found = client.get("/api/contacts/by_email/dana@example.com", headers=headers(account))
    assert found.status_code == 200  # this first call cached the credentials
    payload: dict[str, Any] = found.json()["payload"]
    assert payload["birthday"] == "31/12/1990"
    return payload


@pytest.fixture
def rest() -> Refuse:
    return Refuse()


@pytest.fixture
def hot_only(app: Any, client: Any, rest: Refuse) -> httpx.Client:
    """HTTP to `HotContactReads` in front of `rest`, with the real app's context."""
    hot = HotContactReads(rest)

    async def with_app(scope: Scope, receive: Receive, send: Send) -> None:
        await hot({**scope, "app": app}, receive, send)

    return TestClient(with_app)  # not entered: no lifespan for this bare ASGI app


def test_the_fast_path_answers_like_the_route(
    hot_only: httpx.Client, rest: Refuse, account: NewAccount, contact: dict[str, Any]
) -> None:
    by_email = hot_only.get("/api/contacts/by_email/DANA%40example.com", headers=headers(account))
    by_id = hot_only.get(f"/api/contacts/by_id/{contact['id']}", headers=headers(account))

    assert by_email.status_code == by_id.status_code == 200
    assert by_email.json() == by_id.json() == {"metadata": {"error": False}, "payload": contact}
    assert rest.paths == []


def test_the_fast_path_answers_misses_in_the_envelope(
    hot_only: httpx.Client, rest: Refuse, account: NewAccount, contact: dict[str, Any]
) -> None:
    missing = hot_only.get("/api/contacts/by_email/nobody@example.com", headers=headers(account))
    bad_id = hot_only.get("/api/contacts/by_id/not-an-id", headers=headers(account))
    no_list = hot_only.get(
        "/api/contacts/by_email/dana@example.com?list_id=999999", headers=headers(account)
    )

    for response in (missing, bad_id, no_list):
        assert response.status_code == 404
        assert response.json()["metadata"] == {"error": True}
        assert response.json()["payload"]["code"] == 404
    assert no_list.json()["payload"]["message"] == "List not found"
    assert rest.paths == []


def test_uncached_credentials_head_and_other_paths_go_on_to_the_app(
    hot_only: httpx.Client, rest: Refuse, account: NewAccount, contact: dict[str, Any]
) -> None:
    wrong = {**headers(account), "X_PASSWORD": "wrong"}
    assert hot_only.get("/api/contacts/by_email/dana@example.com", headers=wrong).status_code == 599
    assert (
        hot_only.head(
            "/api/contacts/by_email/dana@example.com", headers=headers(account)
        ).status_code
        == 599
    )
    assert hot_only.get("/api/contacts/by_id/a/b", headers=headers(account)).status_code == 599
    assert hot_only.get("/api/contacts", headers=headers(account)).status_code == 599
    assert rest.paths == [
        "/api/contacts/by_email/dana@example.com",
        "/api/contacts/by_email/dana@example.com",
        "/api/contacts/by_id/a/b",
        "/api/contacts",
    ]


def test_list_prefix_and_trailing_slash_reach_the_fast_path(
    client: Any, ctx: Context, account: NewAccount, contact: dict[str, Any]
) -> None:
    prefixed = f"/{account.default_list_id}/api/contacts/by_email/dana@example.com/"
    elsewhere = "/424242/api/contacts/by_email/dana@example.com"

    assert client.get(prefixed, headers=headers(account)).json()["payload"] == contact
    assert client.get(elsewhere, headers=headers(account)).status_code == 404


def test_each_call_counts_once_whichever_path_serves_it(
    client: Any, ctx: Context, account: NewAccount, other_account: NewAccount
) -> None:
    with ctx.db.write() as conn:
        conn.execute(
            update(accounts)
            .where(accounts.c.id == account.account_id)
            .values(rate_limit_per_minute=3)
        )
    path = "/api/contacts/by_email/nobody@example.com"
    # The first call authenticates through the route, the others take the fast path.
    statuses = [client.get(path, headers=headers(account)).status_code for _ in range(4)]

    assert statuses == [404, 404, 404, 429]
    refused = client.get(path, headers=headers(account))
    assert refused.json()["payload"] == {
        "code": 429,
        "message": "Calls per minute exceeded",
        "errors": [],
    }
    assert refused.headers["Retry-After"].isdigit()
    assert client.get(path, headers=headers(other_account)).status_code == 404


def test_an_unexpected_failure_is_ongage_500(
    app: Any, account: NewAccount, contact: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*args: Any) -> None:
        raise RuntimeError("disk on fire")

    reader = app.state.ctx.services["contact_reader"]
    monkeypatch.setattr(reader, "get", broken)
    with TestClient(app, raise_server_exceptions=False) as failing:
        response = failing.get("/api/contacts/by_email/dana@example.com", headers=headers(account))

    assert response.status_code == 500
    assert response.json()["payload"]["message"] == "General error"


@pytest.mark.parametrize(
    ("path", "wanted"),
    [
        ("/api/contacts/by_email/a@b.co", ("email", "a@b.co")),
        ("/api/contacts/by_email/a%2540b.co", ("email", "a%40b.co")),
        ("/api/contacts/by_email/", None),
        ("/api/contacts/by_id/0123456789abcdef01234567", ("uid", "0123456789abcdef01234567")),
        ("/api/contacts/by_id/", None),
        ("/api/contacts/by_idx/1", None),
        ("/api/contacts/cross_account", None),
    ],
)
def test_hot_key(path: str, wanted: tuple[str, str] | None) -> None:
    assert hot_key(path) == wanted
