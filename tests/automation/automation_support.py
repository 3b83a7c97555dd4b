"""Rows with the ids Ongage's documentation uses, so its examples can be sent as written."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import insert

from conftest import add_field
from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context
from mailroom.db.tables import email_messages, mailings, segments, sending_connections

SEGMENT, OTHER_SEGMENT, CONNECTION, MESSAGE, MAILING = 60478, 60659, 60142, 2381, 35847

BIRTHDAY: dict[str, Any] = {
    "name": "Birth date event",
    "based_on": "date_field",
    "date_field_name": "birth_date",
    "annually_event": True,
    "ongoing_event": True,
    "status": True,
    "segments": [60478],
    "distribution": [{"esp_connection_id": 60142, "domain": "default", "percent": 100}],
    "triggers": [
        {
            "based_on": "list_field",
            "email_messages": [2381],
            "days_diff": 0,
            "operator": "after",
            "schedule_hour": 10,
            "schedule_minute": 30,
        }
    ],
}
RECURRING: dict[str, Any] = {
    "name": "Based on recurring campaign list",
    "based_on": "recurring",
    "status": True,
    "segments": [60478],
    "start_date": "18-02-2018",
    "end_date": "18-03-2018",
    "distribution": [{"esp_connection_id": 60142, "domain": "default", "percent": 100}],
    "triggers": [
        {
            "based_on": "list",
            "email_messages": [2381],
            "operator": "after",
            "schedule_hour": 19,
            "schedule_minute": 45,
            "recurrence": {"pattern": "daily"},
        }
    ],
}
MAILING_EVENT: dict[str, Any] = {
    "name": "Based on mailing",
    "based_on": "mailing",
    "status": True,
    "segments": [60659],
    "mailing_id": 35847,
    "start_date": "2017-12-15",
    "end_date": "2017-12-25",
    "distribution": [{"esp_connection_id": 60142, "domain": "default", "percent": 100}],
    "triggers": [
        {
            "based_on": "mailing",
            "email_messages": [2381],
            "days_diff": 0,
            "operator": "after",
            "email_operator": "not_opened",
            "schedule_hour": 10,
            "schedule_minute": 30,
        }
    ],
}


def example(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(body)
    out.update(changes)
    return out


def seed_documented_ids(ctx: Context, acc: NewAccount, *, port: int = 25) -> None:
    """The documentation's segment, connection, message and mailing ids, and a birth_date field."""
    add_field(ctx, acc, "birth_date", "date", "yyyy-mm-dd")
    add_field(ctx, acc, "first_name", position=2)
    now = ctx.clock.now_ms() // 1000
    everyone = [
        {
            "field_name": "email",
            "type": "email",
            "operator": "notempty",
            "operand": [],
            "case_sensitive": 0,
            "condition": "and",
            "left_parenthesis": 0,
            "right_parenthesis": 0,
        }
    ]
    mine = {"account_id": acc.account_id, "list_id": acc.default_list_id, "created": now}
    with ctx.db.write() as conn:
        conn.execute(
            insert(segments),
            [
                {**mine, "id": SEGMENT, "name": "All", "criteria": everyone, "modified": now},
                {
                    **mine,
                    "id": OTHER_SEGMENT,
                    "name": "All too",
                    "criteria": everyone,
                    "modified": now,
                },
            ],
        )
        conn.execute(
            insert(sending_connections).values(
                id=CONNECTION,
                account_id=acc.account_id,
                name="Loopback",
                host="127.0.0.1",
                port=port,
                from_address="news@sender.test",
                created=now,
            )
        )
        conn.execute(
            insert(email_messages).values(
                **mine,
                id=MESSAGE,
                name="Birthday",
                subject="Happy birthday {{first_name:friend}}",
                html="<p>Hi {{first_name:friend}}</p>",
                text="Hi {{first_name:friend}}",
                modified=now,
            )
        )
        conn.execute(
            insert(mailings).values(
                **mine, id=MAILING, name="Winter", campaign_activity_id="winter-1", status=60004
            )
        )
