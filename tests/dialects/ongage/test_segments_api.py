"""Ongage Segments API over HTTP, and contact counts of segments and criteria."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context


def setup_list(client: Any, headers: dict[str, str]) -> None:
    """Fields country and age; five contacts: two US (one unsubscribed), one CA, two without."""
    for name, kind in (("country", "string"), ("age", "numeric")):
        response = client.post(
            "/api/list_fields", json={"name": name, "type": kind}, headers=headers
        )
        assert response.status_code == 200, response.text
    people = [
        {"email": "ann@gmail.com", "fields": {"country": "US", "age": 30}},
        {"email": "bob@yahoo.com", "fields": {"country": "US", "age": 45}},
        {"email": "carl@gmail.com", "fields": {"country": "CA"}},
        {"email": "dora@example.org", "fields": {"age": 22}},
        {"email": "eve@example.org", "fields": {}},
    ]
    response = client.post("/api/v2/contacts", json=people, headers=headers)
    assert response.json()["payload"]["created"] == 5
    response = client.post(
        "/api/v2/contacts/change_status",
        json={"change_to": "unsubscribe", "emails": ["bob@yahoo.com"]},
        headers=headers,
    )
    assert response.status_code == 200, response.text


US = [{"field_name": "country", "type": "string", "operator": "=", "operand": ["US"],
       "case_sensitive": 0, "condition": "and"}]  # fmt: skip


def create(client: Any, headers: dict[str, str], **body: Any) -> Any:
    return client.post("/api/segments", json=body, headers=headers)


def test_create_and_read_segment_in_the_read_form(
    client: Any, ongage_headers: dict[str, str], account: NewAccount
) -> None:
    setup_list(client, ongage_headers)
    response = create(
        client, ongage_headers, name="US", description="from the US", favorite=1, criteria=US
    )
    assert response.status_code == 200, response.text
    created = response.json()["payload"]
    response = client.get(f"/api/segments/{created['id']}", headers=ongage_headers)
    segment = response.json()["payload"]
    assert segment == created
    assert segment["id"] == created["id"] and isinstance(segment["id"], str)
    assert segment["list_id"] == str(account.default_list_id)
    assert (segment["name"], segment["type"], segment["favorite"]) == ("US", "Active", "1")
    assert segment["description"] == "from the US"
    assert (segment["last_count"], segment["last_count_date"]) == ("0", None)
    assert all(isinstance(v, str) or v is None for k, v in segment.items() if k != "rules")
    [rule] = segment["rules"]
    assert json.loads(rule["operand"]) == ["US"]
    assert rule["operand"] == '["US"]'
    assert rule["position"] == "0"
    assert rule["segment_id"] == segment["id"]
    assert (rule["left_parenthesis"], rule["right_parenthesis"]) == ("0", "0")
    assert (rule["field_name"], rule["operator"], rule["type"]) == ("country", "=", "string")
    assert rule["case_sensitive"] == "0" and rule["condition"] == "and"
    assert rule["field_id"] not in (None, "", "0")
    assert all(isinstance(v, str) for v in rule.values())


def test_read_form_rules_can_be_written_back(client: Any, ongage_headers: dict[str, str]) -> None:
    setup_list(client, ongage_headers)
    first = create(client, ongage_headers, name="US", criteria=US).json()["payload"]
    copy = create(client, ongage_headers, name="copy", criteria=first["rules"])
    assert copy.status_code == 200, copy.text
    assert [r["operand"] for r in copy.json()["payload"]["rules"]] == ['["US"]']


def test_collection_sort_order_offset_limit_and_list(
    client: Any, ongage_headers: dict[str, str], account: NewAccount
) -> None:
    setup_list(client, ongage_headers)
    for name in ("b", "a", "c"):
        assert create(client, ongage_headers, name=name, criteria=US).status_code == 200
    other = client.post("/api/lists", json={"name": "Other"}, headers=ongage_headers)
    other_id = other.json()["payload"]["id"]
    response = client.post(
        f"/{other_id}/api/segments", json={"name": "elsewhere", "criteria": []},
        headers=ongage_headers,
    )  # fmt: skip
    assert response.json()["payload"]["list_id"] == str(other_id)

    def names(query: str) -> tuple[list[str], int]:
        body = client.get(f"/api/segments{query}", headers=ongage_headers).json()
        return [s["name"] for s in body["payload"]], body["metadata"]["total"]

    assert names("") == (["b", "a", "c"], 3)
    assert names("?sort=name") == (["a", "b", "c"], 3)
    assert names("?sort=name&order=DESC&offset=1&limit=1") == (["b"], 3)
    assert names(f"?list_id={other_id}") == (["elsewhere"], 1)
    assert client.get("/api/segments?sort=bogus", headers=ongage_headers).status_code == 412


def test_update_and_delete(client: Any, ongage_headers: dict[str, str]) -> None:
    setup_list(client, ongage_headers)
    segment = create(client, ongage_headers, name="US", criteria=US).json()["payload"]
    path = f"/api/segments/{segment['id']}"
    older = [{"field_name": "age", "operator": ">", "operand": [25]}]
    response = client.put(path, json={"name": "Older", "criteria": older}, headers=ongage_headers)
    assert response.status_code == 200, response.text
    updated = response.json()["payload"]
    assert updated["name"] == "Older"
    assert [r["field_name"] for r in updated["rules"]] == ["age"]
    response = client.put(path, json={"description": "kept rules"}, headers=ongage_headers)
    assert [r["field_name"] for r in response.json()["payload"]["rules"]] == ["age"]
    assert client.delete(path, headers=ongage_headers).json()["payload"]["deleted"] == "1"
    response = client.get(path, headers=ongage_headers)
    assert response.status_code == 404
    assert response.json()["payload"]["message"] == "Segment not found"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"criteria": US}, "name"),
        ({"name": "x", "type": "Weird", "criteria": US}, "type"),
        ({"name": "x", "criteria": [{"field_name": "shoe", "operator": "=", "operand": [1]}]},
         "criteria[0].field_name"),
        ({"name": "x", "criteria": [US[0], {"field_name": "age", "operator": "><",
                                            "operand": [1]}]}, "criteria[1].operand"),
    ],
)  # fmt: skip
def test_invalid_segments_are_412(
    client: Any, ongage_headers: dict[str, str], body: dict[str, Any], field: str
) -> None:
    setup_list(client, ongage_headers)
    response = create(client, ongage_headers, **body)
    assert response.status_code == 412, response.text
    payload = response.json()["payload"]
    assert payload["code"] == 412
    assert field in [e["field"] for e in payload["errors"]]
    assert client.get("/api/segments", headers=ongage_headers).json()["metadata"]["total"] == 0


def test_a_self_nesting_update_is_412(client: Any, ongage_headers: dict[str, str]) -> None:
    setup_list(client, ongage_headers)
    segment = create(client, ongage_headers, name="US", criteria=US).json()["payload"]
    rule = {"field_name": "segment", "type": "segment", "operator": "=",
            "operand": [segment["id"]]}  # fmt: skip
    response = client.put(
        f"/api/segments/{segment['id']}", json={"criteria": [rule]}, headers=ongage_headers
    )
    assert response.status_code == 412
    error = response.json()["payload"]["errors"][0]
    assert (error["position"], error["field_name"]) == (0, "segment")
    assert "contains itself" in error["message"]


def test_segment_of_another_account_is_404(
    client: Any, ongage_headers: dict[str, str], other_account: NewAccount
) -> None:
    from conftest import ongage_headers_for

    setup_list(client, ongage_headers)
    segment = create(client, ongage_headers, name="US", criteria=US).json()["payload"]
    theirs = ongage_headers_for(other_account)
    assert client.get(f"/api/segments/{segment['id']}", headers=theirs).status_code == 404
    response = client.post("/api/contact_counts", json={"segment_id": segment["id"]},
                           headers=theirs)  # fmt: skip
    assert response.status_code == 404


def test_contact_counts_of_a_segment_keep_its_last_count(
    client: Any, ongage_headers: dict[str, str], ctx: Context, clock: Any
) -> None:
    setup_list(client, ongage_headers)
    segment = create(client, ongage_headers, name="US", criteria=US).json()["payload"]
    clock.advance(seconds=60)
    response = client.post(
        "/api/contact_counts", json={"segment_id": segment["id"]}, headers=ongage_headers
    )
    assert response.status_code == 200, response.text
    body = response.json()
    counts = body["payload"]
    assert (counts["active"], counts["unsubscribed"], counts["bounced"], counts["complaint"]) == (
        1,
        1,
        0,
        0,
    )
    assert counts["total"] == body["metadata"]["total"] == 2
    again = client.get(f"/api/contact_counts/{counts['id']}", headers=ongage_headers).json()
    assert again["payload"] == counts and again["metadata"]["total"] == 2
    read = client.get(f"/api/segments/{segment['id']}", headers=ongage_headers).json()["payload"]
    assert read["last_count"] == "1"  # active contacts: those a mailing reaches
    assert read["last_count_date"] == str(clock.now_ms() // 1000)


def test_contact_counts_of_criteria(client: Any, ongage_headers: dict[str, str]) -> None:
    setup_list(client, ongage_headers)
    body = {"criteria": [{"field_name": "email", "operator": "_LIKE", "operand": ["gmail.com"],
                          "condition": "or"},
                         {"field_name": "age", "operator": "empty"}]}  # fmt: skip
    response = client.post("/api/contact_counts", json=body, headers=ongage_headers)
    assert response.status_code == 200, response.text
    counts = response.json()["payload"]
    assert (counts["active"], counts["total"]) == (3, 3)  # ann, carl, eve
    active_only = {**body, "user_type": "nonactive"}
    response = client.post("/api/contact_counts", json=active_only, headers=ongage_headers)
    assert response.json()["payload"]["total"] == 0


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"segment_id": "abc"},
        {"segment_id": 2**64},  # beyond an id column
        {"segment_id": -3},
        {"criteria": [{"field_name": "age", "operator": "LIKE", "operand": ["1"]}]},
        {"criteria": [], "user_type": "maybe"},
        {"criteria": [], "combined_as_and": "maybe"},
        {"criteria": [], "combined_as_and": 0.5},
    ],
)
def test_invalid_contact_counts_are_412(
    client: Any, ongage_headers: dict[str, str], body: dict[str, Any]
) -> None:
    setup_list(client, ongage_headers)
    response = client.post("/api/contact_counts", json=body, headers=ongage_headers)
    assert response.status_code == 412, response.text
    assert response.json()["payload"]["errors"]


def test_unknown_counts_and_segments_are_404(client: Any, ongage_headers: dict[str, str]) -> None:
    for path in ("/api/contact_counts/999", "/api/contact_counts/x", "/api/segments/999"):
        assert client.get(path, headers=ongage_headers).status_code == 404
    response = client.post("/api/contact_counts", json={"segment_id": 999}, headers=ongage_headers)
    assert response.status_code == 404
