"""A mailing's start claims its recipients in chunks of contact ids: each once, delivery may run
between chunks without completing the mailing early, and a cancel stops the claiming."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import func, select

from mailroom.config import Settings
from mailroom.context import Context
from mailroom.db.tables import sends
from mailroom.mailings import schemas as st
from mailroom.mailings import service as mailings_service
from mailroom.sending import campaigns, deliver
from smtp_sink import (
    add_message,
    add_people,
    add_segment,
    add_smtp,
    smtp_fixture,  # noqa: F401 (fixture)
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, automation_chunk=2)


def new_mailing(client: Any, ctx: Context, account: Any, headers: dict[str, str], port: int) -> int:
    add_people(ctx, account, [f"s{i}@x.test" for i in range(5)])
    add_smtp(ctx, account, port)
    body = {
        "name": "Chunks",
        "email_message": [add_message(ctx, account)],
        "segments": [add_segment(ctx, account)],
    }
    made = client.post("/api/mailings", json=body, headers=headers)
    assert made.status_code == 200, made.text
    return int(made.json()["payload"]["id"])


def test_start_claims_in_chunks_and_completes_once_all_are_sent(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    handler, port = smtp
    mailing_id = new_mailing(client, ctx, account, ongage_headers, port)
    made: list[int] = []
    for claimed in campaigns.claim_chunks(ctx, mailing_id, ctx.clock.now_ms()):
        made.append(claimed)
        assert deliver.deliver(ctx, "worker") == claimed  # a worker sends it meanwhile
        with ctx.db.read() as conn:  # ... without completing the mailing before its start ends
            assert mailings_service.find_mailing_any(conn, mailing_id).status == st.NEW
    assert made == [2, 2, 1]
    assert campaigns.run_start(ctx, mailing_id) == 5  # the job's own run: nothing claimed twice
    assert sorted(r.recipient for r in handler.received) == [f"s{i}@x.test" for i in range(5)]
    with ctx.db.read() as conn:
        row = mailings_service.find_mailing_any(conn, mailing_id)
    assert (row.status, row.recipients, row.sent_count) == (st.COMPLETED, 5, 5)


def test_cancel_stops_the_claiming(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    _, port = smtp
    mailing_id = new_mailing(client, ctx, account, ongage_headers, port)
    for _ in campaigns.claim_chunks(ctx, mailing_id, ctx.clock.now_ms()):
        with ctx.db.write() as conn:
            campaigns.cancel(conn, ctx.clock, account.account_id, mailing_id)
    assert campaigns.run_start(ctx, mailing_id) == 0
    with ctx.db.read() as conn:
        assert conn.execute(select(func.count()).select_from(sends)).scalar() == 2
        assert mailings_service.find_mailing_any(conn, mailing_id).status == st.CANCELLED
