"""SendGrid Event Webhook: ECDSA-signed batches, mapping, duplicates, bad input, event order."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from webhook_support import (
    add_contact,
    add_mailing,
    make_endpoint,
    set_status,
    status_of,
    stored,
    totals,
)

from mailroom.accounts.schemas import NewAccount
from mailroom.activity.types import EventType, Source
from mailroom.context import Context

NOW_S = 1_767_225_600


def _public_b64(key: ec.EllipticCurvePrivateKey) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


@pytest.fixture
def key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def url(ctx: Context, account: NewAccount, key: ec.EllipticCurvePrivateKey) -> str:
    return make_endpoint(ctx, account, "sendgrid", _public_b64(key))


def signed(key: ec.EllipticCurvePrivateKey, body: bytes, ts: str = str(NOW_S)) -> dict[str, str]:
    signature = key.sign(ts.encode() + body, ec.ECDSA(hashes.SHA256()))
    return {
        "X-Twilio-Email-Event-Webhook-Signature": base64.b64encode(signature).decode(),
        "X-Twilio-Email-Event-Webhook-Timestamp": ts,
        "Content-Type": "application/json",
    }


def post(client: Any, url: str, key: ec.EllipticCurvePrivateKey, events: Any) -> Any:
    body = json.dumps(events).encode()
    return client.post(url, content=body, headers=signed(key, body))


def test_signed_batch_is_mapped_and_recorded(
    ctx: Context, client: Any, account: NewAccount, url: str, key: ec.EllipticCurvePrivateKey
) -> None:
    alice = add_contact(ctx, account, "alice@example.com")
    bob = add_contact(ctx, account, "bob@example.com")
    carol = add_contact(ctx, account, "carol@example.com")
    mailing = add_mailing(ctx, account)
    meta = {"mailroom_contact": alice.uid, "mailroom_mailing": str(mailing)}
    ts = NOW_S - 600
    batch = [
        {"event": "processed", "email": "alice@example.com", "timestamp": ts, "sg_event_id": "p1"},
        {"event": "delivered", "email": "alice@example.com", "timestamp": ts, "sg_event_id": "d1",
         "sg_message_id": "m1.filter", **meta},
        {"event": "open", "email": "alice@example.com", "timestamp": ts + 60, "sg_event_id": "o1",
         "useragent": "Mozilla/5.0", "ip": "198.51.100.4", "sg_machine_open": False, **meta},
        {"event": "click", "email": "alice@example.com", "timestamp": ts + 90, "sg_event_id": "c1",
         "url": "https://shop.example/p", "useragent": "Mozilla/5.0", **meta},
        {"event": "bounce", "email": "bob@example.com", "timestamp": ts, "sg_event_id": "b1",
         "type": "bounce", "status": "5.1.1", "reason": "550 5.1.1 no such user"},
        {"event": "bounce", "email": "carol@example.com", "timestamp": ts, "sg_event_id": "b2",
         "type": "blocked", "status": "4.2.2", "reason": "mailbox full"},
        {"event": "spamreport", "email": "carol@example.com", "timestamp": ts + 5,
         "sg_event_id": "s1"},
        {"event": "group_unsubscribe", "email": "alice@example.com", "timestamp": ts + 120,
         "sg_event_id": "u1", "asm_group_id": 1},
        {"event": "teleported", "email": "alice@example.com", "timestamp": ts, "sg_event_id": "x1"},
        "not an object",
    ]  # fmt: skip
    response = post(client, url, key, batch)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["accepted"], answer["duplicates"], answer["rejected"]) == (7, 0, [])
    assert [(i["index"], i["event"]) for i in answer["ignored"]] == [
        (0, "processed"),
        (8, "teleported"),
        (9, "str"),
    ]
    rows = stored(ctx)
    assert all(r.source == Source.SENDGRID for r in rows)
    by_type = {EventType(r.type): r for r in rows}
    assert by_type[EventType.EM_SENDS].idem_key == f"send:{alice.uid}:{mailing}"
    assert by_type[EventType.EM_OPENS].details["ip"] == "198.51.100.4"
    assert by_type[EventType.EM_OPENS].at_ms == (ts + 60) * 1000
    assert by_type[EventType.EM_CLICKS].mailing_id == mailing
    bounces = [r for r in rows if r.type == EventType.EM_BOUNCES]
    assert {
        (r.contact_id, r.details["bounce_type"], r.details["bounce_code"]) for r in bounces
    } == {
        (bob.id, "hard", "B"),
        (carol.id, "soft", "F"),
    }
    assert status_of(ctx, alice.id) == "unsubscribed"
    assert status_of(ctx, bob.id) == "bounced"
    assert status_of(ctx, carol.id) == "complaint"
    assert totals(ctx, account, alice.id)["opens"] == 1


def test_retried_batch_counts_once(
    ctx: Context, client: Any, account: NewAccount, url: str, key: ec.EllipticCurvePrivateKey
) -> None:
    alice = add_contact(ctx, account, "alice@example.com")
    batch = [
        {"event": "open", "email": "alice@example.com", "timestamp": NOW_S, "sg_event_id": "o1"},
        {"event": "open", "email": "alice@example.com", "timestamp": NOW_S, "sg_event_id": "o2"},
    ]
    assert post(client, url, key, batch).json()["accepted"] == 2
    again = post(client, url, key, batch).json()
    assert (again["accepted"], again["duplicates"]) == (0, 2)
    assert totals(ctx, account, alice.id)["opens"] == 2


@pytest.mark.parametrize("problem", ["other key", "altered body", "no signature", "no timestamp",
                                     "bad base64", "other timestamp"])  # fmt: skip
def test_bad_signature_records_nothing(
    ctx: Context,
    client: Any,
    account: NewAccount,
    url: str,
    key: ec.EllipticCurvePrivateKey,
    problem: str,
) -> None:
    add_contact(ctx, account, "alice@example.com")
    body = json.dumps([{"event": "open", "email": "alice@example.com", "sg_event_id": "o"}])
    headers = signed(key, body.encode())
    if problem == "other key":
        headers = signed(ec.generate_private_key(ec.SECP256R1()), body.encode())
    elif problem == "altered body":
        body = body.replace("open", "click")
    elif problem == "no signature":
        del headers["X-Twilio-Email-Event-Webhook-Signature"]
    elif problem == "no timestamp":
        del headers["X-Twilio-Email-Event-Webhook-Timestamp"]
    elif problem == "bad base64":
        headers["X-Twilio-Email-Event-Webhook-Signature"] = "%%%"
    else:
        headers["X-Twilio-Email-Event-Webhook-Timestamp"] = str(NOW_S + 1)
    response = client.post(url, content=body, headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert stored(ctx) == []


@pytest.mark.parametrize("body", [b"[{not json", b"", b'"a string"', b"42"])
def test_malformed_body_is_400(
    ctx: Context, client: Any, url: str, key: ec.EllipticCurvePrivateKey, body: bytes
) -> None:
    response = client.post(url, content=body, headers=signed(key, body))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "bad_request"
    assert stored(ctx) == []


def test_unknown_contacts_and_mailings_are_reported(
    ctx: Context, client: Any, account: NewAccount, url: str, key: ec.EllipticCurvePrivateKey
) -> None:
    alice = add_contact(ctx, account, "alice@example.com")
    batch = [
        {"event": "open", "email": "nobody@example.com", "sg_event_id": "1"},
        {"event": "open", "mailroom_contact": "f" * 24, "sg_event_id": "2"},
        {"event": "open", "mailroom_contact": alice.uid, "mailroom_mailing": "999",
         "sg_event_id": "3"},
        {"event": "open", "email": "ALICE@example.com", "sg_event_id": "4"},
        {"event": "open", "sg_event_id": "5"},
    ]  # fmt: skip
    answer = post(client, url, key, batch).json()
    assert answer["accepted"] == 1
    assert answer["rejected"] == [
        {"index": 0, "reason": "unknown contact"},
        {"index": 1, "reason": "unknown contact"},
        {"index": 2, "reason": "unknown mailing"},
        {"index": 4, "reason": "a contact is required: contact_id, or email (with list_id)"},
    ]
    assert [r.contact_id for r in stored(ctx)] == [alice.id]


def test_an_older_bounce_does_not_undo_a_newer_resubscribe(
    ctx: Context, client: Any, account: NewAccount, url: str, key: ec.EllipticCurvePrivateKey
) -> None:
    alice = add_contact(ctx, account, "alice@example.com")
    set_status(ctx, alice.id, "active", (NOW_S - 60) * 1000)  # resubscribed a minute ago
    old = {"event": "bounce", "email": "alice@example.com", "timestamp": NOW_S - 3600,
           "sg_event_id": "b-old", "type": "bounce", "status": "5.1.1"}  # fmt: skip
    assert post(client, url, key, [old]).json()["accepted"] == 1
    assert status_of(ctx, alice.id) == "active"
    new = {**old, "timestamp": NOW_S - 10, "sg_event_id": "b-new"}
    assert post(client, url, key, [new]).json()["accepted"] == 1
    assert status_of(ctx, alice.id) == "bounced"
    assert totals(ctx, account, alice.id)["bounces"] == 2


def test_endpoint_list_decides_where_addresses_are_looked_up(
    ctx: Context, client: Any, account: NewAccount, key: ec.EllipticCurvePrivateKey
) -> None:
    from mailroom.lists import service as lists_service

    with ctx.db.write() as conn:
        other_list = int(lists_service.create_list(conn, ctx.clock, account.account_id,
                                                   {"name": "B"})["id"])  # fmt: skip
    on_default = add_contact(ctx, account, "same@example.com")
    on_other = add_contact(ctx, account, "same@example.com", list_id=other_list)
    url = make_endpoint(ctx, account, "sendgrid", _public_b64(key), list_id=other_list)
    post(client, url, key, [{"event": "open", "email": "same@example.com", "sg_event_id": "1"}])
    assert [r.contact_id for r in stored(ctx)] == [on_other.id]
    assert on_default.id != on_other.id
