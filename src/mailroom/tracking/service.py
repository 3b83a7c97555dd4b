"""Use cases of tracking: a verified token becomes one event, through the one ingest path.

Tokens are verified before any transaction opens, so a forged one costs no database work.
Opens and clicks carry the time of the request, and its user agent and address for machine
detection; they are stored in rounds (`tracking.recorder`).
an unsubscribe has one idempotency key per contact and mailing, so repeats change nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from mailroom.activity import service as activity
from mailroom.activity.schemas import IngestResult
from mailroom.activity.types import Source
from mailroom.context import Context
from mailroom.kit.clock import Clock
from mailroom.tracking.links import signer_for
from mailroom.tracking.recorder import hit_recorder
from mailroom.tracking.tokens import Claims, InvalidToken, Kind

ONE_CLICK = "one-click"
LINK = "link"


def verify(ctx: Context, token: str, kind: Kind) -> Claims | None:
    """The token's claims, or None for a forged, altered or foreign token."""
    try:
        return signer_for(ctx).verify(token, kind)
    except InvalidToken:
        return None


def _item(claims: Claims, type_: str, **extra: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"type": type_, "contact_id": claims.contact_uid}
    if claims.mailing_id is not None:
        item["mailing_id"] = claims.mailing_id
    for name, value in extra.items():
        if value:
            item[name] = value[:1000] if isinstance(value, str) and name != "link_url" else value
    return item


async def record_open(
    ctx: Context, claims: Claims, *, user_agent: str | None, ip: str | None
) -> None:
    """Store the open (`tracking.recorder`: with the hits that arrive meanwhile)."""
    item = _item(claims, "em_opens", at=ctx.clock.now_ms(), user_agent=user_agent, ip=ip)
    await hit_recorder(ctx).record(claims.account_id, Source.PIXEL, item)


async def record_click(
    ctx: Context, claims: Claims, *, user_agent: str | None, ip: str | None
) -> None:
    """Store the click, like `record_open`."""
    item = _item(
        claims,
        "em_clicks",
        at=ctx.clock.now_ms(),
        link_url=claims.url,
        user_agent=user_agent,
        ip=ip,
    )
    await hit_recorder(ctx).record(claims.account_id, Source.REDIRECT, item)


def unsubscribe(conn: Connection, clock: Clock, claims: Claims, *, reason: str) -> IngestResult:
    """Record the opt-out (ingest makes the contact Unsubscribed); once per contact and mailing."""
    key = f"unsub:{claims.contact_uid}:{claims.mailing_id or 0}"
    item = _item(claims, "em_optouts", reason=reason, idempotency_key=key)
    return activity.ingest(conn, clock, claims.account_id, [item], source=Source.UNSUBSCRIBE)
