"""Ongage List Fields API over HTTP: read, create (one, many, all lists), update, delete."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from conftest import ongage_headers_for
from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context
from mailroom.db.tables import contacts

FIELD_KEYS = [
    "id",
    "account_id",
    "list_id",
    "name",
    "title",
    "type",
    "format",
    "default",
    "mandatory",
    "position",
    "created",
    "modified",
    "deleted",
    "is_sms",
]


def new_list(client: Any, headers: dict[str, str], name: str) -> int:
    response = client.post("/api/lists", json={"name": name}, headers=headers)
    assert response.status_code == 200
    return int(response.json()["payload"]["id"])


def add_field(client: Any, headers: dict[str, str], path: str = "", **body: Any) -> Any:
    return client.post(f"{path}/api/list_fields", json=body, headers=headers)


def names_in(client: Any, headers: dict[str, str], list_id: int) -> list[str]:
    response = client.get(f"/{list_id}/api/list_fields", headers=headers)
    return [f["name"] for f in response.json()["payload"]]


def error_fields(response: Any) -> list[str]:
    return sorted(e["field"] for e in response.json()["payload"]["errors"])


def add_contact(ctx: Context, account: NewAccount, list_id: int, fields: dict[str, Any]) -> int:
    with ctx.db.write() as conn:
        result = conn.execute(
            insert(contacts).values(
                uid=f"{list_id:024x}",
                account_id=account.account_id,
                list_id=list_id,
                email="someone@example.com",
                fields=fields,
                created=1,
                modified=1,
            )
        )
        return int(result.inserted_primary_key[0])  # type: ignore[index]


def test_a_new_list_has_only_the_email_field(
    client: Any, account: NewAccount, ongage_headers: dict[str, str], clock: Any
) -> None:
    response = client.get("/api/list_fields", headers=ongage_headers)

    assert response.status_code == 200
    body = response.json()
    assert body["metadata"] == {"error": False, "total": 1}
    (email,) = body["payload"]
    assert list(email) == FIELD_KEYS
    assert email["name"] == "email" and email["type"] == "email"
    assert email["list_id"] == account.default_list_id
    assert email["account_id"] == account.account_id
    assert email["mandatory"] is True and email["is_sms"] is False
    assert email["position"] == 0 and email["deleted"] is None
    assert email["created"] == clock.now_ms() // 1000


def test_create_fields_of_every_type(client: Any, ongage_headers: dict[str, str]) -> None:
    first = add_field(client, ongage_headers, name="first_name", title="First name", type="string")
    assert first.status_code == 200
    created = first.json()["payload"]
    assert list(created) == FIELD_KEYS
    assert (created["name"], created["type"], created["format"]) == ("first_name", "string", "")
    assert created["position"] == 1 and created["mandatory"] is False

    score = add_field(client, ongage_headers, name="score", type="numeric", default="7.0")
    assert score.json()["payload"]["default"] == "7"
    assert score.json()["payload"]["title"] == "Score"
    birthday = add_field(
        client,
        ongage_headers,
        name="birthday",
        title="Birthday",
        type="date",
        format="dd/mm/yyyy",
        default="17/03/1986",
        mandatory=True,
        position=9,
    ).json()["payload"]
    assert (birthday["format"], birthday["default"]) == ("dd/mm/yyyy", "17/03/1986")
    assert birthday["mandatory"] is True and birthday["position"] == 9

    listing = client.get("/api/list_fields", headers=ongage_headers).json()
    assert listing["metadata"]["total"] == 4
    assert [f["name"] for f in listing["payload"]] == ["email", "first_name", "score", "birthday"]
    by_name = client.get("/api/list_fields?sort=name&order=DESC&limit=2", headers=ongage_headers)
    assert [f["name"] for f in by_name.json()["payload"]] == ["score", "first_name"]
    assert by_name.json()["metadata"]["total"] == 4
    one = client.get(f"/api/list_fields/{birthday['id']}", headers=ongage_headers)
    assert one.json()["payload"] == birthday


def test_field_validation(client: Any, account: NewAccount, ongage_headers: dict[str, str]) -> None:
    cases = [
        ({"name": "birthday", "type": "date"}, ["format"]),
        ({"name": "birthday", "type": "date", "format": "yyyy.mm.dd"}, ["format"]),
        ({"name": "First", "type": "string"}, ["name"]),
        ({"name": "1st", "type": "string"}, ["name"]),
        ({"name": "ocx_status", "type": "string"}, ["name"]),
        ({"name": "id", "type": "string"}, ["name"]),
        ({"name": "x" * 65, "type": "string"}, ["name"]),
        ({"type": "string"}, ["name"]),
        ({"name": "other_email", "type": "email"}, ["type"]),
        ({"name": "n", "type": "boolean"}, ["type"]),
        ({"name": "n", "type": "numeric", "default": "many"}, ["default"]),
        ({"name": "d", "type": "date", "format": "yyyy-mm-dd", "default": "1/2/3"}, ["default"]),
        ({"name": "n", "type": "string", "mandatory": "perhaps", "position": "x"},
         ["mandatory", "position"]),
    ]  # fmt: skip
    for body, fields in cases:
        response = add_field(client, ongage_headers, **body)
        assert response.status_code == 412, body
        assert response.json()["metadata"]["error"] is True
        assert response.json()["payload"]["code"] == 412
        assert error_fields(response) == fields, body
    assert add_field(client, ongage_headers, name="city", type="string").status_code == 200
    again = add_field(client, ongage_headers, name="city", type="string")
    assert again.status_code == 412 and "already has a field" in again.json()["payload"]["message"]
    assert names_in(client, ongage_headers, account.default_list_id) == ["email", "city"]


def test_array_create_is_all_or_nothing(client: Any, ongage_headers: dict[str, str]) -> None:
    bad = client.post(
        "/api/list_fields",
        json=[{"name": "a", "type": "string"}, {"name": "B", "type": "string"}],
        headers=ongage_headers,
    )
    assert bad.status_code == 412
    assert [e["index"] for e in bad.json()["payload"]["errors"]] == [1]
    assert client.get("/api/list_fields", headers=ongage_headers).json()["metadata"]["total"] == 1

    good = client.post(
        "/api/list_fields",
        json=[{"name": "a", "type": "string"}, {"name": "b", "type": "numeric"}],
        headers=ongage_headers,
    )
    assert good.status_code == 200
    assert [f["name"] for f in good.json()["payload"]] == ["a", "b"]
    assert [f["position"] for f in good.json()["payload"]] == [1, 2]


def test_list_is_chosen_by_body_then_query_then_path_then_default(
    client: Any, account: NewAccount, ongage_headers: dict[str, str]
) -> None:
    path_list = new_list(client, ongage_headers, "path")
    query_list = new_list(client, ongage_headers, "query")
    body_list = new_list(client, ongage_headers, "body")

    url = f"/{path_list}/api/list_fields?list_id={query_list}"
    both = client.post(
        url, json={"name": "f_body", "type": "string", "list_id": body_list}, headers=ongage_headers
    )
    assert both.json()["payload"]["list_id"] == body_list
    query = client.post(url, json={"name": "f_query", "type": "string"}, headers=ongage_headers)
    assert query.json()["payload"]["list_id"] == query_list
    path = add_field(client, ongage_headers, f"/{path_list}", name="f_path", type="string")
    assert path.json()["payload"]["list_id"] == path_list
    default = add_field(client, ongage_headers, name="f_default", type="string")
    assert default.json()["payload"]["list_id"] == account.default_list_id

    assert names_in(client, ongage_headers, body_list) == ["email", "f_body"]
    listing = client.get(f"/api/list_fields?list_id={query_list}", headers=ongage_headers)
    assert [f["name"] for f in listing.json()["payload"]] == ["email", "f_query"]
    slash = client.get(f"/{path_list}/api/list_fields/", headers=ongage_headers)
    assert [f["name"] for f in slash.json()["payload"]] == ["email", "f_path"]


def test_other_accounts_lists_and_fields_are_not_found(
    client: Any, account: NewAccount, other_account: NewAccount
) -> None:
    mine, theirs = ongage_headers_for(account), ongage_headers_for(other_account)
    their_list = other_account.default_list_id
    response = add_field(client, mine, f"/{their_list}", name="x", type="string")
    assert response.status_code == 404
    assert response.json()["payload"]["message"] == "List not found"
    assert client.get(f"/{their_list}/api/list_fields", headers=mine).status_code == 404
    assert client.get("/api/list_fields?list_id=abc", headers=mine).status_code == 412

    their_field = add_field(client, theirs, name="x", type="string").json()["payload"]["id"]
    for method in ("get", "delete"):
        found = getattr(client, method)(f"/api/list_fields/{their_field}", headers=mine)
        assert found.status_code == 404
        assert found.json()["payload"]["message"] == "List field not found"
    put = client.put(f"/api/list_fields/{their_field}", json={"title": "t"}, headers=mine)
    assert put.status_code == 404
    assert client.get(f"/api/list_fields/{their_field}", headers=theirs).status_code == 200


def test_update_field(client: Any, ongage_headers: dict[str, str], clock: Any) -> None:
    field = add_field(
        client, ongage_headers, name="born", type="date", format="yyyy-mm-dd", default="2000-01-31"
    ).json()["payload"]
    clock.advance(seconds=5)

    response = client.put(
        f"/api/list_fields/{field['id']}",
        json={"title": "Born on", "format": "dd/mm/yyyy", "mandatory": True, "position": 3},
        headers=ongage_headers,
    )

    assert response.status_code == 200
    updated = response.json()["payload"]
    assert (updated["title"], updated["format"], updated["default"]) == (
        "Born on",
        "dd/mm/yyyy",
        "31/01/2000",
    )
    assert updated["mandatory"] is True and updated["position"] == 3
    assert updated["modified"] == field["modified"] + 5 and updated["created"] == field["created"]
    renamed = client.put(
        f"/api/list_fields/{field['id']}", json={"name": "birthday"}, headers=ongage_headers
    )
    assert renamed.json()["payload"]["name"] == "birthday"
    retyped = client.put(
        f"/api/list_fields/{field['id']}",
        json={"type": "string", "default": "soon"},
        headers=ongage_headers,
    )
    assert retyped.json()["payload"]["type"] == "string"
    assert retyped.json()["payload"]["format"] == ""
    no_format = client.put(
        f"/api/list_fields/{field['id']}", json={"type": "date"}, headers=ongage_headers
    )
    assert no_format.status_code == 412 and error_fields(no_format) == ["format"]


def test_email_field_keeps_its_name_and_type_and_cannot_be_deleted(
    client: Any, ongage_headers: dict[str, str]
) -> None:
    email = client.get("/api/list_fields", headers=ongage_headers).json()["payload"][0]
    url = f"/api/list_fields/{email['id']}"
    retype = client.put(url, json={"type": "string"}, headers=ongage_headers)
    assert retype.status_code == 412 and error_fields(retype) == ["type"]
    rename = client.put(url, json={"name": "mail"}, headers=ongage_headers)
    assert rename.status_code == 412 and error_fields(rename) == ["name"]
    retitle = client.put(url, json={"title": "E-mail", "mandatory": False}, headers=ongage_headers)
    assert retitle.json()["payload"]["title"] == "E-mail"
    assert retitle.json()["payload"]["mandatory"] is True
    deleted = client.delete(url, headers=ongage_headers)
    assert deleted.status_code == 412
    assert client.get(url, headers=ongage_headers).status_code == 200


def test_a_field_with_values_keeps_name_and_type_and_delete_drops_values(
    client: Any, ctx: Context, account: NewAccount, ongage_headers: dict[str, str]
) -> None:
    city = add_field(client, ongage_headers, name="city", type="string").json()["payload"]
    add_field(client, ongage_headers, name="zip", type="string")
    contact_id = add_contact(ctx, account, account.default_list_id, {"city": "Oslo", "zip": "01"})
    url = f"/api/list_fields/{city['id']}"

    for change in ({"name": "town"}, {"type": "numeric"}):
        response = client.put(url, json=change, headers=ongage_headers)
        assert response.status_code == 412, change
        assert "holds contact values" in response.json()["payload"]["message"]
    clash = client.put(
        f"/api/list_fields/{city['id'] + 1}", json={"name": "city"}, headers=ongage_headers
    )
    assert clash.status_code == 412

    deleted = client.delete(url, headers=ongage_headers)
    assert deleted.status_code == 200
    assert deleted.json()["payload"]["name"] == "city"
    assert client.get(url, headers=ongage_headers).status_code == 404
    assert client.delete(url, headers=ongage_headers).status_code == 404
    with ctx.db.read() as conn:
        fields = conn.execute(
            select(contacts.c.fields).where(contacts.c.id == contact_id)
        ).scalar_one()
    assert fields == {"zip": "01"}
    recreated = add_field(client, ongage_headers, name="city", type="numeric")
    assert recreated.status_code == 200


def test_create_in_all_lists_reports_failed_lists(
    client: Any, account: NewAccount, ongage_headers: dict[str, str]
) -> None:
    second = new_list(client, ongage_headers, "second")
    third = new_list(client, ongage_headers, "third")
    add_field(client, ongage_headers, f"/{third}", name="birthday", type="string")

    response = client.post(
        "/api/list_fields/all_lists",
        json={"name": "birthday", "title": "Birthday", "type": "date", "format": "yyyy-mm-dd"},
        headers=ongage_headers,
    )

    assert response.status_code == 200
    payload = response.json()["payload"]
    assert [f["list_id"] for f in payload["success_list_fields"]] == [
        account.default_list_id,
        second,
    ]
    assert all(list(f) == FIELD_KEYS for f in payload["success_list_fields"])
    assert list(payload["failed_lists_errors"]) == [str(third)]
    assert "birthday" in payload["failed_lists_errors"][str(third)]
    assert names_in(client, ongage_headers, second) == ["email", "birthday"]

    invalid = client.post(
        "/api/list_fields/all_lists", json={"name": "x", "type": "date"}, headers=ongage_headers
    )
    assert invalid.status_code == 412 and error_fields(invalid) == ["format"]
