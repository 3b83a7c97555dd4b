"""Bad input of every class is the dialect's 4xx, never a 500 and never a partial write.

Each test is a reproducer from the hardening review: integers past BIGINT, a non-string date
format, NUL characters, unsafe email addresses, unbounded arrays.
"""

from __future__ import annotations

from typing import Any

import pytest

from mailroom.accounts.schemas import NewAccount

BIG = 2**63
HUGE = "999999999999999999999999999999"


def _ongage_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["metadata"]["error"] is True
    return dict(body["payload"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("DELETE", f"/api/lists/{HUGE}"),
        ("GET", f"/api/lists/{BIG}"),
        ("PUT", f"/api/lists/{BIG}"),
        ("GET", f"/api/lists/{BIG}/delete_implications"),
        ("GET", f"/api/list_fields/{BIG}"),
        ("DELETE", f"/api/list_fields/{HUGE}"),
        ("GET", f"/{HUGE}/api/contacts"),
        ("GET", f"/{BIG}/api/list_fields"),
        ("GET", f"/api/lists?offset={BIG}"),
        ("GET", f"/api/lists?limit={HUGE}"),
        ("GET", f"/api/contacts?offset={BIG}"),
        ("GET", f"/api/contacts?list_id={BIG}"),
        ("GET", f"/api/list_fields?limit={BIG}"),
    ],
)
def test_integers_past_bigint_are_412(
    client: Any, ongage_headers: dict[str, str], method: str, path: str
) -> None:
    body = {"name": "x"} if method == "PUT" else None
    response = client.request(method, path, headers=ongage_headers, json=body)
    payload = _ongage_error(response, 412)
    assert "whole number" in payload["message"]


@pytest.mark.parametrize("list_id", [BIG, 1e308, -(BIG + 1), "1e400", True, [1]])
def test_body_list_id_out_of_range_is_412(
    client: Any, ongage_headers: dict[str, str], list_id: Any
) -> None:
    response = client.post(
        "/api/contacts", headers=ongage_headers, json={"email": "a@b.co", "list_id": list_id}
    )
    _ongage_error(response, 412)
    listed = client.get("/api/contacts", headers=ongage_headers).json()
    assert listed["metadata"]["total"] == 0


def test_field_position_past_int32_is_412(client: Any, ongage_headers: dict[str, str]) -> None:
    response = client.post(
        "/api/list_fields",
        headers=ongage_headers,
        json={"name": "f1", "type": "string", "position": 2**40},
    )
    assert "position" in _ongage_error(response, 412)["message"]


@pytest.mark.parametrize("fmt", [[1], {"a": 1}, 7, True])
def test_non_string_date_format_is_412(
    client: Any, ongage_headers: dict[str, str], fmt: Any
) -> None:
    response = client.post(
        "/api/list_fields",
        headers=ongage_headers,
        json={"name": "f1", "type": "date", "format": fmt},
    )
    assert "format" in _ongage_error(response, 412)["message"]
    created = client.post(
        "/api/list_fields",
        headers=ongage_headers,
        json={"name": "f2", "type": "date", "format": "yyyy-mm-dd"},
    )
    field_id = created.json()["payload"]["id"]
    response = client.put(
        f"/api/list_fields/{field_id}", headers=ongage_headers, json={"format": fmt}
    )
    assert "format" in _ongage_error(response, 412)["message"]


NUL_EMAIL = "a\x00b@example.com"


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/contacts", {"email": NUL_EMAIL}),
        (
            "POST",
            "/api/contacts/change_status",
            {"emails": [NUL_EMAIL], "change_to": "unsubscribe"},
        ),
        ("POST", "/api/contacts/change_email", {"email": "a@example.com", "new_email": NUL_EMAIL}),
        ("POST", "/api/lists", {"name": "list\x00name"}),
        ("POST", "/api/list_fields", {"name": "f1", "type": "string", "title": "T\x00"}),
    ],
)
def test_nul_in_json_bodies_is_400(
    client: Any, ongage_headers: dict[str, str], method: str, path: str, body: Any
) -> None:
    lists_before = client.get("/api/lists", headers=ongage_headers).json()["metadata"]["total"]
    response = client.request(method, path, headers=ongage_headers, json=body)
    assert response.status_code in (400, 412), response.text
    assert response.json()["metadata"]["error"] is True
    assert client.get("/api/lists", headers=ongage_headers).json()["metadata"]["total"] == (
        lists_before
    )


@pytest.mark.parametrize(
    "path",
    [
        "/api/contacts/add?email=a%00b@example.com",
        "/api/contacts/by_email/a%00b@example.com",
        "/api/contacts/by_email/a%2500b@example.com",
        "/api/contacts/cross_account?email=a%00b@example.com",
        "/api/lists?name=%00",
    ],
)
def test_nul_in_path_or_query_is_a_client_error(
    client: Any, ongage_headers: dict[str, str], path: str
) -> None:
    response = client.get(path, headers=ongage_headers)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["metadata"]["error"] is True


