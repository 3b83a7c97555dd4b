"""Fixtures of the console tests: the demo account, a second account, a signed-in HTTP client."""

from __future__ import annotations

import re
from typing import Any

import pytest

from conftest import make_account, ongage_headers_for
from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context
from mailroom.demo import service as demo
from mailroom.demo.service import DemoResult, DemoSpec, load_demo

DEMO = DemoSpec(contacts=300, events=6000, seed=7)


@pytest.fixture
def demo_account(ctx: Context) -> DemoResult:
    return load_demo(ctx, DEMO)


@pytest.fixture
def stranger(ctx: Context, client: Any, tmp_path: Any) -> dict[str, Any]:
    """Another account with a contact, a report and an event: its ids must never open in the
    demo's session."""
    acc: NewAccount = make_account(ctx, "Stranger")
    headers = ongage_headers_for(acc)

    def made(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = client.post(path, json=body, headers=headers)
        assert response.status_code == 200, response.text
        return dict(response.json()["payload"])

    made("/api/v2/contacts", {"email": "secret@stranger.example"})
    segment = _segment(ctx, acc.account_id, acc.default_list_id, "Everyone", EVERYONE)
    found = client.get("/api/contacts/by_email/secret@stranger.example", headers=headers)
    report = made("/api/contact_activity", {"title": "Theirs", "selected_fields": ["email"]})
    message = made(
        "/api/emails",
        {"name": "Hi", "subject": "Hi", "from_address": "a@stranger.example", "content_html": "x"},
    )
    outbox = made("/api/esp_connections", {"esp_id": 0, "name": "Out", "folder": str(tmp_path)})
    event = made(
        "/api/events",
        {
            "name": "Their daily mail",
            "based_on": "recurring",
            "status": False,
            "segments": [segment],
            "start_date": "2026-01-01",
            "end_date": "2026-02-01",
            "distribution": [
                {"esp_connection_id": int(outbox["id"]), "domain": "default", "percent": 100}
            ],
            "triggers": [
                {
                    "based_on": "list",
                    "email_messages": [int(message["id"])],
                    "operator": "after",
                    "schedule_hour": 9,
                    "schedule_minute": 0,
                    "recurrence": {"pattern": "daily"},
                }
            ],
        },
    )
    return {
        "account": acc,
        "list_id": acc.default_list_id,
        "uid": found.json()["payload"]["id"],
        "report_id": int(report["id"]),
        "event_id": int(event["id"]),
    }


EVERYONE = [
    {
        "field_name": "email",
        "type": "email",
        "operator": "notempty",
        "operand": [],
        "case_sensitive": 0,
        "condition": "and",
    }
]


def _segment(ctx: Context, account_id: int, list_id: int, name: str, criteria: list[Any]) -> int:
    from mailroom.segments import service as segments_service

    with ctx.db.write() as conn:
        made = segments_service.create_segment(
            conn, ctx.clock, account_id, list_id, {"name": name, "criteria": criteria}
        )
    return int(made.id)


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None, "the page has no form token"
    return found.group(1)


def sign_in(client: Any, username: str = demo.USERNAME, password: str = demo.PASSWORD) -> Any:
    token = csrf_of(client.get("/console/login").text)
    return client.post(
        "/console/login",
        data={"csrf": token, "username": username, "password": password, "next": "/console"},
        follow_redirects=False,
    )


DEMO_HEADERS = {
    "X_USERNAME": demo.USERNAME,
    "X_PASSWORD": demo.PASSWORD,
    "X_ACCOUNT_CODE": demo.ACCOUNT_CODE,
}


@pytest.fixture
def demo_automation(
    ctx: Context, client: Any, demo_account: DemoResult, tmp_path: Any
) -> dict[str, Any]:
    """A segment of the demo's newsletter and a birthday event sending to it (into a folder)."""

    def made(path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = client.post(path, json=body, headers=DEMO_HEADERS)
        assert response.status_code == 200, response.text
        return dict(response.json()["payload"])

    list_id = demo_account.default_list_id
    uk = [{**EVERYONE[0], "field_name": "country", "type": "string", "operator": "=",
           "operand": ["United Kingdom"]}]  # fmt: skip
    segment = _segment(ctx, demo_account.account_id, list_id, "Readers in the United Kingdom", uk)
    message = made(
        "/api/emails",
        {
            "name": "Birthday",
            "subject": "Happy birthday",
            "from_name": "News",
            "from_address": "news@example.com",
            "content_html": "<p>Happy birthday! <a href='{{ocx_unsubscribe_link}}'>leave</a></p>",
        },
    )
    outbox = made(
        "/api/esp_connections",
        {"esp_id": 0, "name": "Outbox", "folder": str(tmp_path), "active": True},
    )
    event = made(
        "/api/events",
        {
            "name": "Birthday greetings",
            "based_on": "date_field",
            "date_field_name": "birthday",
            "annually_event": True,
            "ongoing_event": True,
            "status": True,
            "list_id": list_id,
            "segments": [segment],
            "distribution": [
                {"esp_connection_id": int(outbox["id"]), "domain": "default", "percent": 100}
            ],
            "triggers": [
                {
                    "based_on": "list_field",
                    "email_messages": [int(message["id"])],
                    "days_diff": 0,
                    "operator": "after",
                    "schedule_hour": 9,
                    "schedule_minute": 0,
                }
            ],
        },
    )
    return {"segment_id": segment, "event_id": int(event["id"]), "list_id": list_id}
