"""Postmark webhooks: Basic credentials, every record type, duplicates and bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest
from webhook_support import add_contact, add_mailing, make_endpoint, status_of, stored, totals

from mailroom.accounts.schemas import NewAccount
from mailroom.activity.types import EventType, Source
from mailroom.context import Context

AUTH = ("postmark", "s3cret:with:colons")


@pytest.fixture
def url(ctx: Context, account: NewAccount) -> str:
    return make_endpoint(ctx, account, "postmark", ":".join(AUTH))


def post(client: Any, url: str, record: Any, auth: Any = AUTH) -> Any:
    return client.post(url, content=json.dumps(record), auth=auth)


def test_record_types_are_mapped(ctx: Context, client: Any, account: NewAccount, url: str) -> None:
    alice = add_contact(ctx, account, "alice@example.com")
    bob = add_contact(ctx, account, "bob@example.com")
    carol = add_contact(ctx, account, "carol@example.com")
    dave = add_contact(ctx, account, "dave@example.com")
    mailing = add_mailing(ctx, account)
    meta = {"mailroom_contact": alice.uid, "mailroom_mailing": str(mailing)}
    records = [
        {"RecordType": "Delivery", "MessageID": "m1", "Recipient": "alice@example.com",
         "DeliveredAt": "2025-12-31T23:00:00Z", "Metadata": meta},
        {"RecordType": "Open", "MessageID": "m1", "Recipient": "alice@example.com",
         "ReceivedAt": "2025-12-31T23:05:00.1234567+00:00", "UserAgent": "Mozilla/5.0",
         "Geo": {"IP": "192.0.2.1"}, "Platform": "Desktop", "Metadata": meta},
        {"RecordType": "Click", "MessageID": "m1", "Recipient": "alice@example.com",
         "ReceivedAt": "2025-12-31T23:06:00Z", "OriginalLink": "https://shop.example/",
         "Metadata": meta},
        {"RecordType": "Bounce", "ID": 42, "Type": "HardBounce", "TypeCode": 1,
         "MessageID": "m2", "Email": "bob@example.com", "BouncedAt": "2025-12-31T23:00:00Z",
         "Details": "smtp;550 5.1.1 unknown user"},
        {"RecordType": "Bounce", "ID": 43, "Type": "SoftBounce", "TypeCode": 4096,
         "MessageID": "m3", "Email": "dave@example.com", "BouncedAt": "2025-12-31T23:00:00Z"},
        {"RecordType": "SpamComplaint", "ID": 44, "Type": "SpamComplaint", "TypeCode": 512,
         "MessageID": "m4", "Email": "carol@example.com", "BouncedAt": "2025-12-31T23:00:00Z"},
        {"RecordType": "Bounce", "ID": 45, "Type": "AutoResponder", "TypeCode": 64,
         "MessageID": "m5", "Email": "dave@example.com", "BouncedAt": "2025-12-31T23:00:00Z"},
        {"RecordType": "SubscriptionChange", "MessageID": "m6", "Recipient": "dave@example.com",
         "ChangedAt": "2025-12-31T23:10:00Z", "SuppressSending": True,
         "SuppressionReason": "ManualSuppression"},
        {"RecordType": "SubscriptionChange", "MessageID": "m7", "Recipient": "bob@example.com",
         "ChangedAt": "2025-12-31T23:10:00Z", "SuppressSending": True,
         "SuppressionReason": "HardBounce"},
        {"RecordType": "SubscriptionChange", "MessageID": "m8", "Recipient": "bob@example.com",
         "ChangedAt": "2025-12-31T23:11:00Z", "SuppressSending": False},
        {"RecordType": "InboundMessage", "MessageID": "m9"},
    ]  # fmt: skip
    answers = [post(client, url, r).json() for r in records]
    assert [a["accepted"] for a in answers] == [1, 1, 1, 1, 1, 1, 0, 1, 0, 0, 0]
    assert [len(a["ignored"]) for a in answers] == [0, 0, 0, 0, 0, 0, 1, 0, 1, 1, 1]
    rows = stored(ctx)
    assert all(r.source == Source.POSTMARK for r in rows)
    assert [EventType(r.type) for r in rows] == [
        EventType.EM_SENDS,
        EventType.EM_OPENS,
        EventType.EM_CLICKS,
        EventType.EM_BOUNCES,
        EventType.EM_BOUNCES,
        EventType.EM_COMPLAINTS,
        EventType.EM_OPTOUTS,
    ]
    assert rows[0].idem_key == f"send:{alice.uid}:{mailing}"
    assert rows[0].at_ms == 1_767_222_000_000
    assert rows[1].at_ms == 1_767_222_300_123
    assert rows[1].details["ip"] == "192.0.2.1" and rows[1].details["device_type"] == "Desktop"
    assert rows[3].details["bounce_type"] == "hard" and rows[4].details["bounce_type"] == "soft"
    assert status_of(ctx, bob.id) == "bounced"
    assert status_of(ctx, carol.id) == "complaint"
    assert status_of(ctx, dave.id) == "unsubscribed"
    assert status_of(ctx, alice.id) == "active"


def test_retries_count_once(ctx: Context, client: Any, account: NewAccount, url: str) -> None:
    alice = add_contact(ctx, account, "alice@example.com")
    record = {"RecordType": "Open", "MessageID": "m1", "Recipient": "alice@example.com",
              "ReceivedAt": "2025-12-31T23:05:00Z"}  # fmt: skip
    assert post(client, url, record).json()["accepted"] == 1
    assert post(client, url, record).json()["duplicates"] == 1
    later = {**record, "ReceivedAt": "2025-12-31T23:09:00Z"}  # a second open is its own event
    assert post(client, url, later).json()["accepted"] == 1
    assert totals(ctx, account, alice.id)["opens"] == 2


@pytest.mark.parametrize(
    "auth", [None, ("postmark", "wrong"), ("other", "s3cret:with:colons"), "garbage"]
)
def test_wrong_or_missing_credentials_record_nothing(
    ctx: Context, client: Any, account: NewAccount, url: str, auth: Any
) -> None:
    add_contact(ctx, account, "alice@example.com")
    record = {"RecordType": "Open", "MessageID": "m", "Recipient": "alice@example.com"}
    if auth == "garbage":
        response = client.post(url, content=json.dumps(record),
                               headers={"Authorization": "Basic !!notbase64"})  # fmt: skip
    else:
        response = post(client, url, record, auth=auth)
    assert response.status_code == 401
    assert stored(ctx) == []


@pytest.mark.parametrize("body", [b"{", b"", b"[]", b"null"])
def test_malformed_json_is_400(ctx: Context, client: Any, url: str, body: bytes) -> None:
    response = client.post(url, content=body, auth=AUTH)
    assert response.status_code == 400
    assert stored(ctx) == []


def test_unknown_recipient_is_reported(ctx: Context, client: Any, url: str) -> None:
    record = {"RecordType": "Open", "MessageID": "m", "Recipient": "ghost@example.com"}
    assert post(client, url, record).json()["rejected"] == [
        {"index": 0, "reason": "unknown contact"}
    ]
