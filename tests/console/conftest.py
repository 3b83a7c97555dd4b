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
def stranger(ctx: Context, client: Any) -> dict[str, Any]:
    """Another account with one contact: its ids must never open in the demo's session."""
    acc: NewAccount = make_account(ctx, "Stranger")
    response = client.post(
        "/api/v2/contacts",
        json={"email": "secret@stranger.example"},
        headers=ongage_headers_for(acc),
    )
    assert response.status_code == 200, response.text
    found = client.get(
        "/api/contacts/by_email/secret@stranger.example", headers=ongage_headers_for(acc)
    )
    return {"account": acc, "list_id": acc.default_list_id, "uid": found.json()["payload"]["id"]}


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
