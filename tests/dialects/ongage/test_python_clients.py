"""Python `requests` scripts as found in the wild: lower-case underscore headers, real server."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context
from mailroom.lists import service as lists_service


@pytest.fixture
def session(account: NewAccount) -> requests.Session:
    s = requests.Session()
    s.headers.update(
        {
            "x_username": account.username,
            "x_password": account.password,
            "x_account_code": account.account_code,
        }
    )
    return s


def test_lower_case_headers_create_and_read(
    live_url: str, session: requests.Session, account: NewAccount
) -> None:
    created = session.post(
        f"{live_url}/api/v2/contacts/",
        json={"email": "py@example.com", "overwrite": True, "fields": {}},
        timeout=10,
    )
    assert created.status_code == 200, created.text
    uid = created.json()["payload"]["created_emails"]["py@example.com"]
    raw = session.get(f"{live_url}/api/contacts/by_email/py@example.com", timeout=10)
    assert raw.status_code == 200
    assert raw.json()["payload"]["id"] == uid
    encoded = session.get(f"{live_url}/api/contacts/by_email/py%40example.com/", timeout=10)
    assert encoded.json()["payload"]["id"] == uid
    by_id = session.get(
        f"{live_url}/{account.default_list_id}/api/contacts/by_id/{uid}", timeout=10
    )
    assert by_id.json()["payload"]["email"] == "py@example.com"


def test_upsert_script_with_put_arrays_on_a_list_prefix(
    live_url: str, session: requests.Session, account: NewAccount, ctx: Context
) -> None:
    with ctx.db.write() as conn:
        second = lists_service.create_list(conn, ctx.clock, account.account_id, {"name": "Py"})[
            "id"
        ]
    url = f"{live_url}/{second}/api/v2/contacts"
    assert session.post(url, json=[{"email": "u1@example.com"}], timeout=10).status_code == 200
    response = session.put(
        url,
        json=[{"email": "u1@example.com", "overwrite": True}, {"email": "u2@example.com"}],
        timeout=10,
    )
    assert response.status_code == 200
    payload: dict[str, Any] = response.json()["payload"]
    assert (payload["updated"], payload["failed"]) == (1, 1)
    assert payload["failed_emails"] == {"u2@example.com": "Contact not found"}
    status = session.post(
        f"{live_url}/{second}/api/v2/contacts/change_status",
        json={"change_to": "bounce", "emails": ["u1@example.com"]},
        timeout=10,
    )
    assert status.json()["payload"]["success"] == 1
    contact = session.get(f"{live_url}/{second}/api/contacts/by_email/u1@example.com", timeout=10)
    assert contact.json()["payload"]["ocx_status"] == "Bounced"


def test_wrong_password_is_401_in_the_envelope(live_url: str, account: NewAccount) -> None:
    response = requests.get(
        f"{live_url}/api/contacts/by_email/a@b.com",
        headers={
            "x_username": account.username,
            "x_password": "wrong",
            "x_account_code": account.account_code,
        },
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json()["metadata"]["error"] is True
