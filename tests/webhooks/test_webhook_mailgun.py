"""Mailgun webhooks: HMAC signature, freshness, token replay, mapping and duplicates."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pytest
from webhook_support import add_contact, add_mailing, make_endpoint, status_of, stored, totals

from mailroom.accounts.schemas import NewAccount
from mailroom.activity.types import EventType, Source
from mailroom.context import Context
from mailroom.kit.clock import FrozenClock

KEY = "key-0123456789abcdef"
NOW_S = 1_767_225_600


@pytest.fixture
def url(ctx: Context, account: NewAccount) -> str:
    return make_endpoint(ctx, account, "mailgun", KEY)


def envelope(data: dict[str, Any], token: str = "tok-1", ts: int = NOW_S, key: str = KEY) -> bytes:
    signature = hmac.new(key.encode(), f"{ts}{token}".encode(), hashlib.sha256).hexdigest()
    sig = {"timestamp": str(ts), "token": token, "signature": signature}
    return json.dumps({"signature": sig, "event-data": data}).encode()


def event(name: str, email: str = "alice@example.com", **extra: Any) -> dict[str, Any]:
    return {"event": name, "id": f"id-{name}", "timestamp": NOW_S - 30.5, "recipient": email,
            **extra}  # fmt: skip


def test_events_are_mapped_and_recorded(
    ctx: Context, client: Any, account: NewAccount, url: str
) -> None:
    alice = add_contact(ctx, account, "alice@example.com")
    bob = add_contact(ctx, account, "bob@example.com")
    mailing = add_mailing(ctx, account)
    meta = {"user-variables": {"mailroom_contact": alice.uid, "mailroom_mailing": mailing}}
    cases = [
        event("delivered", **meta, message={"headers": {"message-id": "m1@mg"}}),
        event("opened", **meta, ip="198.51.100.7",
              **{"client-info": {"user-agent": "Mozilla/5.0", "device-type": "mobile"}}),
        event("clicked", **meta, url="https://shop.example/x"),
        event("failed", "bob@example.com", severity="temporary",
              **{"delivery-status": {"code": 452, "message": "mailbox full"}}),
        event("complained", **meta),
        event("accepted", **meta),
        event("warped", **meta),
    ]  # fmt: skip
    answers = []
    for i, data in enumerate(cases):
        response = client.post(url, content=envelope(data, token=f"t{i}"))
        assert response.status_code == 200, response.text
        answers.append(response.json())
    assert [a["accepted"] for a in answers] == [1, 1, 1, 1, 1, 0, 0]
    assert answers[5]["ignored"][0]["event"] == "accepted"
    assert answers[6]["ignored"][0]["reason"] == "event type not tracked by mailroom"
    rows = stored(ctx)
    assert all(r.source == Source.MAILGUN for r in rows)
    types = [EventType(r.type) for r in rows]
    assert types == [
        EventType.EM_SENDS,
        EventType.EM_OPENS,
        EventType.EM_CLICKS,
        EventType.EM_BOUNCES,
        EventType.EM_COMPLAINTS,
    ]
    assert rows[0].idem_key == f"send:{alice.uid}:{mailing}"
    assert rows[1].details == {"user_agent": "Mozilla/5.0", "ip": "198.51.100.7",
                               "device_type": "mobile"}  # fmt: skip
    assert rows[1].at_ms == (NOW_S - 30) * 1000 - 500
    assert rows[3].details["bounce_type"] == "soft" and rows[3].contact_id == bob.id
    assert status_of(ctx, bob.id) == "active"  # a soft bounce changes nothing
    assert status_of(ctx, alice.id) == "complaint"


def test_permanent_failure_bounces_and_unsubscribe_opts_out(
    ctx: Context, client: Any, account: NewAccount, url: str
) -> None:
    alice = add_contact(ctx, account, "alice@example.com")
    bob = add_contact(ctx, account, "bob@example.com")
    failed = event("failed", "bob@example.com", severity="permanent", reason="bounce",
                   **{"delivery-status": {"code": 550, "enhanced-code": "5.1.1"}})  # fmt: skip
    assert client.post(url, content=envelope(failed, token="a")).json()["accepted"] == 1
    assert client.post(url, content=envelope(event("unsubscribed"), token="b")).status_code == 200
    assert status_of(ctx, bob.id) == "bounced"
    assert status_of(ctx, alice.id) == "unsubscribed"
    bounce = stored(ctx)[0]
    assert (bounce.details["bounce_code"], bounce.details["smtp_status"]) == ("B", "550")


def test_a_retry_with_the_same_body_counts_once(
    ctx: Context, client: Any, account: NewAccount, url: str
) -> None:
    alice = add_contact(ctx, account, "alice@example.com")
    body = envelope(event("opened"))
    assert client.post(url, content=body).json()["accepted"] == 1
    again = client.post(url, content=body)
    assert again.status_code == 200
    assert (again.json()["accepted"], again.json()["duplicates"]) == (0, 1)
    assert totals(ctx, account, alice.id)["opens"] == 1


def test_a_token_replayed_with_other_data_is_refused(
    ctx: Context, client: Any, account: NewAccount, url: str
) -> None:
    add_contact(ctx, account, "alice@example.com")
    assert client.post(url, content=envelope(event("opened"), token="same")).status_code == 200
    forged = envelope(event("unsubscribed"), token="same")
    response = client.post(url, content=forged)
    assert response.status_code == 401
    assert [EventType(r.type) for r in stored(ctx)] == [EventType.EM_OPENS]


@pytest.mark.parametrize("problem", ["wrong key", "stale", "future", "no signature", "not hex",
                                     "numeric fields"])  # fmt: skip
def test_bad_signatures_record_nothing(
    ctx: Context, client: Any, account: NewAccount, url: str, clock: FrozenClock, problem: str
) -> None:
    add_contact(ctx, account, "alice@example.com")
    data = event("opened")
    body = envelope(data)
    if problem == "wrong key":
        body = envelope(data, key="key-other")
    elif problem == "stale":
        clock.advance(seconds=301)
    elif problem == "future":
        body = envelope(data, ts=NOW_S + 400)
    elif problem == "no signature":
        body = json.dumps({"event-data": data}).encode()
    elif problem == "not hex":
        payload = json.loads(envelope(data))
        payload["signature"]["signature"] = "zz"
        body = json.dumps(payload).encode()
    else:
        payload = json.loads(envelope(data))
        payload["signature"]["token"] = ["x"]
        body = json.dumps(payload).encode()
    response = client.post(url, content=body)
    assert response.status_code == 401, response.text
    assert stored(ctx) == []


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{oops", 400),
        (b"", 400),
        (b"[1, 2]", 400),
        # Well-formed JSON whose signature block is not one: refused as unsigned.
        (json.dumps({"signature": "x"}).encode(), 401),
    ],
)
def test_malformed_bodies(ctx: Context, client: Any, url: str, body: bytes, status: int) -> None:
    response = client.post(url, content=body)
    assert response.status_code == status, response.text
    assert stored(ctx) == []


def test_signed_request_without_event_data_is_400(ctx: Context, client: Any, url: str) -> None:
    body = json.loads(envelope({}))
    del body["event-data"]
    response = client.post(url, content=json.dumps(body))
    assert response.status_code == 400
    assert "event-data" in response.json()["error"]["message"]


def test_unknown_recipient_is_reported(ctx: Context, client: Any, url: str) -> None:
    answer = client.post(url, content=envelope(event("opened", "ghost@example.com"))).json()
    assert answer["rejected"] == [{"index": 0, "reason": "unknown contact"}]
    assert stored(ctx) == []


def test_replay_protection_survives_a_restart_and_spans_processes(
    ctx: Context, client: Any, account: NewAccount, url: str
) -> None:
    """A second app over the same database (a restart, or another worker) knows the token."""
    from fastapi.testclient import TestClient

    from mailroom.app import create_app
    from mailroom.context import Context as Ctx
    from mailroom.db.database import Database

    alice = add_contact(ctx, account, "alice@example.com")
    assert client.post(url, content=envelope(event("opened"), token="t-r")).status_code == 200
    other = Ctx(settings=ctx.settings, db=Database(ctx.settings.database_url), clock=ctx.clock)
    with TestClient(create_app(other)) as restarted:
        forged = envelope(event("complained"), token="t-r")
        assert restarted.post(url, content=forged).status_code == 401
        retry = restarted.post(url, content=envelope(event("opened"), token="t-r"))
        assert retry.status_code == 200 and retry.json()["duplicates"] == 1
    other.db.dispose()
    assert status_of(ctx, alice.id) == "active"
    assert [EventType(r.type) for r in stored(ctx)] == [EventType.EM_OPENS]


def test_old_tokens_are_forgotten(
    ctx: Context, client: Any, account: NewAccount, url: str, clock: FrozenClock
) -> None:
    from sqlalchemy import func, select

    from mailroom.db.tables import webhook_replays

    add_contact(ctx, account, "alice@example.com")
    assert client.post(url, content=envelope(event("opened"), token="old")).status_code == 200
    clock.advance(seconds=700)
    later = envelope(event("clicked", url="https://x.example"), token="new", ts=NOW_S + 700)
    assert client.post(url, content=later).status_code == 200
    with ctx.db.read() as conn:
        tokens = conn.execute(select(webhook_replays.c.token)).scalars().all()
        assert list(tokens) == ["new"]
        assert conn.execute(select(func.count()).select_from(webhook_replays)).scalar() == 1
