"""No usable default secret, rotation, strict token spelling, safe redirects, escaped pages."""

from __future__ import annotations

from typing import Any

import pytest
from test_tracking_routes import add_contact

from mailroom.accounts.schemas import NewAccount
from mailroom.config import Settings
from mailroom.context import Context
from mailroom.db.database import Database
from mailroom.keys import service as keys
from mailroom.kit import ids
from mailroom.kit.clock import FrozenClock
from mailroom.tracking import tokens
from mailroom.tracking.links import Recipient, TrackingLinks
from mailroom.tracking.tokens import Claims, InvalidToken, Kind, Signer
from mailroom.web.templates import render_page


def _context(db_url: str, clock: FrozenClock, **settings: Any) -> Context:
    return Context(Settings(database_url=db_url, **settings), Database(db_url), clock)


def test_no_default_secret_one_is_generated_and_kept(db_url: str, clock: FrozenClock) -> None:
    assert Settings().secret_key == ""
    first = _context(db_url, clock)
    ring = keys.key_ring(first)
    assert ring.source == keys.GENERATED
    assert len(ring.current) >= 40 and ring.current != keys.PUBLISHED_DEFAULT
    second = _context(db_url, clock)  # another process, or a restart
    again = keys.key_ring(second)
    assert again.current == ring.current
    assert again.source == keys.FROM_DATABASE
    first.db.dispose()
    second.db.dispose()


def test_configured_secret_wins_and_weak_ones_are_refused(db_url: str, clock: FrozenClock) -> None:
    ctx = _context(db_url, clock, secret_key="a-long-enough-configured-secret")
    ring = keys.key_ring(ctx)
    assert (ring.current, ring.source) == ("a-long-enough-configured-secret", keys.FROM_SETTING)
    assert "MAILROOM_SECRET_KEY" in keys.announce(ring)
    for weak in ("short", keys.PUBLISHED_DEFAULT):
        with pytest.raises(ValueError):
            keys.key_ring(_context(db_url, clock, secret_key=weak))
    ctx.db.dispose()


def test_rotation_keeps_old_links_for_the_grace_period(
    db_url: str, clock: FrozenClock, account: NewAccount
) -> None:
    claims = Claims(Kind.OPEN, account.account_id, ids.object_id(0), None, 0)
    before = _context(db_url, clock, secret_grace_days=30)
    old_token = Signer(keys.key_ring(before).current).sign(claims)
    with before.db.write() as conn:
        keys.rotate(conn, clock)
    after = keys.key_ring(_context(db_url, clock, secret_grace_days=30))
    assert after.current != keys.key_ring(before).current
    assert Signer(after.current, after.previous).verify(old_token, Kind.OPEN) == claims
    clock.advance(seconds=31 * 86_400)
    late = keys.key_ring(_context(db_url, clock, secret_grace_days=30))
    with pytest.raises(InvalidToken):
        Signer(late.current, late.previous).verify(old_token, Kind.OPEN)


def test_only_the_canonical_spelling_verifies() -> None:
    signer = Signer("a-secret-for-the-spelling-test")
    token = signer.sign(Claims(Kind.CLICK, 7, "ab" * 12, 3, 1, "https://x.example/a"))
    assert signer.verify(token, Kind.CLICK).url == "https://x.example/a"
    altered = [
        token + "=",
        token[:6] + '"<>' + token[6:],
        token[:6] + "." + token[6:],
        token[:6] + "+" + token[7:],
        token[:-1] + chr(ord(token[-1]) ^ 1),  # other unused low bits, same bytes
        token + "\n",
    ]
    for bad in altered:
        with pytest.raises(InvalidToken):
            signer.verify(bad, Kind.CLICK)


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "//evil.example/phish", "data:text/html,x", "ftp://x.example"]
)
def test_click_never_redirects_outside_http(
    client: Any, ctx: Context, account: NewAccount, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    contact = add_contact(ctx, account, "r@example.com")
    links = TrackingLinks.for_context(ctx)
    with pytest.raises(ValueError):
        links.click_url(Recipient(account.account_id, contact.uid), url)
    # A token signed without the check (an older rule, a leaked key) still does not redirect.
    monkeypatch.setattr(tokens, "check_link_url", lambda value: value)
    forged = links.signer.sign(Claims(Kind.CLICK, account.account_id, contact.uid, None, 0, url))
    monkeypatch.undo()
    response = client.get(f"/t/c/{forged}", follow_redirects=False)
    assert response.status_code == 404
    assert "location" not in response.headers


def test_unsubscribe_page_reflects_nothing_unescaped(
    client: Any, ctx: Context, account: NewAccount
) -> None:
    contact = add_contact(ctx, account, "u@example.com")
    url = TrackingLinks.for_context(ctx).unsubscribe_url(Recipient(account.account_id, contact.uid))
    token = url.rsplit("/", 1)[1]
    broken = client.get(f"/t/u/{token[:6]}%22%3C%3E{token[6:]}")
    assert broken.status_code == 404
    assert "<>" not in broken.text
    page = client.get(f"/t/u/{token}")
    assert page.status_code == 200 and f'action="/t/u/{token}"' in page.text
    html = render_page("unsubscribe_confirm.html", title="<b>", action='/t/u/x"><script>')
    assert "<script>" not in html and "&lt;b&gt;" in html and "&#34;&gt;" in html


def test_contact_ids_are_not_sequential() -> None:
    made = [ids.object_id(1_700_000_000_000) for _ in range(200)]
    assert len(set(made)) == 200
    tails = {int(m[8:], 16) for m in made}
    assert max(tails) - min(tails) > 2**40  # random, not a counter
