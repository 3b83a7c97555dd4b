"""Tracking endpoints over HTTP: pixel, click redirect, unsubscribe page and RFC 8058 one-click."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from sqlalchemy import insert, select

from mailroom.accounts.schemas import NewAccount
from mailroom.activity import service as activity
from mailroom.activity.types import EventType, Source
from mailroom.context import Context
from mailroom.db.tables import contacts, events, links
from mailroom.dialects.native.tracking import PIXEL
from mailroom.kit import ids
from mailroom.mailings import service as mailings_service
from mailroom.tracking.links import Recipient, TrackingLinks

GIF_HEADER = b"GIF89a\x01\x00\x01\x00"


def add_contact(ctx: Context, acc: NewAccount, email: str) -> Any:
    now = ctx.clock.now_ms()
    with ctx.db.write() as conn:
        conn.execute(
            insert(contacts).values(
                uid=ids.object_id(now),
                account_id=acc.account_id,
                list_id=acc.default_list_id,
                email=email,
                created=now // 1000,
                modified=now // 1000,
            )
        )
        return conn.execute(select(contacts).where(contacts.c.email == email)).one()


@pytest.fixture
def alice(ctx: Context, account: NewAccount) -> Any:
    return add_contact(ctx, account, "alice@example.com")


@pytest.fixture
def mailing(ctx: Context, account: NewAccount) -> int:
    with ctx.db.write() as conn:
        return mailings_service.create_mailing(conn, ctx.clock, account.account_id, "Spring")


@pytest.fixture
def tracking(ctx: Context) -> TrackingLinks:
    return TrackingLinks.for_context(ctx)


@pytest.fixture
def to(account: NewAccount, alice: Any, mailing: int) -> Recipient:
    return Recipient(account.account_id, alice.uid, mailing)


def stored(ctx: Context) -> list[Any]:
    with ctx.db.read() as conn:
        return list(conn.execute(select(events).order_by(events.c.id)))


def status_of(ctx: Context, contact_id: int) -> str:
    with ctx.db.read() as conn:
        return str(
            conn.execute(select(contacts.c.status).where(contacts.c.id == contact_id)).scalar()
        )


def path(url: str) -> str:
    return url.removeprefix("http://testserver")


def tamper(url: str, position: int) -> str:
    """The URL with one bit of its token flipped (negative positions count from the MAC's end)."""
    base, token = url.rsplit("/", 1)
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    raw[position] ^= 0x04
    return f"{base}/{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}"


# --- the open pixel ------------------------------------------------------------------------------


def test_pixel_records_an_open_with_agent_and_address(
    ctx: Context, client: Any, tracking: TrackingLinks, to: Recipient, alice: Any, mailing: int
) -> None:
    response = client.get(
        path(tracking.open_url(to)),
        headers={
            "User-Agent": "Mozilla/5.0 Thunderbird",
            "X-Forwarded-For": "203.0.113.9, 10.0.0.1",
        },
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/gif"
    assert "no-store" in response.headers["cache-control"]
    assert response.content == PIXEL and response.content.startswith(GIF_HEADER)
    [event] = stored(ctx)
    assert event.type == EventType.EM_OPENS and event.source == Source.PIXEL
    assert (event.contact_id, event.mailing_id, event.machine) == (alice.id, mailing, False)
    assert event.details["user_agent"] == "Mozilla/5.0 Thunderbird"
    assert event.details["ip"] == "203.0.113.9"
    with ctx.db.read() as conn:
        assert activity.contact_totals(conn, to.account_id, alice.id)["opens"] == 1
    # Every fetch is an open (".gif" suffix accepted too); a scanner's fetch counts apart.
    client.get(path(tracking.open_url(to)) + ".gif", headers={"User-Agent": "Barracuda scanner"})
    assert [e.machine for e in stored(ctx)] == [False, True]


@pytest.mark.parametrize("position", [0, 1, 3, 6, -1, -16])
def test_altered_pixel_token_still_gets_a_gif_but_records_nothing(
    ctx: Context, client: Any, tracking: TrackingLinks, to: Recipient, position: int
) -> None:
    response = client.get(path(tamper(tracking.open_url(to), position)))
    assert response.status_code == 200 and response.content == PIXEL
    assert stored(ctx) == []


def test_forged_and_foreign_pixel_tokens_record_nothing(
    ctx: Context, client: Any, tracking: TrackingLinks, to: Recipient, other_account: NewAccount
) -> None:
    other = TrackingLinks.for_context(ctx)
    other.signer = type(other.signer)("another-secret")
    for url in (
        "/t/o/not-a-token",
        "/t/o/" + "A" * 60,
        path(other.open_url(to)),  # signed with another secret
        path(tracking.unsubscribe_url(to)).replace("/t/u/", "/t/o/"),  # another kind
        path(tracking.click_url(to, "https://a.example/")).replace("/t/c/", "/t/o/"),
        # genuine signature, but the contact is not the named account's
        path(tracking.open_url(Recipient(other_account.account_id, to.contact_uid, None))),
        # genuine signature, unknown contact and mailing
        path(tracking.open_url(Recipient(to.account_id, "0" * 24, 999))),
    ):
        response = client.get(url)
        assert response.status_code == 200 and response.content == PIXEL, url
    assert stored(ctx) == []


# --- the click redirect --------------------------------------------------------------------------


def test_click_redirects_to_exactly_the_signed_url_and_records_it(
    ctx: Context, client: Any, tracking: TrackingLinks, to: Recipient, alice: Any
) -> None:
    target = "https://shop.example/p?id=1&utm_source=mail#top"
    response = client.get(
        path(tracking.click_url(to, target)) + "?url=https://evil.example/",
        follow_redirects=False,
        headers={"User-Agent": "Mozilla/5.0"},
    )
    assert response.status_code == 302
    assert response.headers["location"] == target
    [event] = stored(ctx)
    assert event.type == EventType.EM_CLICKS and event.source == Source.REDIRECT
    assert event.contact_id == alice.id
    with ctx.db.read() as conn:
        assert (
            conn.execute(select(links.c.url).where(links.c.id == event.link_id)).scalar() == target
        )


def test_click_for_an_unknown_contact_still_redirects_but_records_nothing(
    ctx: Context, client: Any, tracking: TrackingLinks, to: Recipient
) -> None:
    url = tracking.click_url(Recipient(to.account_id, "f" * 24, None), "https://a.example/x")
    response = client.get(path(url), follow_redirects=False)
    assert response.status_code == 302 and response.headers["location"] == "https://a.example/x"
    assert stored(ctx) == []


@pytest.mark.parametrize("position", [0, 2, 8, 20, -1, -9])
def test_altered_click_token_is_404_and_never_redirects(
    ctx: Context, client: Any, tracking: TrackingLinks, to: Recipient, position: int
) -> None:
    url = tamper(tracking.click_url(to, "https://shop.example/p"), position)
    response = client.get(path(url), follow_redirects=False)
    assert response.status_code == 404
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1" in response.text and "This link is not valid." in response.text
    assert stored(ctx) == []


def test_swapping_the_url_inside_a_token_is_rejected(
    ctx: Context, client: Any, tracking: TrackingLinks, to: Recipient
) -> None:
    """The URL is under the MAC: replacing it (keeping the MAC) cannot produce a redirect."""
    url = tracking.click_url(to, "https://good.example/aaaa")
    base, token = url.rsplit("/", 1)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    forged = raw.replace(b"https://good.example/aaaa", b"https://evil.example/aaaa")
    assert forged != raw
    forged_url = f"{base}/{base64.urlsafe_b64encode(forged).rstrip(b'=').decode()}"
    response = client.get(path(forged_url), follow_redirects=False)
    assert response.status_code == 404 and "location" not in response.headers
    for bogus in ("/t/c/", "/t/c/x", "/t/c/" + path(tracking.open_url(to)).rsplit("/", 1)[1]):
        assert client.get(bogus, follow_redirects=False).status_code == 404
    assert stored(ctx) == []


# --- unsubscribe ---------------------------------------------------------------------------------


def test_get_shows_a_form_and_unsubscribes_nobody(
    ctx: Context, client: Any, tracking: TrackingLinks, to: Recipient, alice: Any
) -> None:
    url = path(tracking.unsubscribe_url(to))
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert '<form method="post"' in response.text and f'action="{url}"' in response.text
    assert status_of(ctx, alice.id) == "active"
    assert stored(ctx) == []


def test_one_click_post_unsubscribes_once(
    ctx: Context, client: Any, tracking: TrackingLinks, to: Recipient, alice: Any, mailing: int
) -> None:
    headers = tracking.list_unsubscribe_headers(to)
    url = path(headers["List-Unsubscribe"].strip("<>"))
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    response = client.post(url, content=headers["List-Unsubscribe-Post"], headers=form)
    assert response.status_code == 200
    assert status_of(ctx, alice.id) == "unsubscribed"
    [event] = stored(ctx)
    assert event.type == EventType.EM_OPTOUTS and event.source == Source.UNSUBSCRIBE
    assert (event.mailing_id, event.details["reason"]) == (mailing, "one-click")
    again = client.post(url, content="List-Unsubscribe=One-Click", headers=form)
    assert again.status_code == 200
    assert len(stored(ctx)) == 1


def test_the_pages_button_unsubscribes_with_reason_link(
    ctx: Context, client: Any, tracking: TrackingLinks, to: Recipient, alice: Any
) -> None:
    url = path(tracking.unsubscribe_url(to))
    response = client.post(url, data={"confirm": "yes"})
    assert response.status_code == 200 and "no longer receive" in response.text
    assert status_of(ctx, alice.id) == "unsubscribed"
    assert stored(ctx)[0].details["reason"] == "link"


def test_multipart_one_click_body_is_understood(
    ctx: Context, client: Any, tracking: TrackingLinks, to: Recipient
) -> None:
    body = (
        b'--b\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\n'
        b"One-Click\r\n--b--\r\n"
    )
    response = client.post(
        path(tracking.unsubscribe_url(to)),
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=b"},
    )
    assert response.status_code == 200
    assert stored(ctx)[0].details["reason"] == "one-click"


@pytest.mark.parametrize("position", [0, 5, -1])
def test_altered_unsubscribe_token_is_404_for_get_and_post(
    ctx: Context, client: Any, tracking: TrackingLinks, to: Recipient, alice: Any, position: int
) -> None:
    url = path(tamper(tracking.unsubscribe_url(to), position))
    assert client.get(url).status_code == 404
    response = client.post(url, content="List-Unsubscribe=One-Click")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "This link is not valid." in response.text
    assert status_of(ctx, alice.id) == "active"
    assert stored(ctx) == []


def test_unsubscribe_without_mailing_and_for_unknown_contact(
    ctx: Context, client: Any, tracking: TrackingLinks, account: NewAccount, alice: Any
) -> None:
    ghost = Recipient(account.account_id, "e" * 24, None)
    assert client.post(path(tracking.unsubscribe_url(ghost))).status_code == 200
    assert stored(ctx) == []
    plain = Recipient(account.account_id, alice.uid, None)
    assert client.post(path(tracking.unsubscribe_url(plain))).status_code == 200
    assert status_of(ctx, alice.id) == "unsubscribed"
    assert stored(ctx)[0].mailing_id is None


def test_a_bad_link_in_a_browser_gets_a_small_page_with_the_path_escaped(client: Any) -> None:
    for url in ("/t/c/<script>alert(1)</script>", "/t/u/%3Cb%3Ex", "/t/nothing-here"):
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 404, url
        assert response.headers["content-type"].startswith("text/html"), url
        assert "<script>" not in response.text and "<b>" not in response.text
        assert "<title>Link not valid</title>" in response.text