def test_bulk_contacts_reject_nul_items_one_by_one(
    client: Any, ongage_headers: dict[str, str]
) -> None:
    body = [{"email": "ok@example.com"}, {"email": NUL_EMAIL}, {"email": "ok2@example.com"}]
    response = client.post("/api/contacts", headers=ongage_headers, json=body)
    assert response.status_code == 200, response.text
    payload = response.json()["payload"]
    assert payload["success"] == 2
    assert payload["failed"] == 1


@pytest.mark.parametrize(
    "email",
    ["x" * 300 + "@example.com", "a\u202eb@example.com", "a@[127.0.0.1]", '"a b"@example.com'],
)
def test_unsafe_emails_are_refused(client: Any, ongage_headers: dict[str, str], email: str) -> None:
    response = client.post("/api/contacts", headers=ongage_headers, json={"email": email})
    assert "not a valid email" in _ongage_error(response, 412)["message"]
    response = client.post(
        "/api/lists", headers=ongage_headers, json={"name": "n", "notification_email": email}
    )
    _ongage_error(response, 412)


def test_events_with_nul_are_rejected_per_item(
    client: Any, account: NewAccount, bearer_headers: dict[str, str]
) -> None:
    ongage = {
        "X_USERNAME": account.username,
        "X_PASSWORD": account.password,
        "X_ACCOUNT_CODE": account.account_code,
    }
    uid = client.post("/api/contacts", headers=ongage, json={"email": "c@example.com"}).json()[
        "payload"
    ]["success_emails"]["c@example.com"]
    events = [
        {"type": "em_opens", "contact_id": uid, "idempotency_key": "k1"},
        {"type": "em_opens", "contact_id": uid, "idempotency_key": "k\x002"},
        {"type": "em_clicks", "contact_id": uid, "link_url": "https://x.example/\x00"},
        {"type": "em_opens", "contact_id": uid + "\x00"},
        {"type": "em_opens", "email": NUL_EMAIL},
        {"type": "em_opens", "email": "x" * 70 + "@example.com"},
        {"type": "em_opens", "contact_id": uid, "user_agent": "ua\x00"},
    ]
    response = client.post("/mailroom/v1/events", headers=bearer_headers, json=events)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["accepted"] == 1
    assert sorted(e["index"] for e in result["errors"]) == [1, 2, 3, 4, 5, 6]


def test_list_fields_array_is_capped(client: Any, ongage_headers: dict[str, str]) -> None:
    response = client.post("/api/list_fields", headers=ongage_headers, json=[{}] * 100_000)
    _ongage_error(response, 413)
    fields = client.get("/api/list_fields", headers=ongage_headers).json()
    assert fields["metadata"]["total"] == 1  # the email field only


def test_delete_ids_are_capped(client: Any, ongage_headers: dict[str, str]) -> None:
    ids = ["0" * 24] * 10_001
    response = client.post(
        "/api/contacts/delete", headers=ongage_headers, json={"contact_ids": ids}
    )
    _ongage_error(response, 413)


def test_head_on_hot_reads(client: Any, ongage_headers: dict[str, str]) -> None:
    created = client.post("/api/contacts", headers=ongage_headers, json={"email": "h@example.com"})
    uid = created.json()["payload"]["success_emails"]["h@example.com"]
    assert client.head(f"/api/contacts/by_id/{uid}", headers=ongage_headers).status_code == 200
    by_email = client.head("/api/contacts/by_email/h@example.com", headers=ongage_headers)
    assert by_email.status_code == 200
    missing = client.head(f"/api/contacts/by_id/{'0' * 24}", headers=ongage_headers)
    assert missing.status_code == 404


def test_body_over_the_limit_is_413(client: Any, ongage_headers: dict[str, str], ctx: Any) -> None:
    limit = ctx.settings.max_body_bytes
    response = client.post(
        "/api/contacts",
        headers={**ongage_headers, "content-type": "application/json"},
        content=b" " * (limit + 1),
    )
    _ongage_error(response, 413)


def test_long_strings_are_refused_not_truncated(
    client: Any, ongage_headers: dict[str, str]
) -> None:
    cases = [
        ("/api/lists", {"name": "n" * 256}),
        ("/api/lists", {"name": "n", "description": "d" * 70_000}),
        ("/api/list_fields", {"name": "f1", "type": "string", "title": "t" * 300}),
        ("/api/contacts", {"email": "a@" + "b" * 250 + ".com"}),
    ]
    for path, body in cases:
        _ongage_error(client.post(path, headers=ongage_headers, json=body), 412)
