"""Use cases of the webhooks domain: create receiving endpoints, verify and ingest provider calls.

Every request is checked (endpoint token, then the provider's signature or credentials) before
anything is parsed into events; a failed check records nothing. Verified events go through
`activity.service.ingest` with provider-derived idempotency keys, so a retried webhook never
counts twice; events of types mailroom does not track are skipped and listed in the answer.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection

from mailroom.activity import service as activity
from mailroom.activity.schemas import IngestResult
from mailroom.activity.types import Source
from mailroom.context import Context
from mailroom.errors import BadRequest, Forbidden, NotFound, Unauthorized, ValidationFailed
from mailroom.kit import ids, jsonx
from mailroom.kit.clock import Clock, now_s
from mailroom.lists import service as lists_service
from mailroom.webhooks import mailgun, postmark, repository, sendgrid, ses, sns
from mailroom.webhooks.schemas import PROVIDERS, Batch, Endpoint

SOURCES = {
    "ses": Source.SES,
    "sendgrid": Source.SENDGRID,
    "mailgun": Source.MAILGUN,
    "postmark": Source.POSTMARK,
}
UNKNOWN_ENDPOINT = "Unknown webhook endpoint"


def path_of(provider: str, token: str) -> str:
    return f"/mailroom/webhooks/{provider}/{token}"


def create_endpoint(
    conn: Connection,
    clock: Clock,
    account_id: int,
    provider: str,
    *,
    secret: str | None = None,
    list_id: int | None = None,
) -> dict[str, Any]:
    """A new receiving endpoint with an unguessable token; the secret is checked per provider."""
    if provider not in PROVIDERS:
        raise ValidationFailed(f"provider must be one of {', '.join(PROVIDERS)}")
    if list_id is not None:
        lists_service.get_list(conn, account_id, list_id)
    stored = _checked_secret(provider, secret)
    token = ids.token(24)
    endpoint_id = repository.insert_endpoint(
        conn,
        {
            "account_id": account_id,
            "provider": provider,
            "token": token,
            "secret": stored,
            "list_id": list_id,
            "created": now_s(clock),
        },
    )
    return {
        "id": endpoint_id,
        "account_id": account_id,
        "provider": provider,
        "token": token,
        "list_id": list_id,
        "path": path_of(provider, token),
    }


def _checked_secret(provider: str, secret: str | None) -> str | None:
    secret = secret.strip() if secret else None
    if provider == "ses":
        if secret and not secret.startswith("arn:aws"):
            raise ValidationFailed("for ses the secret is the SNS topic ARN (arn:aws:sns:...)")
        return json.dumps({"topic_arn": secret})
    if not secret:
        raise ValidationFailed(f"a secret is required for {provider}")
    if provider == "sendgrid":
        try:
            sendgrid.load_key(secret)
        except ValueError as exc:
            raise ValidationFailed(f"sendgrid secret must be the verification key: {exc}") from None
    if provider == "postmark" and ":" not in secret:
        raise ValidationFailed("postmark secret must be user:password (HTTP Basic credentials)")
    return secret


def receive(
    ctx: Context, provider: str, token: str, body: bytes, headers: Mapping[str, str]
) -> dict[str, Any]:
    """Verify one provider request and ingest its events; the answer reports every count."""
    with ctx.db.read() as conn:
        endpoint = repository.get_by_token(conn, token)
    if endpoint is None or endpoint.provider != provider:
        raise NotFound(UNKNOWN_ENDPOINT)
    batch = Batch()
    replay_token: str | None = None
    if provider == "ses":
        done = _receive_sns(ctx, endpoint, body, batch)
        if done is not None:
            return done
    elif provider == "sendgrid":
        sendgrid.verify(endpoint.secret, body, headers)
        sendgrid.translate(_json(body), endpoint.list_id, batch)
    elif provider == "mailgun":
        verified = mailgun.verify(ctx, endpoint.secret, _json(body))
        replay_token = verified.token
        mailgun.translate(verified.data, endpoint.list_id, batch)
    else:
        postmark.verify(endpoint.secret, headers)
        postmark.translate(_json(body), endpoint.list_id, batch)
    result = IngestResult()
    if batch.items or replay_token is not None:
        with ctx.db.write() as conn:
            if replay_token is not None:
                _check_replay(conn, ctx.clock, endpoint, replay_token, body)
            if not batch.items:
                return _report(result, batch)
            result = activity.ingest(
                conn,
                ctx.clock,
                endpoint.account_id,
                batch.items,
                source=SOURCES[provider],
                default_list_id=endpoint.list_id,
            )
    return _report(result, batch)


def _check_replay(
    conn: Connection, clock: Clock, endpoint: Endpoint, token: str, body: bytes
) -> None:
    """A signature token is good for one body: the same call again is a provider's retry (its
    events count once), the same token with other data a forgery. Checked in the transaction
    that stores the events, so a refused or failed call leaves no token behind."""
    body_hash = hashlib.sha256(body).hexdigest()
    keep_s = 2 * mailgun.MAX_AGE_S
    stored = repository.remember_token(conn, endpoint.id, token, body_hash, now_s(clock), keep_s)
    if stored != body_hash:
        raise Unauthorized(mailgun.REPLAYED)


def _json(body: bytes) -> Any:
    if not body.strip():
        raise BadRequest("Request body is empty; a JSON body is required.")
    try:
        return jsonx.loads(body)
    except ValueError as exc:
        raise BadRequest(f"Invalid JSON in request body: {exc}") from None


def _report(result: IngestResult, batch: Batch) -> dict[str, Any]:
    return {
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "rejected": [
            {"index": batch.origins[r.index], "reason": r.reason} for r in result.rejected
        ],
        "ignored": batch.ignored,
    }


def _ses_config(endpoint: Endpoint) -> dict[str, Any]:
    try:
        config = json.loads(endpoint.secret or "{}")
    except ValueError:
        config = {}
    return config if isinstance(config, dict) else {}


def _save_ses_config(ctx: Context, endpoint: Endpoint, config: dict[str, Any]) -> None:
    with ctx.db.write() as conn:
        repository.set_secret(conn, endpoint.id, json.dumps(config))


def _receive_sns(
    ctx: Context, endpoint: Endpoint, body: bytes, batch: Batch
) -> dict[str, Any] | None:
    """Verify an SNS envelope; confirm subscriptions; put a notification's SES events in `batch`.

    The endpoint trusts one topic: the one configured, else the first one that reached it
    (so nobody can subscribe this URL to a topic of their own once it is in use).
    """
    envelope = _json(body)
    if not isinstance(envelope, dict):
        raise BadRequest("Amazon SNS body must be a JSON object")
    verifier = sns.verifier_for(ctx)
    verifier.verify(envelope)
    topic = envelope.get("TopicArn")
    config = _ses_config(endpoint)
    pinned = config.get("topic_arn")
    if pinned and pinned != topic:
        raise Forbidden("SNS topic is not the one this endpoint accepts")
    kind = envelope["Type"]
    now_ms = ctx.clock.now_ms()
    if kind == "SubscriptionConfirmation":
        verifier.confirm(envelope.get("SubscribeURL"))
        _save_ses_config(ctx, endpoint, {**config, "topic_arn": topic, "confirmed_ms": now_ms})
        return {"confirmed": True, "topic_arn": topic}
    if kind == "UnsubscribeConfirmation":
        _save_ses_config(ctx, endpoint, {**config, "topic_arn": topic, "unsubscribed_ms": now_ms})
        return {"unsubscribed": True, "topic_arn": topic}
    if not pinned:
        _save_ses_config(ctx, endpoint, {**config, "topic_arn": topic})
    try:
        message = json.loads(envelope["Message"])
    except ValueError:
        batch.ignore(0, "Notification", "SNS message is not an SES JSON notification")
        return None
    ses.translate(message, endpoint.list_id, batch)
    return None
