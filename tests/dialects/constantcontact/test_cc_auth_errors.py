"""Bearer auth, scopes and Constant Contact's error bodies under /v3."""

from __future__ import annotations

from typing import Any

import pytest
from cc_support import BASE, add_contact, auth

from mailroom.accounts import passwords, repository
from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context

ENDPOINTS = [
    "activity_details",
    "activity_summary?start=2025-01-01T00:00:00Z&end=2026-01-01T00:00:00Z",
    "open_and_click_rates?start=2025-01-01T00:00:00Z&end=2026-01-01T00:00:00Z",
]
UNAUTHORIZED = b'{"error_key":"unauthorized","error_message":"Unauthorized"}'


BAD_HEADERS = [None, "Bearer", "Bearer nope", "Basic dXNlcjpwYXNz", "bearer-typo x"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_missing_or_bad_token_is_the_gateway_401(
    client: Any, ctx: Context, account: NewAccount, endpoint: str
) -> None:
    uid = add_contact(ctx, account)
    for header in BAD_HEADERS:
        headers = {"Authorization": header} if header else {}
        response = client.get(f"{BASE}/{uid}/{endpoint}", headers=headers)
        assert response.status_code == 401, header
        assert response.content == UNAUTHORIZED
        assert len(response.content) == 59
        assert response.headers["www-authenticate"] == "Bearer realm=api.cc.email"


def test_scheme_is_case_insensitive(client: Any, ctx: Context, account: NewAccount) -> None:
    uid = add_contact(ctx, account)
    response = client.get(
        f"{BASE}/{uid}/activity_details", headers={"Authorization": f"bearer {account.token}"}
    )
    assert response.status_code == 200


def test_revoked_token_is_401(client: Any, ctx: Context, account: NewAccount) -> None:
    from sqlalchemy import update

    from mailroom.db.tables import api_tokens

    uid = add_contact(ctx, account)
    with ctx.db.write() as conn:
        conn.execute(update(api_tokens).values(revoked=1))
    response = client.get(f"{BASE}/{uid}/activity_details", headers=auth(account))
    assert response.status_code == 401


def test_token_without_contact_data_scope_is_403(
    client: Any, ctx: Context, account: NewAccount
) -> None:
    uid = add_contact(ctx, account)
    with ctx.db.write() as conn:
        repository.insert_token(
            conn,
            account_id=account.account_id,
            user_id=None,
            token_hash=passwords.hash_token("campaign-only"),
            scopes="campaign_data account_read",
            now=0,
        )
    for endpoint in ENDPOINTS:
        response = client.get(
            f"{BASE}/{uid}/{endpoint}", headers={"Authorization": "Bearer campaign-only"}
        )
        assert response.status_code == 403
        [error] = response.json()
        assert error["error_key"] == "http.status.forbidden"
        assert "scopes" in error["error_message"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_malformed_contact_id_is_404_invalid_format(
    client: Any, account: NewAccount, endpoint: str
) -> None:
    for bad in ("71600990-908b-11e6-907f-00166bff25", "zzzzzzzzzzzzzzzzzzzzzzzz", "123"):
        response = client.get(f"{BASE}/{bad}/{endpoint}", headers=auth(account))
        assert response.status_code == 404
        assert response.json() == [
            {
                "error_key": "contacts.api.not_found",
                "error_message": "contact_id is in an invalid format.",
            }
        ]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_unknown_or_foreign_contact_is_404(
    client: Any, ctx: Context, account: NewAccount, other_account: NewAccount, endpoint: str
) -> None:
    theirs = add_contact(ctx, other_account)
    for uid in (theirs, "0" * 24):
        response = client.get(f"{BASE}/{uid}/{endpoint}", headers=auth(account))
        assert response.status_code == 404
        assert response.json() == [
            {"error_key": "contacts.api.not_found", "error_message": "Contact not found."}
        ]
    # The owner sees it; ids are case-insensitive hex.
    response = client.get(f"{BASE}/{theirs.upper()}/{endpoint}", headers=auth(other_account))
    assert response.status_code == 200


def test_bad_request_is_an_error_array(client: Any, ctx: Context, account: NewAccount) -> None:
    uid = add_contact(ctx, account)
    response = client.get(
        f"{BASE}/{uid}/activity_details?tracking_activity_type=em_nope", headers=auth(account)
    )
    assert response.status_code == 400
    [error] = response.json()
    assert error["error_key"] == "http.status.bad_request"
    assert "em_nope" in error["error_message"]


def test_auth_is_checked_before_parameters(client: Any, ctx: Context, account: NewAccount) -> None:
    uid = add_contact(ctx, account)
    response = client.get(f"{BASE}/{uid}/activity_details?limit=0")
    assert response.status_code == 401


def test_unknown_v3_route_and_method(client: Any, account: NewAccount) -> None:
    response = client.get("/v3/no/such/thing", headers=auth(account))
    assert response.status_code == 404
    assert response.json() == [
        {
            "error_key": "http.status.not_found",
            "error_message": "The requested resource was not found.",
        }
    ]
    response = client.post(f"{BASE}/{'a' * 24}/activity_details", headers=auth(account))
    assert response.status_code == 405
    assert response.json()[0]["error_key"] == "http.status.method_not_allowed"


def test_other_dialects_keep_their_error_shape(client: Any) -> None:
    response = client.get("/api/no_such_thing")
    assert response.json()["metadata"] == {"error": True}


def test_calls_beyond_the_account_limit_are_429(
    client: Any, ctx: Context, account: NewAccount
) -> None:
    from sqlalchemy import update

    from mailroom.db.tables import accounts

    uid = add_contact(ctx, account)
    with ctx.db.write() as conn:
        conn.execute(update(accounts).values(rate_limit_per_minute=2))
    url = f"{BASE}/{uid}/activity_details"
    assert [client.get(url, headers=auth(account)).status_code for _ in range(2)] == [200, 200]
    response = client.get(url, headers=auth(account))
    assert response.status_code == 429
    assert response.json()[0]["error_key"] == "http.status.too_many_requests"
    ctx.clock.advance(seconds=60)
    assert client.get(url, headers=auth(account)).status_code == 200
