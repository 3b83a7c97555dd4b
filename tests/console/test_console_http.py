"""The console over HTTP: sign-in, cookies, CSRF, account isolation, paging, assets, headers."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from console.conftest import csrf_of, sign_in
from mailroom.config import Settings
from mailroom.context import Context
from mailroom.db.database import Database
from mailroom.demo import service as demo
from mailroom.demo.service import DemoResult
from mailroom.jobs import queue

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "mailroom" / "console" / "templates"


def test_root_and_pages_lead_to_the_login_form(client: Any) -> None:
    assert client.get("/", follow_redirects=False).headers["location"] == "/console"
    response = client.get("/console/mailings?page=2", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login?next=/console/mailings%3Fpage%3D2"


def test_sign_in_sets_safe_cookies_and_lands_on_next(client: Any, demo_account: DemoResult) -> None:
    response = sign_in(client)
    assert response.status_code == 303 and response.headers["location"] == "/console"
    cookies = response.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("mailroom_console="))
    assert "HttpOnly" in session and "SameSite=lax" in session and "Path=/console" in session
    assert "Secure" not in session  # plain http: a Secure cookie would never come back
    page = client.get("/console")
    assert page.status_code == 200 and "<h1>Overview</h1>" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.headers["cache-control"] == "no-store"


def test_cookies_are_secure_when_served_over_https(
    settings: Settings, ctx: Context, demo_account: DemoResult
) -> None:
    from fastapi.testclient import TestClient

    from mailroom.app import create_app

    secure = Context(
        settings=replace(settings, public_url="https://mail.example"),  # its replica, no worker
        db=Database(settings.database_url),
        clock=ctx.clock,
    )
    with TestClient(create_app(secure), base_url="https://testserver") as https:
        response = sign_in(https)
        assert response.status_code == 303
        assert all("Secure" in c for c in response.headers.get_list("set-cookie"))
    secure.db.dispose()


def test_wrong_password_is_refused_without_a_session(client: Any, demo_account: DemoResult) -> None:
    response = sign_in(client, password="nope")
    assert response.status_code == 401
    assert "wrong" in response.text
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_a_nul_character_in_a_form_is_400_on_every_backend(
    client: Any, demo_account: DemoResult
) -> None:
    response = sign_in(client, username=demo.USERNAME + "\x00")
    assert response.status_code == 400
    assert "NUL" in response.text
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_posts_without_the_form_token_are_refused(client: Any, demo_account: DemoResult) -> None:
    # The login form itself: a post from another site carries no token of this session.
    assert client.get("/console/login").status_code == 200
    forged = client.post(
        "/console/login",
        data={"username": "demo@mailroom.local", "password": "demo-password"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert sign_in(client).status_code == 303
    for path in ("/console/logout", "/console/refresh"):
        for data in ({}, {"csrf": "not-the-token"}):
            response = client.post(path, data=data, follow_redirects=False)
            assert response.status_code == 403, (path, data)
    assert client.get("/console/lists").status_code == 200  # still signed in


def test_another_accounts_ids_do_not_open(
    client: Any, demo_account: DemoResult, stranger: dict[str, Any]
) -> None:
    sign_in(client)
    for path in (
        f"/console/contacts/{stranger['uid']}",
        f"/console/lists/{stranger['list_id']}",
        "/console/mailings/999999",
        "/console/lists/not-a-number",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "secret@stranger.example" not in response.text
        assert "<h1>Not found</h1>" in response.text


def test_contact_search_pages_by_email_and_filters_by_status(
    client: Any, demo_account: DemoResult
) -> None:
    sign_in(client)
    list_id = demo_account.default_list_id

    def every_page(url: str) -> list[str]:
        emails: list[str] = []
        while url:
            page = client.get(url).text
            emails += re.findall(r'href="/console/contacts/[0-9a-f]+">([^<]+)</a>', page)
            following = re.search(r'rel="next" href="([^"]+)"', page)
            url = following.group(1).replace("&amp;", "&") if following else ""
        return emails

    everyone = every_page(f"/console/lists/{list_id}")
    assert everyone == sorted(set(everyone))
    assert len(everyone) == 225  # the demo's Newsletter share of its 300 contacts
    starting = every_page(f"/console/lists/{list_id}?q=A")
    assert starting == [e for e in everyone if e.startswith("a")] and starting
    bounced = client.get(f"/console/lists/{list_id}?status=bounced").text
    shown = re.findall(r'class="status status-(\w+)"', bounced)
    assert shown and set(shown) == {"bounced"}


def test_logout_ends_the_session(client: Any, demo_account: DemoResult) -> None:
    sign_in(client)
    token = csrf_of(client.get("/console").text)
    response = client.post("/console/logout", data={"csrf": token}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_refresh_button_queues_the_accounts_refresh(
    client: Any, ctx: Context, demo_account: DemoResult
) -> None:
    sign_in(client)
    token = csrf_of(client.get("/console").text)
    response = client.post(
        "/console/refresh", data={"csrf": token, "next": "/console/lists"}, follow_redirects=False
    )
    assert response.headers["location"] == "/console/lists"
    with ctx.db.write() as conn:
        job = queue.claim(conn, ctx.clock, "test", kinds=["charts.refresh"])
    assert job is not None and job.payload == {"account_id": demo_account.account_id}


@pytest.mark.parametrize("name", sorted(p.name for p in TEMPLATES.glob("*.html")))
def test_templates_load_nothing_from_elsewhere(name: str) -> None:
    text = (TEMPLATES / name).read_text()
    assert not re.search(r'(src|href)="(https?:)?//', text), name


def test_assets_are_served_from_the_package(client: Any) -> None:
    for path in (
        "/console/static/console.css",
        "/console/static/console.js",
        "/console/static/vendor/uplot/uPlot.iife.min.js",
        "/console/static/vendor/uplot/LICENSE",
    ):
        assert client.get(path).status_code == 200, path
