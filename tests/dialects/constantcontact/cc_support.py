"""Shared setup for the Constant Contact tests: contacts, mailings and events through ingest."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert

from mailroom.accounts.schemas import NewAccount
from mailroom.activity import service
from mailroom.activity.types import Source
from mailroom.context import Context
from mailroom.db.tables import contacts
from mailroom.kit import ids
from mailroom.mailings import service as mailings_service

NOW = 1_767_225_600_000  # the FrozenClock's start, 2026-01-01T00:00:00Z
BASE = "/v3/reports/contact_reports"


def add_contact(ctx: Context, acc: NewAccount, email: str = "ann@example.com") -> str:
    """A contact on the account's default list; returns its public id."""
    now_s = ctx.clock.now_ms() // 1000
    uid = ids.object_id(ctx.clock.now_ms())
    with ctx.db.write() as conn:
        conn.execute(
            insert(contacts).values(
                uid=uid,
                account_id=acc.account_id,
                list_id=acc.default_list_id,
                email=email,
                created=now_s,
                modified=now_s,
            )
        )
    return uid


def add_mailing(ctx: Context, acc: NewAccount, name: str) -> tuple[int, str]:
    """A mailing of the account; returns (id, campaign_activity_id)."""
    activity_id = str(uuid.uuid4())
    with ctx.db.write() as conn:
        mailing_id = mailings_service.create_mailing(
            conn,
            ctx.clock,
            acc.account_id,
            name,
            list_id=acc.default_list_id,
            campaign_activity_id=activity_id,
        )
    return mailing_id, activity_id


def ingest(ctx: Context, acc: NewAccount, items: list[dict[str, Any]]) -> list[int]:
    """Store raw items through the one ingest path; every item must be accepted."""
    with ctx.db.write() as conn:
        result = service.ingest(
            conn,
            ctx.clock,
            acc.account_id,
            items,
            source=Source.API,
            default_list_id=acc.default_list_id,
        )
    assert not result.rejected, result.rejected
    return result.event_ids


def auth(acc: NewAccount) -> dict[str, str]:
    return {"Authorization": f"Bearer {acc.token}", "Accept": "application/json"}
