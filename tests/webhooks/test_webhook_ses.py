"""Amazon SES through SNS: signed envelopes, subscription confirmation, topic pinning, mapping."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from sqlalchemy import select
from webhook_support import add_contact, add_mailing, make_endpoint, status_of, stored, totals

from mailroom.accounts.schemas import NewAccount
from mailroom.activity.types import Source
from mailroom.context import Context
from mailroom.db.tables import webhook_endpoints
from mailroom.webhooks import sns

CERT_URL = "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-abc.pem"
SUBSCRIBE_URL = "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=t"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:ses-events"


@pytest.fixture(scope="module")
def signing() -> tuple[rsa.RSAPrivateKey, bytes]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return key, cert.public_bytes(serialization.Encoding.PEM)


class FakeAws:
    """The injected fetcher: serves the certificate, records every URL asked for."""

    def __init__(self, pem: bytes) -> None:
        self.pem = pem
        self.calls: list[str] = []
        self.down = False

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        if self.down:
            raise OSError("network unreachable")
        return self.pem if url.endswith(".pem") else b"<ConfirmSubscriptionResponse/>"


@pytest.fixture
def aws(ctx: Context, signing: tuple[rsa.RSAPrivateKey, bytes]) -> FakeAws:
    fake = FakeAws(signing[1])
    ctx.services[sns.SERVICE_KEY] = sns.SnsVerifier(fetch=fake)
    return fake


@pytest.fixture
def url(ctx: Context, account: NewAccount, aws: FakeAws) -> str:
    return make_endpoint(ctx, account, "ses", None)


def sign(key: rsa.RSAPrivateKey, message: dict[str, Any], version: str = "2") -> dict[str, Any]:
    message = {"SignatureVersion": version, "SigningCertURL": CERT_URL, **message}
    algorithm = hashes.SHA256() if version == "2" else hashes.SHA1()
    signature = key.sign(sns.canonical(message), padding.PKCS1v15(), algorithm)
    return {**message, "Signature": base64.b64encode(signature).decode()}


def notification(key: rsa.RSAPrivateKey, ses: Any, n: int = 1, **extra: Any) -> dict[str, Any]:
    body = {
        "Type": "Notification",
        "MessageId": f"sns-{n}",
        "TopicArn": TOPIC,
        "Message": ses if isinstance(ses, str) else json.dumps(ses),
        "Timestamp": "2025-12-31T23:59:00.000Z",
        **extra,
    }
    return sign(key, body)


def confirmation(
    key: rsa.RSAPrivateKey, kind: str = "SubscriptionConfirmation", **extra: Any
) -> dict[str, Any]:
    body = {
        "Type": kind,
        "MessageId": "sub-1",
        "Token": "t",
        "TopicArn": TOPIC,
        "Message": "You have chosen to subscribe...",
        "SubscribeURL": SUBSCRIBE_URL,
        "Timestamp": "2025-12-31T23:00:00.000Z",
        **extra,
    }
    return sign(key, body)


def mail(email: str, **extra: Any) -> dict[str, Any]:
    return {"messageId": "ses-m1", "timestamp": "2025-12-31T23:58:00.000Z",
            "destination": [email], **extra}  # fmt: skip


def post(client: Any, url: str, envelope: dict[str, Any]) -> Any:
    return client.post(url, content=json.dumps(envelope), headers={"Content-Type": "text/plain"})


def endpoint_config(ctx: Context) -> dict[str, Any]:
    with ctx.db.read() as conn:
        return dict(json.loads(conn.execute(select(webhook_endpoints.c.secret)).scalar_one()))


def test_subscription_is_confirmed_and_pins_the_topic(
    ctx: Context, client: Any, url: str, aws: FakeAws, signing: Any
) -> None:
    response = post(client, url, confirmation(signing[0]))
    assert response.status_code == 200
    assert response.json() == {"confirmed": True, "topic_arn": TOPIC}
    assert aws.calls == [CERT_URL, SUBSCRIBE_URL]
    assert endpoint_config(ctx)["topic_arn"] == TOPIC
    other = confirmation(signing[0], TopicArn="arn:aws:sns:eu-west-1:999999999999:mine")
    assert post(client, url, other).status_code == 403
    assert aws.calls == [CERT_URL, SUBSCRIBE_URL]  # the certificate is cached; no 2nd confirm
    assert post(client, url, confirmation(signing[0], "UnsubscribeConfirmation")).json() == {
        "unsubscribed": True,
        "topic_arn": TOPIC,
    }


@pytest.mark.parametrize(
    "subscribe_url",
    [
        "http://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription",
        "https://sns.eu-west-1.amazonaws.com.evil.example/?Action=Confirm",
        "https://evil.example/?sns.eu-west-1.amazonaws.com",
        "https://user@sns.eu-west-1.amazonaws.com/",
        "https://sns.eu-west-1.amazonaws.com:8443/",
    ],
)
def test_subscribe_url_off_aws_is_never_visited(
    ctx: Context, client: Any, url: str, aws: FakeAws, signing: Any, subscribe_url: str
) -> None:
    response = post(client, url, confirmation(signing[0], SubscribeURL=subscribe_url))
    assert response.status_code == 401
    assert subscribe_url not in aws.calls
    assert endpoint_config(ctx)["topic_arn"] is None


@pytest.mark.parametrize(
    "cert_url",
    [
        "http://sns.eu-west-1.amazonaws.com/cert.pem",
        "https://sns.eu-west-1.amazonaws.com.evil.example/cert.pem",
        "https://s3.amazonaws.com/cert.pem",
        "https://evil.example/cert.pem",
    ],
)
def test_certificates_are_only_fetched_from_sns(
    ctx: Context,
    client: Any,
    url: str,
    aws: FakeAws,
    signing: Any,
    account: NewAccount,
    cert_url: str,
) -> None:
    add_contact(ctx, account, "alice@example.com")
    ses = {"eventType": "Open", "mail": mail("alice@example.com"), "open": {}}
    envelope = notification(signing[0], ses)
    envelope["SigningCertURL"] = cert_url
    assert post(client, url, envelope).status_code == 401
    assert aws.calls == []
    assert stored(ctx) == []


def test_bounce_with_tags_is_recorded_once(
    ctx: Context, client: Any, url: str, signing: Any, account: NewAccount
) -> None:
    alice = add_contact(ctx, account, "alice@example.com")
    bob = add_contact(ctx, account, "bob@example.com")
    mailing = add_mailing(ctx, account)
    ses = {
        "eventType": "Bounce",
        "bounce": {
            "bounceType": "Permanent",
            "bounceSubType": "General",
            "feedbackId": "fb-1",
            "timestamp": "2025-12-31T23:59:30.000Z",
            "bouncedRecipients": [
                {"emailAddress": "alice@example.com", "status": "5.1.1",
                 "diagnosticCode": "smtp; 550 5.1.1 user unknown"},
                {"emailAddress": "bob@example.com", "status": "5.0.0"},
            ],
        },
        "mail": mail("alice@example.com",
                     tags={"mailroom_mailing": [str(mailing)], "ses:configuration-set": ["c"]}),
    }  # fmt: skip
    envelope = notification(signing[0], ses)
    answer = post(client, url, envelope).json()
    assert (answer["accepted"], answer["duplicates"]) == (2, 0)
    rows = stored(ctx)
    assert {r.contact_id for r in rows} == {alice.id, bob.id}
    assert all(r.source == Source.SES and r.mailing_id == mailing for r in rows)
    assert rows[0].details["diagnostic"] == "smtp; 550 5.1.1 user unknown"
    assert [r.details["bounce_code"] for r in rows] == ["B", "D"]
    assert rows[0].at_ms == 1_767_225_570_000
    assert status_of(ctx, alice.id) == status_of(ctx, bob.id) == "bounced"
    again = post(client, url, notification(signing[0], ses, n=2)).json()  # SNS re-delivery
    assert (again["accepted"], again["duplicates"]) == (0, 2)
    assert endpoint_config(ctx)["topic_arn"] == TOPIC  # pinned by the first message


def test_signature_version_1_and_feedback_notifications(
    ctx: Context, client: Any, url: str, signing: Any, account: NewAccount
) -> None:
    carol = add_contact(ctx, account, "carol@example.com")
    ses = {
        "notificationType": "Complaint",
        "complaint": {"feedbackId": "fb-2", "complaintFeedbackType": "abuse",
                      "complainedRecipients": [{"emailAddress": "carol@example.com"}]},
        "mail": mail("carol@example.com"),
    }  # fmt: skip
    body = {
        "Type": "Notification",
        "MessageId": "sns-9",
        "TopicArn": TOPIC,
        "Subject": "Amazon SES Email Event Notification",
        "Message": json.dumps(ses),
        "Timestamp": "2025-12-31T23:59:00.000Z",
    }
    assert post(client, url, sign(signing[0], body, version="1")).json()["accepted"] == 1
    assert status_of(ctx, carol.id) == "complaint"
    assert stored(ctx)[0].details["reason"] == "abuse"


def test_send_and_delivery_count_as_one_send_and_engagement_is_recorded(
    ctx: Context, client: Any, url: str, signing: Any, account: NewAccount
) -> None:
    alice = add_contact(ctx, account, "alice@example.com")
    mailing = add_mailing(ctx, account)
    headers = [{"name": "X-Mailroom-Contact", "value": alice.uid},
               {"name": "X-Mailroom-Mailing", "value": str(mailing)}]  # fmt: skip
    m = mail("alice@example.com", headers=headers)
    events = [
        {"eventType": "Send", "mail": m, "send": {}},
        {"eventType": "Delivery", "mail": m, "delivery": {
            "timestamp": "2025-12-31T23:58:01.000Z", "recipients": ["alice@example.com"]}},
        {"eventType": "Open", "mail": m, "open": {
            "timestamp": "2025-12-31T23:59:10.000Z", "userAgent": "Mozilla/5.0",
            "ipAddress": "192.0.2.8"}},
        {"eventType": "Click", "mail": m, "click": {"timestamp": "2025-12-31T23:59:20.000Z",
                                                    "link": "https://shop.example/a"}},
        {"eventType": "DeliveryDelay", "mail": m, "deliveryDelay": {}},
        {"eventType": "Teleport", "mail": m},
    ]  # fmt: skip
    answers = [
        post(client, url, notification(signing[0], e, n=i)).json() for i, e in enumerate(events)
    ]
    assert [a["accepted"] for a in answers] == [1, 0, 1, 1, 0, 0]
    assert answers[1]["duplicates"] == 1
    assert answers[4]["ignored"][0]["event"] == "DeliveryDelay"
    assert answers[5]["ignored"][0]["reason"] == "event type not tracked by mailroom"
    counts = totals(ctx, account, alice.id)
    assert (counts["sends"], counts["opens"], counts["clicks"]) == (1, 1, 1)
    assert stored(ctx)[0].idem_key == f"send:{alice.uid}:{mailing}"


def test_tampering_and_bad_envelopes(
    ctx: Context, client: Any, url: str, signing: Any, account: NewAccount, aws: FakeAws
) -> None:
    add_contact(ctx, account, "alice@example.com")
    ses = {"eventType": "Open", "mail": mail("alice@example.com"), "open": {}}
    good = notification(signing[0], ses)
    altered = {**good, "Message": good["Message"].replace("Open", "Click")}
    assert post(client, url, altered).status_code == 401
    assert post(client, url, {**good, "TopicArn": TOPIC + "x"}).status_code == 401
    assert post(client, url, {**good, "SignatureVersion": "3"}).status_code == 401
    assert post(client, url, {**good, "Signature": "***"}).status_code == 401
    assert post(client, url, {k: v for k, v in good.items() if k != "Signature"}).status_code == 401
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    assert post(client, url, notification(other_key, ses)).status_code == 401
    assert post(client, url, {**good, "Type": "Surprise"}).status_code == 400
    assert client.post(url, content=b"{not json").status_code == 400
    assert client.post(url, content=b"[]").status_code == 400
    assert stored(ctx) == []
    assert post(client, url, good).json()["accepted"] == 1


def test_unparsable_message_and_unknown_recipients_are_reported(
    ctx: Context, client: Any, url: str, signing: Any
) -> None:
    answer = post(client, url, notification(signing[0], "plain text, not JSON")).json()
    assert answer["accepted"] == 0 and answer["ignored"][0]["event"] == "Notification"
    ses = {"eventType": "Open", "mail": mail("ghost@example.com"), "open": {}}
    answer = post(client, url, notification(signing[0], ses, n=2)).json()
    assert answer["rejected"] == [{"index": 0, "reason": "unknown contact"}]
    assert stored(ctx) == []


def test_configured_topic_is_enforced(
    ctx: Context, client: Any, account: NewAccount, aws: FakeAws, signing: Any
) -> None:
    url = make_endpoint(ctx, account, "ses", "arn:aws:sns:eu-west-1:123456789012:other")
    assert post(client, url, confirmation(signing[0])).status_code == 403
    assert SUBSCRIBE_URL not in aws.calls


def test_unreachable_sns_is_503_and_records_nothing(
    ctx: Context, client: Any, url: str, aws: FakeAws, signing: Any
) -> None:
    aws.down = True
    response = post(client, url, confirmation(signing[0]))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "upstream_unavailable"
    assert endpoint_config(ctx)["topic_arn"] is None
