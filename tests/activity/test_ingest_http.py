"""POST /mailroom/v1/events: JSON array and NDJSON bodies, per-item errors, limits and auth."""

from __future__ import annotations

from typing import Any

import orjson
from activity_seed import people_fixture  # noqa: F401 (fixtures)
from sqlalchemy import func, select

from mailroom.accounts.schemas import NewAccount
from mailroom.activity import service
from mailroom.context import Context
from mailroom.db.tables import contacts, events

URL = "/mailroom/v1/events"


def count_events(ctx: Context) -> int:
    with ctx.db.read() as conn:
        return int(conn.scalar(select(func.count()).select_from(events)) or 0)


def test_json_array_reports_counts_and_errors(
    client: Any,
    ctx: Context,
    account: NewAccount,
    bearer_headers: dict[str, str],
    people: list[Any],
) -> None:
    body = [
        {"type": "em_opens", "contact_id": people[0].uid, "idempotency_key": "k1"},
        {"type": "em_opens", "contact_id": people[0].uid, "idempotency_key": "k1"},
        {"type": "em_clicks", "email": people[1].email, "link_url": "https://x.test/p"},
        {"type": "em_teleport", "contact_id": people[0].uid},
        {"type": "em_opens", "contact_id": "f" * 24},
    ]
    response = client.post(URL, json=body, headers=bearer_headers)
    assert response.status_code == 200
    assert response.json() == {
        "accepted": 2,
        "duplicates": 1,
        "rejected": 2,
        "errors": [
            {"index": 3, "reason": "unknown type 'em_teleport'"},
            {"index": 4, "reason": "unknown contact"},
        ],
    }
    # committed before the response: a fresh read sees them
    assert count_events(ctx) == 2
    again = client.post(URL, json=body[:1], headers=bearer_headers).json()
    assert (again["accepted"], again["duplicates"]) == (0, 1)


def test_ndjson_body_with_a_bad_line(
    client: Any, ctx: Context, bearer_headers: dict[str, str], people: list[Any]
) -> None:
    lines = [
        orjson.dumps({"type": "em_sends", "contact_id": people[0].uid}),
        b"",
        b"{not json",
        orjson.dumps({"type": "em_optouts", "email": people[2].email, "reason": "bored"}),
    ]
    response = client.post(
        URL,
        content=b"\n".join(lines) + b"\n",
        headers={**bearer_headers, "Content-Type": "application/x-ndjson"},
    )
    assert response.status_code == 200
    data = response.json()
    assert (data["accepted"], data["rejected"]) == (2, 1)
    assert data["errors"][0]["index"] == 1
    assert data["errors"][0]["reason"].startswith("invalid JSON")
    with ctx.db.read() as conn:
        status = conn.scalar(select(contacts.c.status).where(contacts.c.id == people[2].id))
    assert status == "unsubscribed"


def test_ndjson_is_detected_without_its_content_type(
    client: Any, bearer_headers: dict[str, str], people: list[Any]
) -> None:
    body = b"\n".join(orjson.dumps({"type": "em_opens", "contact_id": p.uid}) for p in people[:3])
    response = client.post(
        URL, content=body, headers={**bearer_headers, "Content-Type": "application/json"}
    )
    assert response.json()["accepted"] == 3


def test_a_single_object_is_one_item(
    client: Any, bearer_headers: dict[str, str], people: list[Any]
) -> None:
    response = client.post(
        URL, json={"type": "em_opens", "contact_id": people[0].uid}, headers=bearer_headers
    )
    assert response.json()["accepted"] == 1


def test_all_rejected_is_still_200(client: Any, bearer_headers: dict[str, str]) -> None:
    response = client.post(URL, json=[{"type": "em_opens"}, 5], headers=bearer_headers)
    assert response.status_code == 200
    assert response.json()["rejected"] == 2
    assert response.json()["accepted"] == 0


def test_malformed_json_is_400_native(
    client: Any, ctx: Context, bearer_headers: dict[str, str]
) -> None:
    response = client.post(
        URL,
        content=b'[{"type": "em_opens",',
        headers={**bearer_headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "bad_request"
    assert error["message"].startswith("Invalid JSON")
    assert count_events(ctx) == 0


def test_empty_and_scalar_bodies_are_400(client: Any, bearer_headers: dict[str, str]) -> None:
    assert client.post(URL, content=b"  ", headers=bearer_headers).status_code == 400
    response = client.post(URL, content=b"42", headers=bearer_headers)
    assert response.status_code == 400
    assert "JSON array" in response.json()["error"]["message"]


def test_more_than_the_limit_is_413(
    client: Any, ctx: Context, bearer_headers: dict[str, str], people: list[Any]
) -> None:
    item = {"type": "em_opens", "contact_id": people[0].uid}
    limit = ctx.settings.bulk_max_items
    response = client.post(URL, json=[item] * (limit + 1), headers=bearer_headers)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    ndjson = b"\n".join([orjson.dumps(item)] * (limit + 1))
    response = client.post(
        URL, content=ndjson, headers={**bearer_headers, "Content-Type": "application/x-ndjson"}
    )
    assert response.status_code == 413
    assert count_events(ctx) == 0


def test_exactly_the_limit_is_accepted(
    client: Any,
    ctx: Context,
    account: NewAccount,
    bearer_headers: dict[str, str],
    people: list[Any],
) -> None:
    limit = ctx.settings.bulk_max_items
    body = [
        {"type": "em_opens", "contact_id": people[i % 5].uid, "idempotency_key": f"k{i}"}
        for i in range(limit)
    ]
    response = client.post(URL, json=body, headers=bearer_headers)
    assert response.json()["accepted"] == limit
    with ctx.db.read() as conn:
        total = sum(service.contact_totals(conn, account.account_id, p.id)["opens"] for p in people)
    assert total == limit


def test_auth_is_required(client: Any, people: list[Any]) -> None:
    body = [{"type": "em_opens", "contact_id": people[0].uid}]
    missing = client.post(URL, json=body)
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "unauthorized"
    wrong = client.post(URL, json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_another_accounts_token_cannot_touch_my_contacts(
    client: Any, ctx: Context, other_account: NewAccount, people: list[Any]
) -> None:
    headers = {"Authorization": f"Bearer {other_account.token}"}
    response = client.post(
        URL,
        json=[
            {"type": "em_optouts", "contact_id": people[0].uid},
            {"type": "em_optouts", "email": people[0].email, "list_id": people[0].list_id},
        ],
        headers=headers,
    )
    assert response.json()["errors"] == [
        {"index": 0, "reason": "unknown contact"},
        {"index": 1, "reason": "unknown contact"},
    ]
    with ctx.db.read() as conn:
        assert (
            conn.scalar(select(contacts.c.status).where(contacts.c.id == people[0].id)) == "active"
        )


def test_documented_in_openapi(client: Any) -> None:
    spec = client.get("/openapi.json").json()
    operation = spec["paths"][URL]["post"]
    assert operation["tags"] == ["mailroom"]
    content = operation["requestBody"]["content"]
    assert set(content) == {"application/json", "application/x-ndjson"}
    item = content["application/json"]["schema"]["items"]
    assert "em_opens" in item["properties"]["type"]["enum"]
    assert "idempotency_key" in item["properties"]
    assert "413" in operation["description"]
