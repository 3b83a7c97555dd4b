"""A message prepared once and filled per recipient is byte for byte the one composed per
recipient; its tokens are the signer's own and verify."""

from __future__ import annotations

import pytest

from mailroom.kit.clock import FrozenClock
from mailroom.messages import merge
from mailroom.messages.schemas import Compiled
from mailroom.sending.compose import Sender, compose
from mailroom.sending.prepared import fill, prepare
from mailroom.tracking.links import Recipient, TrackingLinks
from mailroom.tracking.tokens import Claims, Kind, Signer

BASE = "https://t.example.test"
TEMPLATES = [
    '<html><body><p>Hi {{first_name:there}}</p><a href="https://a.test/x?y=1&amp;z=2">a</a>'
    " <a title=\"{{last_name}}\" href='https://b.test/'>b</a></body></html>",
    '<p>No body tag <a href="mailto:x@y.test">m</a> <a href="#top">t</a></p>',
    '<a href="{{unsubscribe_url}}">stop</a><a href=" {{ ocx_unsubscribe_link }} ">stop</a>'
    f'<a href="{BASE}/t/o/abc">own</a></BODY>after',
    '<a href="https://shop.test/?who={{ocx_contact_id}}">per contact</a></body>',
    "<p>Ünïcode {{first_name:{{last_name}}}} &lt;tag&gt;</p><a href=https://no-quotes.test>x</a>",
    "",
]


def message(html: str) -> Compiled:
    return Compiled(
        7,
        1,
        "M",
        merge.compile_template("Hello {{first_name:friend}} ✓"),
        merge.compile_template(html),
        merge.compile_template("Hi {{first_name}} {{unsubscribe_url}}"),
        "News",
        "news@sender.test",
        "",
        html,
    )


@pytest.mark.parametrize("html", TEMPLATES)
def test_prepared_message_is_the_composed_one(html: str) -> None:
    clock = FrozenClock()
    links = TrackingLinks(Signer("a-secret-of-sixteen-chars"), BASE, clock)
    sender = Sender("Néws Desk", "news@sender.test", "reply@sender.test")
    prepared = prepare(message(html), sender, links, 3, 44)
    people = [
        ("0123456789abcdef01234567", {"first_name": "Ada", "last_name": '<"Lovelace">'}),
        ("not-hex-uid", {"last_name": "Only"}),
    ]
    for uid, fields in people:
        to = Recipient(3, uid, 44)
        values = {**fields, "ocx_contact_id": uid}
        args = {"email": "a@x.test", "values": values, "to": to, "links": links}
        key = f"m:44:{uid}"
        want = compose(message(html), sender, send_key=key, now_s=1.5e9, **args)  # type: ignore[arg-type]
        got = fill(prepared, send_key=key, now_s=1.5e9, **args)  # type: ignore[arg-type]
        assert got == want
        clock.advance(seconds=1)


def test_per_contact_links_fall_back_to_composing() -> None:
    links = TrackingLinks(Signer("a-secret-of-sixteen-chars"), BASE, FrozenClock())
    sender = Sender("N", "n@s.test", "")
    assert prepare(message(TEMPLATES[3]), sender, links, 1, 2).html is None
    assert prepare(message(TEMPLATES[0]), sender, links, 1, 2).html is not None


def test_stamp_tokens_are_the_signers_and_verify() -> None:
    signer = Signer("a-secret-of-sixteen-chars")
    stamp = signer.stamp(9, None)
    urls = ("https://a.test/", "https://b.test/?q=é")
    opened, unsubscribed, clicks = stamp.tokens(
        "abc", 1_700_000_000, tuple(u.encode() for u in urls)
    )
    assert opened == signer.sign(Claims(Kind.OPEN, 9, "abc", None, 1_700_000_000))
    assert signer.verify(unsubscribed, Kind.UNSUBSCRIBE).contact_uid == "abc"
    assert [signer.verify(c, Kind.CLICK).url for c in clicks] == list(urls)
