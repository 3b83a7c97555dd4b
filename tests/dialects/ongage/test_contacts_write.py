"""Ongage contact writes: POST/PUT /api/v2/contacts, the GET add tunnel, typed-field validation."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from sqlalchemy import select

from conftest import add_field
from conftest import ongage_headers_for as headers
from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context
from mailroom.db.tables import contacts
from mailroom.lists import service as lists_service


@pytest.fixture
def acc(ctx: Context, account: NewAccount) -> NewAccount:
    add_field(ctx, account, "name")
    add_field(ctx, account, "country")
    add_field(ctx, account, "product_id", "numeric")
    add_field(ctx, account, "birthday", "date", "yyyy-mm-dd")
    return account


def post(client: Any, acc: NewAccount, body: Any, path: str = "/api/v2/contacts") -> Any:
    return client.post(path, json=body, headers=headers(acc))


def put(client: Any, acc: NewAccount, body: Any, path: str = "/api/v2/contacts") -> Any:
    return client.put(path, json=body, headers=headers(acc))


def get(client: Any, acc: NewAccount, email: str) -> dict[str, Any] | None:
    response = client.get(f"/api/contacts/by_email/{email}", headers=headers(acc))
    if response.status_code == 404:
        return None
    assert response.status_code == 200
    contact: dict[str, Any] = response.json()["payload"]
    return contact


def stored_count(ctx: Context) -> int:
    with ctx.db.read() as conn:
        return len(conn.execute(select(contacts.c.id)).all())


def test_create_one_with_nested_fields(client: Any, acc: NewAccount) -> None:
    body = {
        "email": "john@doe.com",
        "overwrite": True,
        "fields": {"name": "John Doe", "country": "Chile"},
    }
    response = post(client, acc, body)
    assert response.status_code == 200
    payload = response.json()["payload"]
    uid = payload["created_emails"]["john@doe.com"]
    assert payload == {
        "rows": 1,
        "success": 1,
        "created": 1,
        "updated": 0,
        "revived": 0,
        "failed": 0,
        "created_emails": {"john@doe.com": uid},
        "updated_emails": {},
        "success_emails": {"john@doe.com": uid},
        "failed_emails": {},
    }
    contact = get(client, acc, "john@doe.com")
    assert contact is not None
    assert (contact["id"], contact["name"], contact["country"]) == (uid, "John Doe", "Chile")


def test_create_many_with_flat_fields(client: Any, acc: NewAccount) -> None:
    body = [
        {"email": "adam@xyz.com", "name": "Adam smith", "country": "UK"},
        {"email": "Eve@XYZ.com ", "name": "Eve", "product_id": 7},
    ]
    payload = post(client, acc, body).json()["payload"]
    assert (payload["rows"], payload["created"], payload["success"]) == (2, 2, 2)
    assert set(payload["created_emails"]) == {"adam@xyz.com", "eve@xyz.com"}
    eve = get(client, acc, "eve@xyz.com")
    assert eve is not None and eve["product_id"] == 7 and eve["country"] is None
    adam = get(client, acc, "adam@xyz.com")
    assert adam is not None and adam["country"] == "UK"


def test_existing_email_without_overwrite_is_left_alone(client: Any, acc: NewAccount) -> None:
    post(client, acc, {"email": "keep@me.com", "fields": {"name": "Original"}})
    response = post(client, acc, {"email": "keep@me.com", "fields": {"name": "Changed"}})
    assert response.status_code == 200
    payload = response.json()["payload"]
    assert (payload["success"], payload["failed"], payload["updated"]) == (0, 1, 0)
    assert "already exists" in payload["failed_emails"]["keep@me.com"]
    contact = get(client, acc, "keep@me.com")
    assert contact is not None and contact["name"] == "Original"


def test_overwrite_updates_given_fields_and_keeps_the_rest(client: Any, acc: NewAccount) -> None:
    first = post(
        client,
        acc,
        {"email": "up@date.com", "fields": {"name": "A", "country": "Peru", "product_id": 1}},
    )
    uid = first.json()["payload"]["created_emails"]["up@date.com"]
    response = post(
        client,
        acc,
        {"email": "UP@date.com", "overwrite": "true", "fields": {"name": "B", "product_id": ""}},
    )
    payload = response.json()["payload"]
    assert payload["updated"] == 1 and payload["updated_emails"] == {"up@date.com": uid}
    contact = get(client, acc, "up@date.com")
    assert contact is not None
    assert (contact["name"], contact["country"], contact["product_id"]) == ("B", "Peru", None)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"product_id": "12abc"}, "product_id"),
        ({"birthday": "31/12/1990"}, "birthday"),
        ({"birthday": "2020-02-30"}, "birthday"),
        ({"favourite_colour": "blue"}, "favourite_colour"),
    ],
)
def test_invalid_single_contact_is_412_naming_the_field(
    client: Any, acc: NewAccount, ctx: Context, fields: dict[str, Any], field: str
) -> None:
    response = post(client, acc, {"email": "bad@value.com", "fields": {"name": "X", **fields}})
    assert response.status_code == 412
    body = response.json()
    assert body["metadata"]["error"] is True
    assert body["payload"]["code"] == 412
    assert field in body["payload"]["message"]
    assert body["payload"]["errors"][0]["field"] == field
    assert stored_count(ctx) == 0


def test_invalid_value_does_not_touch_an_existing_contact(client: Any, acc: NewAccount) -> None:
    post(client, acc, {"email": "safe@x.com", "fields": {"name": "Safe", "product_id": 5}})
    response = post(
        client,
        acc,
        {
            "email": "safe@x.com",
            "overwrite": True,
            "fields": {"name": "Changed", "product_id": "five"},
        },
    )
    assert response.status_code == 412
    contact = get(client, acc, "safe@x.com")
    assert contact is not None and (contact["name"], contact["product_id"]) == ("Safe", 5)


@pytest.mark.parametrize("email", ["not-an-email", "", None, "two@@at.com"])
def test_invalid_email_is_412(client: Any, acc: NewAccount, email: Any) -> None:
    response = post(client, acc, {"email": email, "fields": {"name": "x"}})
    assert response.status_code == 412
    assert response.json()["payload"]["errors"][0]["field"] == "email"


def test_array_writes_valid_contacts_and_reports_invalid_ones(
    client: Any, acc: NewAccount, ctx: Context
) -> None:
    body = [
        {"email": "ok@one.com", "product_id": "42"},
        {"email": "bad@two.com", "product_id": "forty-two"},
        {"email": "nope"},
    ]
    response = post(client, acc, body)
    assert response.status_code == 200
    payload = response.json()["payload"]
    assert (payload["rows"], payload["success"], payload["failed"]) == (3, 1, 2)
    assert "product_id" in payload["failed_emails"]["bad@two.com"]
    assert "email" in payload["failed_emails"]["nope"]
    assert stored_count(ctx) == 1
    ok = get(client, acc, "ok@one.com")
    assert ok is not None and ok["product_id"] == 42


def test_array_where_nothing_succeeds_is_412_and_writes_nothing(
    client: Any, acc: NewAccount, ctx: Context
) -> None:
    response = post(
        client, acc, [{"email": "a@b.com", "product_id": "x"}, {"email": "c@d.com", "bogus": 1}]
    )
    assert response.status_code == 412
    errors = response.json()["payload"]["errors"]
    assert [(e["email"], e["field"]) for e in errors] == [
        ("a@b.com", "product_id"),
        ("c@d.com", "bogus"),
    ]
    assert stored_count(ctx) == 0


def test_repeated_email_in_one_array(client: Any, acc: NewAccount) -> None:
    body = [{"email": "dup@x.com", "name": "First"}, {"email": "dup@x.com", "name": "Second"}]
    payload = post(client, acc, body).json()["payload"]
    assert (payload["created"], payload["failed"]) == (1, 1)
    contact = get(client, acc, "dup@x.com")
    assert contact is not None and contact["name"] == "First"
    body = [
        {"email": "dup2@x.com", "name": "First"},
        {"email": "dup2@x.com", "overwrite": True, "name": "Second"},
    ]
    payload = post(client, acc, body).json()["payload"]
    assert (payload["created"], payload["updated"], payload["failed"]) == (1, 1, 0)
    contact = get(client, acc, "dup2@x.com")
    assert contact is not None and contact["name"] == "Second"


def test_mandatory_fields_and_defaults(client: Any, ctx: Context, account: NewAccount) -> None:
    add_field(ctx, account, "plan", mandatory=True)
    add_field(ctx, account, "score", "numeric", default="10")
    missing = post(client, account, {"email": "m@x.com"})
    assert missing.status_code == 412
    assert missing.json()["payload"]["errors"][0]["field"] == "plan"
    assert post(client, account, {"email": "m@x.com", "plan": "gold"}).status_code == 200
    contact = get(client, account, "m@x.com")
    assert contact is not None and (contact["plan"], contact["score"]) == ("gold", 10)
    cleared = put(client, account, {"email": "m@x.com", "fields": {"plan": ""}})
    assert cleared.status_code == 412


def test_put_updates_by_email_or_id_and_never_creates(
    client: Any, acc: NewAccount, ctx: Context
) -> None:
    uid = post(client, acc, {"email": "p@x.com", "name": "P"}).json()["payload"]["created_emails"][
        "p@x.com"
    ]
    by_email = put(client, acc, {"email": "p@x.com", "country": "Chile"})
    assert by_email.status_code == 200
    assert by_email.json()["payload"]["updated_emails"] == {"p@x.com": uid}
    by_id = put(
        client, acc, {"id": uid, "overwrite": True, "fields": {"email": "p@x.com", "name": "Q"}}
    )
    assert by_id.status_code == 200 and by_id.json()["payload"]["updated"] == 1
    contact = get(client, acc, "p@x.com")
    assert contact is not None and (contact["name"], contact["country"]) == ("Q", "Chile")
    missing = put(client, acc, {"email": "ghost@x.com", "name": "G"})
    assert missing.status_code == 404
    assert missing.json()["payload"]["message"] == "Contact not found"
    many = put(
        client, acc, [{"email": "ghost@x.com"}, {"id": "0" * 24}, {"email": "p@x.com", "name": "R"}]
    )
    payload = many.json()["payload"]
    assert (payload["updated"], payload["failed"], payload["created"]) == (1, 2, 0)
    assert payload["failed_emails"] == {
        "ghost@x.com": "Contact not found",
        "0" * 24: "Contact not found",
    }
    assert stored_count(ctx) == 1


def test_put_by_id_cannot_change_the_email(client: Any, acc: NewAccount) -> None:
    uid = post(client, acc, {"email": "fixed@x.com"}).json()["payload"]["created_emails"][
        "fixed@x.com"
    ]
    response = put(client, acc, {"id": uid, "fields": {"email": "other@x.com"}})
    assert response.status_code == 412
    assert "change_email" in response.json()["payload"]["message"]
    assert get(client, acc, "fixed@x.com") is not None


def test_v1_paths_are_aliases(client: Any, acc: NewAccount) -> None:
    assert (
        post(client, acc, {"email": "v1@x.com", "name": "One"}, "/api/contacts/").status_code == 200
    )
    assert (
        put(client, acc, {"email": "v1@x.com", "name": "Two"}, "/api/contacts").status_code == 200
    )
    contact = get(client, acc, "v1@x.com")
    assert contact is not None and contact["name"] == "Two"


def test_get_add_tunnel_creates_one_contact(client: Any, acc: NewAccount) -> None:
    response = client.get(
        "/api/contacts/add?email=john@doe.com&name=John%20Doe&country=Chile", headers=headers(acc)
    )
    assert response.status_code == 200
    assert response.json()["payload"]["created"] == 1
    contact = get(client, acc, "john@doe.com")
    assert contact is not None and (contact["name"], contact["country"]) == ("John Doe", "Chile")
    bad = client.get("/api/contacts/add?email=x@y.com&product_id=abc", headers=headers(acc))
    assert bad.status_code == 412
    assert get(client, acc, "x@y.com") is None


def test_list_id_precedence_body_over_query_over_path(
    client: Any, ctx: Context, acc: NewAccount
) -> None:
    with ctx.db.write() as conn:
        a = lists_service.create_list(conn, ctx.clock, acc.account_id, {"name": "A"})["id"]
        b = lists_service.create_list(conn, ctx.clock, acc.account_id, {"name": "B"})["id"]
    r = client.post(
        f"/{a}/api/v2/contacts?list_id={b}",
        json={"email": "where@x.com", "list_id": acc.default_list_id},
        headers=headers(acc),
    )
    assert r.status_code == 200
    assert get(client, acc, "where@x.com") is not None
    r = client.post(
        f"/{a}/api/v2/contacts?list_id={b}", json=[{"email": "q@x.com"}], headers=headers(acc)
    )
    assert r.status_code == 200
    found = client.get(f"/api/contacts/by_email/q@x.com?list_id={b}", headers=headers(acc))
    assert found.status_code == 200
    mixed = post(
        client, acc, [{"email": "m1@x.com", "list_id": a}, {"email": "m2@x.com", "list_id": b}]
    )
    assert mixed.status_code == 412


def test_another_accounts_list_is_404(
    client: Any, acc: NewAccount, other_account: NewAccount
) -> None:
    response = post(
        client, acc, {"email": "x@y.com"}, f"/{other_account.default_list_id}/api/v2/contacts"
    )
    assert response.status_code == 404
    assert response.json()["payload"]["message"] == "List not found"


@pytest.mark.parametrize(
    ("raw", "status"),
    [(b"{not json", 400), (b'"just a string"', 400), (b"[]", 412), (b"[1, 2]", 400), (b"", 400)],
)
def test_malformed_bodies(client: Any, acc: NewAccount, raw: bytes, status: int) -> None:
    response = client.post("/api/v2/contacts", content=raw, headers=headers(acc))
    assert response.status_code == status
    assert response.json()["metadata"]["error"] is True


def test_too_many_contacts_in_one_call_is_413(client: Any, acc: NewAccount, ctx: Context) -> None:
    ctx.settings = dataclasses.replace(ctx.settings, bulk_max_items=3)
    response = post(client, acc, [{"email": f"n{i}@x.com"} for i in range(4)])
    assert response.status_code == 413
    assert stored_count(ctx) == 0
