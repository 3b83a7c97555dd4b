"""Email messages over the Ongage API: dynamic fields checked at save, rendering with defaults."""

from __future__ import annotations

from typing import Any

from conftest import add_field
from mailroom.messages import merge


def test_merge_tags_defaults_nested_and_system_fields() -> None:
    parts = merge.compile_template(
        "Hi {{first_name:Subscriber}} / {{first_name:{{last_name}}}} / {{city}} #{{ocx_contact_id}}"
    )
    assert merge.render(parts, {"first_name": "Ada", "last_name": "L", "ocx_contact_id": "c1"}) == (
        "Hi Ada / Ada /  #c1"
    )
    assert merge.render(parts, {"first_name": "", "last_name": "Lovelace", "city": "Paris"}) == (
        "Hi Subscriber / Lovelace / Paris #"
    )
    assert merge.render(
        merge.compile_template("<b>{{x}}</b>"), {"x": "<i>"}, merge.escape_html
    ) == ("<b>&lt;i&gt;</b>")


def test_message_crud_and_unknown_field_refused_at_save(
    client: Any, ctx: Any, account: Any, ongage_headers: dict[str, str]
) -> None:
    add_field(ctx, account, "first_name")
    body = {
        "name": "Welcome",
        "subject": "Hello {{first_name:friend}}",
        "from_name": "News",
        "from_address": "news@example.com",
        "reply_address": "reply@example.com",
        "content_html": "<p>{{first_name}} <a href='{{ocx_unsubscribe_link}}'>unsubscribe</a></p>",
        "content_text": "{{ocx_mailing_id}} {{ocx_child_id}} {{ocx_list_id}}",
    }
    made = client.post("/api/emails", json=body, headers=ongage_headers)
    assert made.status_code == 200, made.text
    message = made.json()["payload"]
    assert message["subject"] == body["subject"] and message["reply_address"] == "reply@example.com"
    got = client.get(f"/api/emails/{message['id']}", headers=ongage_headers).json()["payload"]
    assert got["content_html"] == body["content_html"]

    bad = client.post(
        "/api/emails", json={**body, "content_html": "{{favourite_colour}}"}, headers=ongage_headers
    )
    assert bad.status_code == 412
    payload = bad.json()["payload"]
    assert payload["errors"][0]["field"] == "content_html"
    assert "favourite_colour" in payload["message"]

    bad_update = client.put(
        f"/api/emails/{message['id']}", json={"subject": "{{nope:x}}"}, headers=ongage_headers
    )
    assert bad_update.status_code == 412 and "subject" in bad_update.text
    assert client.get("/api/emails", headers=ongage_headers).json()["metadata"]["total"] == 1
    no_name = client.post("/api/emails", json={"subject": "x"}, headers=ongage_headers)
    assert no_name.status_code == 412 and no_name.json()["payload"]["errors"][0]["field"] == "name"
    gone = client.delete(f"/api/emails/{message['id']}", headers=ongage_headers)
    assert gone.status_code == 200
    assert client.get(f"/api/emails/{message['id']}", headers=ongage_headers).status_code == 404


def test_esp_connections_hide_password_and_options_filter_active(
    client: Any, ongage_headers: dict[str, str], tmp_path: Any
) -> None:
    smtp = {
        "esp_id": 59,
        "name": "Relay",
        "host": "smtp.example.com",
        "port": 587,
        "encryption": "starttls",
        "username": "u",
        "password": "s3cret",
        "rate_per_second": 50,
        "daily_quota": 10000,
    }
    made = client.post("/api/esp_connections", json=smtp, headers=ongage_headers)
    assert made.status_code == 200, made.text
    row = made.json()["payload"]
    assert row["esp_name"] == "Private SMTP" and row["esp_id"] == "59" and row["active"] is True
    assert "s3cret" not in made.text and row["has_password"] is True
    outbox = client.post(
        "/api/esp_connections",
        json={"esp_id": 0, "name": "Outbox", "folder": str(tmp_path), "active": False},
        headers=ongage_headers,
    ).json()["payload"]
    assert "s3cret" not in client.get("/api/esp_connections", headers=ongage_headers).text
    every = client.get("/api/esp_connections/options", headers=ongage_headers).json()["payload"]
    assert {o["id"] for o in every} == {row["id"], outbox["id"]}
    active = client.get(
        "/api/esp_connections/options?active_only=true", headers=ongage_headers
    ).json()["payload"]
    assert [o["id"] for o in active] == [row["id"]]
    assert set(active[0]) == {"id", "esp_id", "esp_name", "support_transactional", "name"}
    for bad, field in (
        ({**smtp, "encryption": "ssl"}, "encryption"),
        ({**smtp, "port": 0}, "port"),
        ({**smtp, "esp_id": 4}, "esp_id"),
        ({"esp_id": 59, "name": "x"}, "host"),
        ({"esp_id": 0, "name": "x"}, "folder"),
        ({**smtp, "rate_per_second": -1}, "rate_per_second"),
        ({**smtp, "rate_per_second": 1e300}, "rate_per_second"),
        ({"esp_id": 0, "name": "x", "folder": "relative/dir"}, "folder"),
        ({**smtp, "daily_quota": -1}, "daily_quota"),
        ({**smtp, "daily_quota": 2**31}, "daily_quota"),  # beyond its INTEGER column
    ):
        answer = client.post("/api/esp_connections", json=bad, headers=ongage_headers)
        assert answer.status_code == 412, bad
        assert field in {e["field"] for e in answer.json()["payload"]["errors"]}
    bad_flag = client.get("/api/esp_connections/options?active_only=maybe", headers=ongage_headers)
    assert bad_flag.status_code == 412
