"""Ongage contact reads: by_email, by_id, cross_account, the legacy collection; tenant isolation."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import add_field
from conftest import ongage_headers_for as headers
from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context
from mailroom.lists import service as lists_service

SYSTEM_KEYS = [
    "id",
    "ocx_status",
    "ocx_created_date",
    "ocx_unsubscribe_date",
    "ocx_resubscribe_date",
    "ocx_bounce_date",
    "ocx_complaint_date",
    "ocx_import_id",
]


def new_list(ctx: Context, acc: NewAccount, name: str = "Second") -> int:
    with ctx.db.write() as conn:
        return int(lists_service.create_list(conn, ctx.clock, acc.account_id, {"name": name})["id"])


def create(client: Any, acc: NewAccount, body: Any, prefix: str = "") -> dict[str, Any]:
    response = client.post(f"{prefix}/api/v2/contacts", json=body, headers=headers(acc))
    assert response.status_code == 200, response.text
    payload: dict[str, Any] = response.json()["payload"]
    return payload


@pytest.fixture
def typed(ctx: Context, account: NewAccount) -> NewAccount:
    """The default list with a string, a numeric and a date field."""
    add_field(ctx, account, "first_name", position=1)
    add_field(ctx, account, "product_id", "numeric", position=2)
    add_field(ctx, account, "birthday", "date", "dd/mm/yyyy", position=3)
    return account


def test_by_email_renders_the_ongage_contact_object(
    client: Any, typed: NewAccount, ctx: Context
) -> None:
    made = create(
        client,
        typed,
        {"email": "John@Doe.com", "fields": {"first_name": "John", "product_id": "123456"}},
    )
    response = client.get("/api/contacts/by_email/john@doe.com", headers=headers(typed))
    assert response.status_code == 200
    body = response.json()
    assert body["metadata"] == {"error": False}
    contact = body["payload"]
    assert list(contact) == ["email", "first_name", "product_id", "birthday", *SYSTEM_KEYS]
    assert contact["email"] == "john@doe.com"
    assert contact["first_name"] == "John"
    assert contact["product_id"] == 123456
    assert contact["birthday"] is None
    assert contact["id"] == made["created_emails"]["john@doe.com"]
    assert len(contact["id"]) == 24 and int(contact["id"], 16) >= 0
    assert contact["ocx_status"] == "Active"
    assert contact["ocx_created_date"] == ctx.clock.now_ms() // 1000
    assert all(contact[k] is None for k in SYSTEM_KEYS[3:])


def test_dates_render_back_in_the_field_format(client: Any, typed: NewAccount) -> None:
    create(client, typed, {"email": "a@b.co", "fields": {"birthday": "31/12/1990"}})
    contact = client.get("/api/contacts/by_email/a@b.co", headers=headers(typed)).json()["payload"]
    assert contact["birthday"] == "31/12/1990"


@pytest.mark.parametrize(
    "path",
    [
        "/api/contacts/by_email/tom%2Btag%40example.com",
        "/api/contacts/by_email/tom+tag@example.com",
        "/api/contacts/by_email/TOM+TAG@Example.com/",
        "/api/contacts/by_email/tom%252Btag%2540example.com",
    ],
)
def test_by_email_accepts_raw_encoded_and_any_case(
    client: Any, account: NewAccount, path: str
) -> None:
    made = create(client, account, {"email": "tom+tag@example.com"})
    response = client.get(path, headers=headers(account))
    assert response.status_code == 200, response.text
    assert response.json()["payload"]["id"] == made["success_emails"]["tom+tag@example.com"]


def test_lower_case_header_names_authenticate(client: Any, account: NewAccount) -> None:
    create(client, account, {"email": "low@case.io"})
    lower = {k.lower(): v for k, v in headers(account).items()}
    response = client.get("/api/contacts/by_email/low@case.io", headers=lower)
    assert response.status_code == 200
    assert response.json()["payload"]["email"] == "low@case.io"


def test_unknown_email_is_404_in_the_envelope(client: Any, account: NewAccount) -> None:
    response = client.get("/api/contacts/by_email/nobody@nowhere.org", headers=headers(account))
    assert response.status_code == 404
    assert response.json() == {
        "metadata": {"error": True},
        "payload": {"code": 404, "message": "Email not found", "errors": []},
    }


def test_missing_credentials_are_401(client: Any, account: NewAccount) -> None:
    response = client.get("/api/contacts/by_email/a@b.co")
    assert response.status_code == 401
    assert response.json()["payload"]["message"].startswith("Invalid Credentials")


def test_by_id_finds_the_same_contact(client: Any, account: NewAccount) -> None:
    made = create(client, account, {"email": "id@me.com"})
    uid = made["created_emails"]["id@me.com"]
    response = client.get(f"/api/contacts/by_id/{uid}/", headers=headers(account))
    assert response.status_code == 200
    assert response.json()["payload"]["email"] == "id@me.com"
    assert (
        client.get(f"/api/contacts/by_id/{uid.upper()}", headers=headers(account)).status_code
        == 200
    )
    for bad in ("0" * 24, "not-an-id"):
        missing = client.get(f"/api/contacts/by_id/{bad}", headers=headers(account))
        assert missing.status_code == 404
        assert missing.json()["payload"]["message"] == "Contact not found"


def test_reads_are_scoped_to_the_named_list(client: Any, ctx: Context, account: NewAccount) -> None:
    second = new_list(ctx, account)
    made = create(client, account, {"email": "only@second.com"}, prefix=f"/{second}")
    uid = made["created_emails"]["only@second.com"]
    h = headers(account)
    assert client.get("/api/contacts/by_email/only@second.com", headers=h).status_code == 404
    assert client.get(f"/api/contacts/by_id/{uid}", headers=h).status_code == 404
    assert (
        client.get(f"/{second}/api/contacts/by_email/only@second.com", headers=h).status_code == 200
    )
    assert client.get(f"/api/contacts/by_id/{uid}?list_id={second}", headers=h).status_code == 200


def test_other_accounts_lists_and_contacts_are_404(
    client: Any, account: NewAccount, other_account: NewAccount
) -> None:
    theirs = create(client, other_account, {"email": "secret@other.com"})
    uid = theirs["created_emails"]["secret@other.com"]
    h = headers(account)
    wrong_list = client.get(
        f"/{other_account.default_list_id}/api/contacts/by_email/secret@other.com", headers=h
    )
    assert wrong_list.status_code == 404
    assert wrong_list.json()["payload"]["message"] == "List not found"
    assert client.get("/api/contacts/by_email/secret@other.com", headers=h).status_code == 404
    assert client.get(f"/api/contacts/by_id/{uid}", headers=h).status_code == 404
    cross = client.get("/api/contacts/cross_account?email=secret@other.com", headers=h).json()
    assert cross["payload"] == [] and cross["metadata"]["total"] == 0


def test_cross_account_returns_the_contact_of_every_list(
    client: Any, ctx: Context, account: NewAccount
) -> None:
    second = new_list(ctx, account)
    add_field(ctx, account, "city", list_id=second)
    create(client, account, {"email": "both@lists.com"})
    create(client, account, {"email": "both@lists.com", "city": "Lima"}, prefix=f"/{second}")
    response = client.get(
        "/api/contacts/cross_account", params={"email": "Both@Lists.com"}, headers=headers(account)
    )
    assert response.status_code == 200
    body = response.json()
    assert body["metadata"]["total"] == 2
    by_list = {c["list_id"]: c for c in body["payload"]}
    assert set(by_list) == {account.default_list_id, second}
    assert by_list[second]["city"] == "Lima"
    assert "city" not in by_list[account.default_list_id]
    assert by_list[second]["id"] != by_list[account.default_list_id]["id"]
    missing = client.get("/api/contacts/cross_account", headers=headers(account))
    assert missing.status_code == 412


def _seed_statuses(client: Any, acc: NewAccount) -> None:
    create(client, acc, [{"email": f"c{i}@x.org"} for i in range(6)])
    h = headers(acc)
    for change, email in (
        ("unsubscribe", "c1@x.org"),
        ("bounce", "c2@x.org"),
        ("complaint", "c3@x.org"),
    ):
        r = client.post(
            "/api/v2/contacts/change_status",
            json={"emails": [email], "change_to": change},
            headers=h,
        )
        assert r.status_code == 200


@pytest.mark.parametrize(
    ("user_type", "expected"),
    [
        ("all", ["c0", "c1", "c2", "c3", "c4", "c5"]),
        ("active", ["c0", "c4", "c5"]),
        ("unsubscribed", ["c1"]),
        ("bounced", ["c2"]),
        ("complaint", ["c3"]),
        ("inactive", ["c1", "c2", "c3"]),
    ],
)
def test_collection_filters_by_user_type(
    client: Any, account: NewAccount, user_type: str, expected: list[str]
) -> None:
    _seed_statuses(client, account)
    body = client.get(f"/api/contacts?user_type={user_type}", headers=headers(account)).json()
    assert [c["email"].split("@")[0] for c in body["payload"]] == expected
    assert body["metadata"]["total"] == len(expected)


def test_collection_sorts_and_pages_with_total(client: Any, account: NewAccount) -> None:
    _seed_statuses(client, account)
    h = headers(account)
    body = client.get("/api/contacts?sort=email&order=DESC&offset=1&limit=2", headers=h).json()
    assert [c["email"] for c in body["payload"]] == ["c4@x.org", "c3@x.org"]
    assert body["metadata"]["total"] == 6
    assert len(client.get("/api/contacts?limit=100000", headers=h).json()["payload"]) == 6
    assert client.get("/api/contacts?offset=10", headers=h).json()["payload"] == []


@pytest.mark.parametrize(
    "query", ["sort=password", "order=sideways", "user_type=vip", "limit=abc", "offset=-1"]
)
def test_collection_rejects_bad_parameters(client: Any, account: NewAccount, query: str) -> None:
    response = client.get(f"/api/contacts?{query}", headers=headers(account))
    assert response.status_code == 412
    assert response.json()["metadata"]["error"] is True
