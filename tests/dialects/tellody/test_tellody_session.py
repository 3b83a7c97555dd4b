"""Tellody's session flow: ping, login, report; XSRF, expiry, logout, wrong passwords, UserInfo."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from mailroom.accounts.schemas import NewAccount
from mailroom.kit.clock import FrozenClock

BASE = "/CampaignCloud"
PING = f"{BASE}/RememberMeController/ping"
CHART = f"{BASE}/Report/ContactChart"
# 1 January 2026 in UTC+3: the account's default list is made at 00:00 UTC (03:00 local)
DAY = {
    "from": 1_767_214_800_000,
    "to": 1_767_301_199_999,
    "unit": "hour",
    "window": "day",
    "dow": 0,
}
LOGGED_IN = {"message": "You have logged in with success.", "status": "success"}
BAD_CREDENTIALS = {"access-denied": True, "cause": "badCredentials", "message": "Bad credentials"}


def ping(client: TestClient) -> str:
    response = client.get(PING)
    assert response.status_code == 200
    token = response.headers["X-XSRF-TOKEN"]
    assert token
    return token


def login(
    client: TestClient,
    account: NewAccount,
    token: str,
    *,
    password: str | None = None,
    remember: bool = False,
) -> Any:
    # As Tellody's sample sends it: form fields, labelled JSON.
    return client.post(
        f"{BASE}/login",
        data={
            "username": account.username,
            "password": password or account.password,
            "remember-me": remember,
        },
        headers={"Content-Type": "application/json", "X-XSRF-TOKEN": token},
    )


def chart(client: TestClient, token: str | None) -> Any:
    headers = {"X-XSRF-TOKEN": token} if token is not None else {}
    return client.post(CHART, json=DAY, headers=headers)


@pytest.fixture
def session(client: TestClient, account: NewAccount) -> str:
    """A signed-in client; returns the XSRF token of its first ping."""
    token = ping(client)
    response = login(client, account, token)
    assert response.status_code == 200 and response.json() == LOGGED_IN
    return token


def test_handshake_ping_login_report(client: TestClient, account: NewAccount) -> None:
    first = client.get(PING)
    assert "JSESSIONID=" in first.headers["set-cookie"]
    assert "HttpOnly" in first.headers["set-cookie"]
    assert first.json() == {"status": "success", "authenticated": False}
    token = first.headers["X-XSRF-TOKEN"]
    response = login(client, account, token)
    assert response.status_code == 200
    assert response.json() == LOGGED_IN
    assert "JSESSIONID=" in response.headers["set-cookie"]  # a new id after sign-in
    report = chart(client, token)
    assert report.status_code == 200
    body = report.json()
    assert list(body) == ["contactsAdded", "groupsAdded", "contactsBlocked", "contactsServed"]
    assert all(len(values) == 24 for values in body.values())
    assert body["groupsAdded"][3] == 1 and sum(body["groupsAdded"]) == 1
    assert client.get(PING).json()["authenticated"] is True


def test_a_json_login_body_works_too(client: TestClient, account: NewAccount) -> None:
    token = ping(client)
    response = client.post(
        f"{BASE}/login",
        json={"username": account.username, "password": account.password, "remember-me": "true"},
        headers={"X-XSRF-TOKEN": token},
    )
    assert response.status_code == 200
    assert "Max-Age=" in response.headers["set-cookie"]  # remember-me: a persistent cookie


def test_wrong_password_answers_tellodys_failure_body(
    client: TestClient, account: NewAccount
) -> None:
    token = ping(client)
    response = login(client, account, token, password="not-it")
    assert response.status_code == 401
    assert response.json() == BAD_CREDENTIALS
    assert chart(client, token).status_code == 401  # still not signed in
    unknown = client.post(
        f"{BASE}/login",
        data={"username": "nobody", "password": "x"},
        headers={"X-XSRF-TOKEN": token},
    )
    assert unknown.status_code == 401 and unknown.json() == BAD_CREDENTIALS


def test_wrong_passwords_are_rate_limited_per_user_and_address(
    client: TestClient, clock: FrozenClock, account: NewAccount, other_account: NewAccount
) -> None:
    token = ping(client)
    for _ in range(5):
        assert login(client, account, token, password="guess").status_code == 401
    locked = login(client, account, token)  # the right password, but too many wrong ones
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) > 0
    assert "no data" not in locked.text and "contactsAdded" not in locked.text
    assert login(client, other_account, token).status_code == 200  # another user is not locked
    clock.advance(seconds=901)
    token = ping(client)
    assert login(client, account, token).status_code == 200


def test_login_needs_a_session_and_its_xsrf_token(client: TestClient, account: NewAccount) -> None:
    no_session = client.post(
        f"{BASE}/login", data={"username": account.username, "password": account.password}
    )
    assert no_session.status_code == 401
    ping(client)
    assert login(client, account, "forged").status_code == 403
    missing = client.post(
        f"{BASE}/login", data={"username": account.username, "password": account.password}
    )
    assert missing.status_code == 403


def test_reports_need_the_cookie_and_a_matching_xsrf_token(
    app: Any, client: TestClient, account: NewAccount, session: str
) -> None:
    for token in (None, "", "forged"):
        response = chart(client, token)
        assert response.status_code == 403
        assert "contactsAdded" not in response.text
    stranger = TestClient(app)  # no cookie at all, though it knows the token
    response = chart(stranger, session)
    assert response.status_code == 401
    assert "contactsAdded" not in response.text
    assert chart(client, session).status_code == 200


def test_the_first_and_the_newest_token_are_accepted(client: TestClient, session: str) -> None:
    second = ping(client)
    third = ping(client)
    assert chart(client, session).status_code == 200  # the first ping's, as Tellody's samples
    assert chart(client, third).status_code == 200
    assert chart(client, second).status_code == 403  # neither first nor newest


def test_an_idle_session_expires(client: TestClient, clock: FrozenClock, session: str) -> None:
    clock.advance(seconds=1700)
    assert chart(client, session).status_code == 200  # and this call keeps it alive
    clock.advance(seconds=1700)
    assert chart(client, session).status_code == 200
    clock.advance(seconds=1801)
    response = chart(client, session)
    assert response.status_code == 401
    assert "contactsAdded" not in response.text


def test_remember_me_keeps_a_session_for_two_weeks(
    client: TestClient, clock: FrozenClock, account: NewAccount
) -> None:
    token = ping(client)
    assert login(client, account, token, remember=True).status_code == 200
    clock.advance(seconds=13 * 86_400)
    assert chart(client, token).status_code == 200
    clock.advance(seconds=14 * 86_400 + 1)
    assert chart(client, token).status_code == 401


def test_logout_ends_the_session_and_the_old_cookie_is_refused(
    client: TestClient, session: str
) -> None:
    cookie = client.cookies.get("JSESSIONID")
    assert cookie
    response = client.post(f"{BASE}/logout", headers={"X-XSRF-TOKEN": session})
    assert response.status_code == 200
    assert response.json()["status"] == "success"
    client.cookies.set("JSESSIONID", cookie, path="/CampaignCloud")  # replay the old cookie
    assert chart(client, session).status_code == 401
    assert client.get(f"{BASE}/UserInfo").status_code == 401


def test_user_info(client: TestClient, account: NewAccount, session: str) -> None:
    response = client.get(f"{BASE}/UserInfo")
    assert response.status_code == 200
    info = response.json()
    assert info["username"] == account.username
    assert info["email"] == account.username  # api@<code>: an address
    assert info["accountCode"] == account.account_code
    assert isinstance(info["userId"], int)
    assert {"creditsSpent", "creditsAvailable"} <= set(info)


def test_ongage_credentials_do_not_open_tellody_routes(
    client: TestClient, account: NewAccount
) -> None:
    headers = {
        "X_USERNAME": account.username,
        "X_PASSWORD": account.password,
        "X_ACCOUNT_CODE": account.account_code,
    }
    response = client.post(CHART, json=DAY, headers=headers)
    assert response.status_code == 401
    assert response.json()["status"] == 401
