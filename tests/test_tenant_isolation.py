"""Every route, with another account's ids and the caller's own valid credentials: nothing of the
other account is read, changed or counted.

Routes come from the app's routers, so a new endpoint joins the matrix by existing. Path
parameters, query parameters, body keys and the Ongage list prefix all name the victim's
list, field, contact and email. Afterwards the victim's lists, fields, contacts and events
must be exactly as before, and no response may carry the victim's data that the caller did
not send itself (list name, field title, contact field value).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from sqlalchemy import select

from conftest import ongage_headers_for
from mailroom.accounts.schemas import NewAccount
from mailroom.app import routers
from mailroom.context import Context
from mailroom.db.tables import contacts, events, list_fields, lists

SECRETS = ("secret-list-of-b", "Secret Title Of B", "secret-value-of-b")
VICTIM_EMAIL = "victim@b-corp.example"

ROUTES = [
    (method, route.path)
    for router in routers()
    for route in router.routes
    if isinstance(route, APIRoute)
    for method in sorted(route.methods)
]


@pytest.fixture
def victim(client: Any, other_account: NewAccount) -> dict[str, Any]:
    """The other account's objects, made through its own credentials."""
    headers = ongage_headers_for(other_account)
    created = client.post("/api/lists", headers=headers, json={"name": SECRETS[0]})
    list_id = created.json()["payload"]["id"]
    field = client.post(
        f"/{list_id}/api/list_fields",
        headers=headers,
        json={"name": "secret", "title": SECRETS[1], "type": "string"},
    ).json()["payload"]
    contact = client.post(
        f"/{list_id}/api/contacts",
        headers=headers,
        json={"email": VICTIM_EMAIL, "secret": SECRETS[2]},
    ).json()["payload"]
    uid = contact["success_emails"][VICTIM_EMAIL]
    events_body = [{"type": "em_opens", "contact_id": uid, "idempotency_key": "b-open"}]
    bearer = {"Authorization": f"Bearer {other_account.token}"}
    assert client.post("/mailroom/v1/events", headers=bearer, json=events_body).status_code == 200
    return {"list_id": list_id, "field_id": field["id"], "uid": uid, "email": VICTIM_EMAIL}


def _snapshot(ctx: Context, account_id: int) -> dict[str, Any]:
    with ctx.db.read() as conn:
        return {
            "lists": conn.execute(
                select(lists.c.id, lists.c.name, lists.c.modified).where(
                    lists.c.account_id == account_id
                )
            ).all(),
            "fields": conn.execute(
                select(list_fields.c.id, list_fields.c.name, list_fields.c.title).where(
                    list_fields.c.account_id == account_id
                )
            ).all(),
            "contacts": conn.execute(
                select(
                    contacts.c.uid, contacts.c.email, contacts.c.status, contacts.c.fields
                ).where(contacts.c.account_id == account_id)
            ).all(),
            "events": conn.execute(
                select(events.c.id, events.c.type).where(events.c.account_id == account_id)
            ).all(),
        }


def _fill(path: str, victim: dict[str, Any]) -> str:
    values = {
        "list_id": str(victim["list_id"]),
        "field_id": str(victim["field_id"]),
        "contact_id": victim["uid"],
        "email:path": quote(victim["email"], safe="@"),
        "token": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "provider": "mailgun",
    }
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


def test_no_route_reaches_another_account(
    client: Any, ctx: Context, account: NewAccount, other_account: NewAccount, victim: Any
) -> None:
    before = _snapshot(ctx, other_account.account_id)
    assert before["contacts"] and before["events"] and len(before["fields"]) >= 3
    headers = {
        **ongage_headers_for(account),
        "Authorization": f"Bearer {account.token}",
    }
    body = {
        "list_id": victim["list_id"],
        "email": victim["email"],
        "emails": [victim["email"]],
        "id": victim["uid"],
        "contact_id": victim["uid"],
        "contact_ids": [victim["uid"]],
        "new_email": "taken@a-corp.example",
        "change_to": "unsubscribe",
        "name": "renamed",
        "title": "Renamed",
        "type": "string",
        "secret": "overwritten",
        "overwrite": True,
    }
    events_body = [
        {"type": "em_complaints", "contact_id": victim["uid"]},
        {"type": "em_optouts", "email": victim["email"], "list_id": victim["list_id"]},
    ]
    query = {"list_id": victim["list_id"], "email": victim["email"]}
    calls = 0
    for method, template in ROUTES:
        path = _fill(template, victim)
        for prefix in ("", f"/{victim['list_id']}"):
            if prefix and not path.startswith("/api/"):
                continue
            payload = events_body if path == "/mailroom/v1/events" else body
            response = client.request(
                method,
                prefix + path,
                headers=headers,
                params=query,
                json=None if method in ("GET", "HEAD") else payload,
                follow_redirects=False,
            )
            calls += 1
            assert response.status_code < 500, (method, prefix + path, response.text)
            for secret in SECRETS:
                assert secret not in response.text, (method, prefix + path, response.text)
            if response.status_code == 302:  # only a genuine click token redirects
                raise AssertionError((method, path, response.headers))
    assert calls >= 60
    assert _snapshot(ctx, other_account.account_id) == before
