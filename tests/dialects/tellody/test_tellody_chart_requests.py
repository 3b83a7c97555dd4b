"""ContactChart over HTTP: bad requests are 400s with a message, never 500; callers' offsets."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from mailroom.accounts.schemas import NewAccount
from mailroom.kit.clock import FrozenClock

CHART = "/CampaignCloud/Report/ContactChart"
DAY = 86_400_000
PLUS3_MIDNIGHT = 1_767_214_800_000  # 2026-01-01 00:00 at UTC+3
MINUS5_MIDNIGHT = 1_767_243_600_000  # 2026-01-01 00:00 at UTC-5


@pytest.fixture
def token(client: TestClient, account: NewAccount) -> str:
    return sign_in(client, account)


def sign_in(client: TestClient, account: NewAccount) -> str:
    xsrf = client.get("/CampaignCloud/RememberMeController/ping").headers["X-XSRF-TOKEN"]
    response = client.post(
        "/CampaignCloud/login",
        data={"username": account.username, "password": account.password},
        headers={"X-XSRF-TOKEN": xsrf},
    )
    assert response.status_code == 200
    return xsrf


def body(**changes: Any) -> dict[str, Any]:
    base = {
        "from": PLUS3_MIDNIGHT,
        "to": PLUS3_MIDNIGHT + DAY - 1,
        "unit": "hour",
        "window": "day",
        "dow": 0,
    }
    return {**base, **changes}


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (body(to=PLUS3_MIDNIGHT - 1), "to is before from"),
        (body(to=PLUS3_MIDNIGHT + 2 * DAY - 1), "a day window"),
        (body(window="week"), "a week window"),
        (body(unit="minute"), "unit must be one of"),
        (body(window="decade"), "window must be one of"),
        (body(unit="month", window="week", to=PLUS3_MIDNIGHT + 7 * DAY - 1), "longer than window"),
        (body(unit="week"), "longer than window"),
        (body(dow=9), "dow must be"),
        (body(dow="Sunday"), "dow must be an integer"),
        (body(**{"from": "yesterday"}), "from must be an integer"),
        (body(**{"from": True}), "from must be an integer"),
        (body(**{"from": 10**20}), "between the years"),
        (body(unit=None), "unit is required"),
        ({"to": PLUS3_MIDNIGHT, "unit": "hour", "window": "day"}, "from is required"),
        ({"dow": 0}, "no report parameters"),
        ([1, 2], "JSON object"),
    ],
)
def test_bad_requests_are_400_with_a_message(
    client: TestClient, token: str, payload: Any, message: str
) -> None:
    response = client.post(CHART, json=payload, headers={"X-XSRF-TOKEN": token})
    assert response.status_code == 400, response.text
    assert message in response.json()["message"]
    assert response.json()["status"] == 400


def test_a_request_without_a_body_is_a_400(client: TestClient, token: str) -> None:
    response = client.post(CHART, headers={"X-XSRF-TOKEN": token})
    assert response.status_code == 400
    assert "no body" in response.json()["message"]


def test_broken_json_is_a_400(client: TestClient, token: str) -> None:
    response = client.post(
        CHART,
        content=b'{"from": 1, "to":',
        headers={"X-XSRF-TOKEN": token, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert "Invalid JSON" in response.json()["message"]


def test_tellodys_buggy_report_sample_gets_a_400_that_says_why(
    client: TestClient, token: str
) -> None:
    # requests.post(url, header, data) puts the header dict in the form body and drops `json`
    response = client.post(CHART, data={"Content-Type": "application/json", "X-XSRF-TOKEN": token})
    assert response.status_code == 400
    assert "no report parameters" in response.json()["message"]


def test_form_encoded_report_parameters_are_read_too(client: TestClient, token: str) -> None:
    response = client.post(
        CHART, data={k: str(v) for k, v in body().items()}, headers={"X-XSRF-TOKEN": token}
    )
    assert response.status_code == 200
    assert len(response.json()["contactsAdded"]) == 24


def test_utc_plus_3_and_minus_5_callers_see_their_own_midnights(
    client: TestClient, clock: FrozenClock, account: NewAccount, token: str
) -> None:
    ongage = {
        "X_USERNAME": account.username,
        "X_PASSWORD": account.password,
        "X_ACCOUNT_CODE": account.account_code,
    }
    clock.set(1_767_268_800_000)  # 2026-01-01 12:00 UTC: 15:00 at UTC+3, 07:00 at UTC-5
    created = client.post("/api/v2/contacts", json=[{"email": "noon@x.test"}], headers=ongage)
    assert created.status_code == 200
    clock.set(1_767_268_800_000 + 3 * DAY)
    token = sign_in(client, account)  # the first session idled out meanwhile
    plus3 = client.post(CHART, json=body(), headers={"X-XSRF-TOKEN": token}).json()
    minus5 = client.post(
        CHART,
        json=body(**{"from": MINUS5_MIDNIGHT, "to": MINUS5_MIDNIGHT + DAY - 1}),
        headers={"X-XSRF-TOKEN": token},
    ).json()
    assert [i for i, n in enumerate(plus3["contactsAdded"]) if n] == [15]
    assert [i for i, n in enumerate(minus5["contactsAdded"]) if n] == [7]
    # the default list, made at 00:00 UTC: 03:00 at UTC+3, the evening before at UTC-5
    assert [i for i, n in enumerate(plus3["groupsAdded"]) if n] == [3]
    assert minus5["groupsAdded"] == [0] * 24
