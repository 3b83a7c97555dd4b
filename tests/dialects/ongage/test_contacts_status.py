"""Ongage change_status, change_email and contacts/delete."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import ongage_headers_for as headers
from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context
from mailroom.kit.clock import FrozenClock
from mailroom.lists import service as lists_service


def create(client: Any, acc: NewAccount, emails: list[str], prefix: str = "") -> dict[str, str]:
    r = client.post(
        f"{prefix}/api/v2/contacts", json=[{"email": e} for e in emails], headers=headers(acc)
    )
    assert r.status_code == 200, r.text
    ids: dict[str, str] = r.json()["payload"]["created_emails"]
    return ids


def get(client: Any, acc: NewAccount, email: str, prefix: str = "") -> dict[str, Any] | None:
    r = client.get(f"{prefix}/api/contacts/by_email/{email}", headers=headers(acc))
    if r.status_code == 404:
        return None
    assert r.status_code == 200
    contact: dict[str, Any] = r.json()["payload"]
    return contact


def change(
    client: Any, acc: NewAccount, body: Any, path: str = "/api/v2/contacts/change_status"
) -> Any:
    return client.post(path, json=body, headers=headers(acc))


@pytest.mark.parametrize(
    ("change_to", "status", "date_key"),
    [
        ("unsubscribe", "Unsubscribed", "ocx_unsubscribe_date"),
        ("bounce", "Bounced", "ocx_bounce_date"),
        ("complaint", "Complaint", "ocx_complaint_date"),
    ],
)
def test_change_status_sets_status_and_date(
    client: Any, account: NewAccount, clock: FrozenClock, change_to: str, status: str, date_key: str
) -> None:
    ids = create(client, account, ["a@x.com", "b@x.com"])
    clock.advance(seconds=60)
    r = change(client, account, {"emails": ["A@x.com", "ghost@x.com"], "change_to": change_to})
    assert r.status_code == 200
    payload = r.json()["payload"]
    assert payload["success"] == 1 and payload["failed"] == 1
    assert payload["success_emails"] == {"a@x.com": ids["a@x.com"]}
    assert payload["failed_emails"] == {"ghost@x.com": "Email not found"}
    a = get(client, account, "a@x.com")
    assert a is not None
    assert a["ocx_status"] == status
    assert a[date_key] == clock.now_ms() // 1000
    b = get(client, account, "b@x.com")
    assert b is not None and b["ocx_status"] == "Active" and b[date_key] is None


def test_resubscribe_and_repeats_keep_first_dates(
    client: Any, account: NewAccount, clock: FrozenClock
) -> None:
    create(client, account, ["r@x.com"])
    change(client, account, {"emails": ["r@x.com"], "change_to": "unsubscribe"})
    first = clock.now_ms() // 1000
    clock.advance(seconds=30)
    again = change(client, account, {"emails": ["r@x.com"], "change_to": "unsubscribe"})
    assert again.json()["payload"]["success"] == 1
    contact = get(client, account, "r@x.com")
    assert contact is not None and contact["ocx_unsubscribe_date"] == first
    clock.advance(seconds=30)
    r = change(client, account, {"emails": ["r@x.com"], "change_to": "resubscribe"})
    assert r.status_code == 200
    contact = get(client, account, "r@x.com")
    assert contact is not None
    assert contact["ocx_status"] == "Active"
    assert contact["ocx_resubscribe_date"] == clock.now_ms() // 1000
    assert contact["ocx_unsubscribe_date"] == first


def test_soft_bounce_counts_but_changes_nothing(client: Any, account: NewAccount) -> None:
    create(client, account, ["s@x.com"])
    r = change(client, account, {"emails": ["s@x.com"], "change_to": "soft_bounce"})
    assert r.status_code == 200 and r.json()["payload"]["success"] == 1
    contact = get(client, account, "s@x.com")
    assert (
        contact is not None
        and contact["ocx_status"] == "Active"
        and contact["ocx_bounce_date"] is None
    )


def test_remove_deletes_from_the_list_only(client: Any, ctx: Context, account: NewAccount) -> None:
    with ctx.db.write() as conn:
        second = lists_service.create_list(conn, ctx.clock, account.account_id, {"name": "2"})["id"]
    create(client, account, ["gone@x.com", "stay@x.com"])
    create(client, account, ["gone@x.com"], prefix=f"/{second}")
    r = change(
        client,
        account,
        {"list_id": account.default_list_id, "change_to": "remove", "emails": ["gone@x.com"]},
    )
    assert r.status_code == 200 and r.json()["payload"]["success"] == 1
    assert get(client, account, "gone@x.com") is None
    assert get(client, account, "stay@x.com") is not None
    assert get(client, account, "gone@x.com", prefix=f"/{second}") is not None


def test_body_list_id_and_legacy_remove_path(
    client: Any, ctx: Context, account: NewAccount
) -> None:
    with ctx.db.write() as conn:
        second = lists_service.create_list(conn, ctx.clock, account.account_id, {"name": "2"})["id"]
    create(client, account, ["l@x.com"], prefix=f"/{second}")
    r = change(
        client,
        account,
        {"list_id": second, "change_to": "unsubscribe", "emails": ["l@x.com"], "mailing_id": 5},
        path="/api/contacts/remove",
    )
    assert r.status_code == 200 and r.json()["payload"]["success"] == 1
    contact = get(client, account, "l@x.com", prefix=f"/{second}")
    assert contact is not None and contact["ocx_status"] == "Unsubscribed"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"emails": ["a@x.com"], "change_to": "explode"}, "change_to"),
        ({"emails": ["a@x.com"]}, "change_to"),
        ({"change_to": "unsubscribe"}, "emails"),
        ({"change_to": "unsubscribe", "emails": []}, "emails"),
    ],
)
def test_change_status_validation(
    client: Any, account: NewAccount, body: dict[str, Any], field: str
) -> None:
    create(client, account, ["a@x.com"])
    r = change(client, account, body)
    assert r.status_code == 412
    assert r.json()["payload"]["errors"][0]["field"] == field
    contact = get(client, account, "a@x.com")
    assert contact is not None and contact["ocx_status"] == "Active"


def test_change_status_of_another_accounts_emails_touches_nothing(
    client: Any, account: NewAccount, other_account: NewAccount
) -> None:
    create(client, other_account, ["theirs@x.com"])
    r = change(client, account, {"emails": ["theirs@x.com"], "change_to": "remove"})
    assert r.json()["payload"]["success"] == 0
    assert get(client, other_account, "theirs@x.com") is not None
    wrong = change(
        client,
        account,
        {
            "list_id": other_account.default_list_id,
            "emails": ["theirs@x.com"],
            "change_to": "remove",
        },
    )
    assert wrong.status_code == 404


def email_change(client: Any, acc: NewAccount, body: Any) -> Any:
    return client.put("/api/contacts/change_email", json=body, headers=headers(acc))


def test_change_email_moves_the_key_and_keeps_the_id(client: Any, account: NewAccount) -> None:
    uid = create(client, account, ["john@doe.com"])["john@doe.com"]
    r = email_change(client, account, {"email": "john@doe.com", "new_email": "John@Doe.org"})
    assert r.status_code == 200
    assert r.json()["payload"]["success_emails"] == {"john@doe.com": uid}
    assert get(client, account, "john@doe.com") is None
    moved = get(client, account, "john@doe.org")
    assert moved is not None and moved["id"] == uid


def test_change_email_window(client: Any, account: NewAccount, clock: FrozenClock) -> None:
    create(client, account, ["w1@x.com"])
    assert (
        email_change(client, account, {"email": "w1@x.com", "new_email": "w2@x.com"}).status_code
        == 200
    )
    clock.advance(seconds=886)
    early = email_change(client, account, {"email": "w2@x.com", "new_email": "w3@x.com"})
    assert early.status_code == 412
    assert "887" in early.json()["payload"]["message"]
    assert get(client, account, "w2@x.com") is not None
    clock.advance(seconds=1)
    assert (
        email_change(client, account, {"email": "w2@x.com", "new_email": "w3@x.com"}).status_code
        == 200
    )


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"email": "e1@x.com", "new_email": "e2@x.com"}, 412),
        ({"email": "ghost@x.com", "new_email": "new@x.com"}, 404),
        ({"email": "e1@x.com", "new_email": "not an email"}, 412),
        ({"email": "e1@x.com"}, 412),
        ({"email": "e1@x.com", "new_email": "E1@x.com"}, 412),
    ],
)
def test_change_email_errors(
    client: Any, account: NewAccount, body: dict[str, Any], status: int
) -> None:
    create(client, account, ["e1@x.com", "e2@x.com"])
    r = email_change(client, account, body)
    assert r.status_code == status
    assert get(client, account, "e1@x.com") is not None


def delete(client: Any, acc: NewAccount, body: Any) -> Any:
    return client.post("/api/contacts/delete", json=body, headers=headers(acc))


def test_delete_by_contact_id_and_ids(client: Any, account: NewAccount) -> None:
    ids = create(client, account, ["d1@x.com", "d2@x.com", "d3@x.com"])
    one = delete(client, account, {"contact_id": ids["d1@x.com"]})
    assert one.status_code == 200
    assert one.json()["payload"]["deleted"] == 1
    assert get(client, account, "d1@x.com") is None
    many = delete(client, account, {"contact_ids": [ids["d2@x.com"], "0" * 24]})
    payload = many.json()["payload"]
    assert (payload["success"], payload["failed"]) == (1, 1)
    assert payload["failed_ids"] == {"0" * 24: "Contact not found"}
    assert get(client, account, "d2@x.com") is None
    assert get(client, account, "d3@x.com") is not None


@pytest.mark.parametrize("body", [{}, {"contact_ids": []}, {"contact_id": ""}, None])
def test_delete_without_ids_is_400(client: Any, account: NewAccount, body: Any) -> None:
    r = client.post("/api/contacts/delete", json=body, headers=headers(account))
    assert r.status_code == 400
    assert r.json()["payload"]["message"] == "Missing contact ID(s)"


def test_delete_cannot_reach_another_account(
    client: Any, account: NewAccount, other_account: NewAccount
) -> None:
    theirs = create(client, other_account, ["t@x.com"])["t@x.com"]
    r = delete(client, account, {"contact_id": theirs})
    assert r.status_code == 404
    assert get(client, other_account, "t@x.com") is not None
    assert delete(client, account, {"contact_ids": "nonsense"}).status_code == 404
    assert delete(client, account, {"contact_ids": {"a": 1}}).status_code == 412
