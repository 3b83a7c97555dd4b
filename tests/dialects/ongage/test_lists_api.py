"""Ongage Lists API over HTTP: the list object, the collection, create, update, delete."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select

from conftest import ongage_headers_for
from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context
from mailroom.db.tables import contacts, list_fields, segments

DOCUMENTED_KEYS = [
    "id",
    "name",
    "notification_email",
    "description",
    "type",
    "hash_type",
    "last_count",
    "last_active_count",
    "unsubscribes",
    "unsubscribe_default_link",
    "complaints",
    "last_stats_date",
    "last_events_stats_date",
    "last_transactional_stats_date",
    "bounces",
    "unsubscribe_success_html",
    "unsubscribe_confirmation_html",
    "unsubscribe_confirmation_button",
    "unsubscribe_redirect_url",
    "frequencies",
    "frequency_active",
    "frequency_html",
    "frequency_button",
    "frequency_field_id",
    "external_url_wrapper",
    "expiration_date",
    "scope",
    "default_transactional_id",
    "welcome_email_id",
    "welcome_email_active",
    "welcome_email_esp_connection_id",
    "welcome_sms_id",
    "welcome_sms_active",
    "welcome_sms_connection_id",
    "welcome_sms_per_segment",
    "allowed_provider_connection_ids",
    "public_key",
    "image_host_base",
    "tracking_domain",
    "sms_field_id",
    "modified_counts",
    "archive",
    "segment_welcome_emails",
    "included_segment_cache",
    "excluded_segment_cache",
    "header_template_id",
    "footer_template_id",
    "cke_keep_spaces_empty_blocks",
    "preprocess_minutes",
    "imports_concurrent_limit",
    "demo_list_step",
    "link_query_params",
    "account_id",
    "created",
    "modified",
    "deleted",
]


def add_contacts(ctx: Context, account: NewAccount, list_id: int, statuses: list[str]) -> None:
    with ctx.db.write() as conn:
        for i, status in enumerate(statuses):
            conn.execute(
                insert(contacts).values(
                    uid=f"{list_id:08x}{i:016x}",
                    account_id=account.account_id,
                    list_id=list_id,
                    email=f"c{i}@example.com",
                    status=status,
                    fields={},
                    created=1,
                    modified=1,
                )
            )


def create(client: Any, headers: dict[str, str], **body: Any) -> Any:
    return client.post("/api/lists", json=body, headers=headers)


def errors_of(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["payload"]["errors"]]


def test_list_object_has_every_documented_key_with_live_counts(
    client: Any, ctx: Context, account: NewAccount, ongage_headers: dict[str, str], clock: Any
) -> None:
    statuses = ["active"] * 5 + ["unsubscribed"] * 3 + ["bounced"] * 2 + ["complaint"]
    add_contacts(ctx, account, account.default_list_id, statuses)

    response = client.get(f"/api/lists/{account.default_list_id}", headers=ongage_headers)

    assert response.status_code == 200
    body = response.json()
    assert body["metadata"] == {"error": False}
    item = body["payload"]
    assert list(item) == [*DOCUMENTED_KEYS, "default"]  # mailroom adds whether it is the default
    assert item["default"] is True
    assert item["id"] == account.default_list_id
    assert item["account_id"] == account.account_id
    assert (item["last_count"], item["last_active_count"]) == (11, 5)
    assert (item["unsubscribes"], item["bounces"], item["complaints"]) == (3, 2, 1)
    assert item["type"] == "sending" and item["scope"] is None
    assert item["unsubscribe_default_link"] is True and item["archive"] is False
    assert item["expiration_date"] == 0 and item["imports_concurrent_limit"] == 2
    assert item["created"] == clock.now_ms() // 1000 and item["deleted"] is None


def test_collection_filters_sorts_and_pages_with_total(
    client: Any, account: NewAccount, ongage_headers: dict[str, str]
) -> None:
    for name in ("Zeta news", "Alpha news", "Blocked"):
        kind = "suppression" if name == "Blocked" else "sending"
        assert create(client, ongage_headers, name=name, type=kind).status_code == 200

    everything = client.get("/api/lists", headers=ongage_headers).json()
    assert everything["metadata"] == {"error": False, "total": 4}
    assert [x["id"] for x in everything["payload"]] == sorted(
        x["id"] for x in everything["payload"]
    )

    news = client.get("/api/lists?name=NEWS&sort=name&order=desc", headers=ongage_headers)
    assert [x["name"] for x in news.json()["payload"]] == ["Zeta news", "Alpha news"]
    assert news.json()["metadata"]["total"] == 2

    suppression = client.get("/api/lists", params={"type": "suppression"}, headers=ongage_headers)
    assert [x["name"] for x in suppression.json()["payload"]] == ["Blocked"]

    page = client.get("/api/lists?sort=name&offset=1&limit=2", headers=ongage_headers).json()
    assert [x["name"] for x in page["payload"]] == ["Alpha news", "Blocked"]
    assert page["metadata"]["total"] == 4


def test_collection_rejects_bad_paging_parameters(
    client: Any, ongage_headers: dict[str, str]
) -> None:
    for query, field in (
        ("sort=password", "sort"),
        ("order=sideways", "order"),
        ("limit=-1", "limit"),
        ("offset=x", "offset"),
        ("type=weird", "type"),
    ):
        response = client.get(f"/api/lists?{query}", headers=ongage_headers)
        assert response.status_code == 412, query
        assert response.json()["metadata"]["error"] is True
        assert errors_of(response) == [field]


def test_create_list_with_its_email_field_and_extra_keys(
    client: Any, ctx: Context, ongage_headers: dict[str, str]
) -> None:
    response = create(
        client,
        ongage_headers,
        name="  Weekly  ",
        description="news",
        notification_email="Ops@Example.com",
        unsubscribe_redirect_url="https://example.com/bye",
        welcome_email_active="1",
        default_transactional_id="17",
        last_count=999,  # read-only keys are ignored, not rejected
    )

    assert response.status_code == 200
    item = response.json()["payload"]
    assert item["name"] == "Weekly" and item["description"] == "news"
    assert item["notification_email"] == "ops@example.com"
    assert item["unsubscribe_redirect_url"] == "https://example.com/bye"
    assert item["welcome_email_active"] is True and item["default_transactional_id"] == 17
    assert item["last_count"] == 0
    with ctx.db.read() as conn:
        names = conn.execute(
            select(list_fields.c.name).where(list_fields.c.list_id == item["id"])
        ).scalars()
        assert list(names) == ["email"]
    again = client.get(f"/api/lists/{item['id']}", headers=ongage_headers).json()["payload"]
    assert again == item


def test_suppression_lists_take_a_scope(client: Any, ongage_headers: dict[str, str]) -> None:
    plain = create(client, ongage_headers, name="Blocked", type="suppression").json()["payload"]
    assert plain["scope"] == "global"
    campaign = create(client, ongage_headers, name="B2", type="suppression", scope="campaign")
    assert campaign.json()["payload"]["scope"] == "campaign"


def test_create_validation_reports_every_error(client: Any, ongage_headers: dict[str, str]) -> None:
    response = create(client, ongage_headers, type="mailing", notification_email="nope")
    assert response.status_code == 412
    body = response.json()
    assert body["metadata"] == {"error": True}
    assert body["payload"]["code"] == 412
    assert sorted(errors_of(response)) == ["name", "notification_email", "type"]

    bad_scope = create(client, ongage_headers, name="S", type="suppression", scope="planet")
    assert bad_scope.status_code == 412 and errors_of(bad_scope) == ["scope"]
    scope_on_sending = create(client, ongage_headers, name="S", scope="global")
    assert scope_on_sending.status_code == 412 and errors_of(scope_on_sending) == ["scope"]
    bad_flag = create(client, ongage_headers, name="S", archive="maybe")
    assert bad_flag.status_code == 412 and errors_of(bad_flag) == ["archive"]
    not_object = client.post("/api/lists", json=["x"], headers=ongage_headers)
    assert not_object.status_code == 412
    bad_json = client.post("/api/lists", content=b"{oops", headers=ongage_headers)
    assert bad_json.status_code == 400
    total = client.get("/api/lists", headers=ongage_headers).json()["metadata"]["total"]
    assert total == 1


def test_update_changes_only_given_keys_and_round_trips(
    client: Any, ongage_headers: dict[str, str], clock: Any
) -> None:
    item = create(client, ongage_headers, name="Old", description="keep").json()["payload"]
    clock.advance(seconds=60)

    response = client.put(
        f"/api/lists/{item['id']}", json={"name": "New", "archive": True}, headers=ongage_headers
    )

    assert response.status_code == 200
    updated = response.json()["payload"]
    assert (updated["name"], updated["description"], updated["archive"]) == ("New", "keep", True)
    assert updated["modified"] == item["modified"] + 60
    # A client may send back the whole object it read, read-only keys included.
    resent = client.put(f"/api/lists/{item['id']}", json=updated, headers=ongage_headers)
    assert resent.status_code == 200
    assert resent.json()["payload"]["name"] == "New"

    to_suppression = client.put(
        f"/api/lists/{item['id']}", json={"type": "suppression"}, headers=ongage_headers
    )
    assert to_suppression.json()["payload"]["scope"] == "global"
    bad = client.put(f"/api/lists/{item['id']}", json={"name": ""}, headers=ongage_headers)
    assert bad.status_code == 412 and errors_of(bad) == ["name"]


def test_delete_removes_list_and_contacts_but_never_the_default(
    client: Any, ctx: Context, account: NewAccount, ongage_headers: dict[str, str]
) -> None:
    item = create(client, ongage_headers, name="Temp").json()["payload"]
    add_contacts(ctx, account, item["id"], ["active", "active"])

    implications = client.get(
        f"/api/lists/{item['id']}/delete_implications", headers=ongage_headers
    ).json()["payload"]
    assert implications["contacts"] == 2 and implications["list_fields"] == 1
    assert implications["can_delete"] is True

    response = client.delete(f"/api/lists/{item['id']}", headers=ongage_headers)
    assert response.status_code == 200
    assert response.json()["payload"]["id"] == item["id"]
    assert response.json()["payload"]["deleted"] is not None
    assert client.get(f"/api/lists/{item['id']}", headers=ongage_headers).status_code == 404
    with ctx.db.read() as conn:
        left = conn.execute(
            select(func.count()).select_from(contacts).where(contacts.c.list_id == item["id"])
        ).scalar_one()
    assert left == 0

    default = client.delete(f"/api/lists/{account.default_list_id}", headers=ongage_headers)
    assert default.status_code == 412
    assert "default list" in default.json()["payload"]["message"]
    still = client.get(f"/api/lists/{account.default_list_id}", headers=ongage_headers)
    assert still.status_code == 200
    default_implications = client.get(
        f"/api/lists/{account.default_list_id}/delete_implications", headers=ongage_headers
    )
    assert default_implications.json()["payload"]["can_delete"] is False


def test_delete_cascades_to_segments(
    client: Any, ctx: Context, account: NewAccount, ongage_headers: dict[str, str]
) -> None:
    item = create(client, ongage_headers, name="Seg").json()["payload"]
    with ctx.db.write() as conn:
        conn.execute(
            insert(segments).values(
                account_id=account.account_id, list_id=item["id"], name="s", created=1, modified=1
            )
        )
    assert client.delete(f"/api/lists/{item['id']}", headers=ongage_headers).status_code == 200
    with ctx.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(segments)).scalar_one() == 0


def test_another_accounts_list_is_not_found(
    client: Any, account: NewAccount, other_account: NewAccount
) -> None:
    theirs = other_account.default_list_id
    headers = ongage_headers_for(account)
    for method in ("get", "delete"):
        response = getattr(client, method)(f"/api/lists/{theirs}", headers=headers)
        assert response.status_code == 404
        assert response.json()["payload"]["message"] == "List not found"
    put = client.put(f"/api/lists/{theirs}", json={"name": "mine"}, headers=headers)
    assert put.status_code == 404
    assert client.get("/api/lists/abc", headers=headers).status_code == 404
    mine = client.get("/api/lists", headers=headers).json()
    assert [x["id"] for x in mine["payload"]] == [account.default_list_id]
    theirs_view = client.get(f"/api/lists/{theirs}", headers=ongage_headers_for(other_account))
    assert theirs_view.json()["payload"]["name"] == "Other list"


def test_lists_need_credentials(client: Any, account: NewAccount) -> None:
    response = client.get("/api/lists", headers={"X_USERNAME": account.username})
    assert response.status_code == 401
    assert response.json()["payload"]["message"].startswith("Invalid Credentials")


def test_update_with_default_true_moves_the_default_and_frees_the_old_one(
    client: Any, account: NewAccount, ongage_headers: dict[str, str]
) -> None:
    old = account.default_list_id
    made = client.post("/api/lists", json={"name": "Newsletter"}, headers=ongage_headers)
    new = made.json()["payload"]["id"]
    assert made.json()["payload"]["default"] is False

    refused = client.delete(f"/api/lists/{old}", headers=ongage_headers)
    assert refused.status_code == 412
    assert "default: true" in refused.json()["payload"]["message"]

    moved = client.put(f"/api/lists/{new}", json={"default": True}, headers=ongage_headers)
    assert moved.status_code == 200 and moved.json()["payload"]["default"] is True
    listed = client.get("/api/lists", headers=ongage_headers).json()["payload"]
    assert {x["id"]: x["default"] for x in listed} == {old: False, new: True}
    # Calls that name no list now act on the new default (the credential cache was dropped).
    contact = client.post(
        "/api/v2/contacts", json={"email": "first@example.com"}, headers=ongage_headers
    )
    assert contact.status_code == 200
    in_new = client.get(
        "/api/contacts/by_email/first@example.com", params={"list_id": new}, headers=ongage_headers
    )
    assert in_new.status_code == 200
    assert client.delete(f"/api/lists/{old}", headers=ongage_headers).status_code == 200


def test_default_cannot_be_switched_off_or_given_to_a_suppression_list(
    client: Any, account: NewAccount, ongage_headers: dict[str, str]
) -> None:
    off = client.put(
        f"/api/lists/{account.default_list_id}", json={"default": False}, headers=ongage_headers
    )
    assert off.status_code == 412 and errors_of(off) == ["default"]
    made = client.post(
        "/api/lists", json={"name": "Blocked", "type": "suppression"}, headers=ongage_headers
    )
    suppression = made.json()["payload"]["id"]
    refused = client.put(
        f"/api/lists/{suppression}", json={"default": True}, headers=ongage_headers
    )
    assert refused.status_code == 412 and errors_of(refused) == ["default"]
    bad = client.put(f"/api/lists/{suppression}", json={"default": "yes"}, headers=ongage_headers)
    assert bad.status_code == 412 and errors_of(bad) == ["default"]
    created = client.post(
        "/api/lists", json={"name": "Main", "default": True}, headers=ongage_headers
    )
    assert created.json()["payload"]["default"] is True
