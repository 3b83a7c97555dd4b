"""The three request examples of Ongage's Contact Activity page, sent as the vendor wrote them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from report_seed import add_people, history
from tests.conftest import add_field

import mailroom.reports.jobs  # noqa: F401 (registers the report job)
from mailroom.accounts.schemas import NewAccount
from mailroom.context import Context
from mailroom.jobs import worker

BASE = "/api/contact_activity"
SEED_FIELDS = [
    "email", "ocx_created_date", "ocx_status", "sent", "opens", "clicks",
    "ocx_unsubscribe_date", "ocx_resubscribe_date", "ocx_bounce_date", "ocx_complaint_date",
    "last_sent_date", "last_open_date",
]  # fmt: skip

# The campaign example exactly as the page prints it (comments and a stray comma included).
CAMPAIGN_AS_PRINTED = "\n".join(
    [
        "{",
        '   "title":"Belongs to Segment Id: 1234567890",\t//'
        " Use Campaign ID for which you want to generate report",
        '   "include_behavior":true,',
        '   "filters":{',
        '      "criteria":[',
        "         {",
        '            "field_name":"sent",',
        '            "type":"behavioral",',
        '            "operator":"=",',
        '            "operand":{',
        '\t\t\t\t"mailing_ids":[',
        '               \t\t"MAILING" \t// Use Campaign ID for which you want to generate report',
        "            ],",
        "\t\t\t}",
        '            "case_sensitive":0,',
        '            "condition":"and"',
        "         }",
        "      ],",
        '      "user_type":"all",',
        '      "from_date":1593118800,',
        '      "to_date":1595883599',
        "   },",
        '   "combined_as_and":true,',
        '   "selected_fields":["email","sent","opens","clicks"]',
        "}",
    ]
)


@pytest.fixture
def setup(ctx: Context, account: NewAccount) -> dict[str, Any]:
    add_field(ctx, account, "last_name")
    people = add_people(ctx, account)
    return {"people": people, "mailing": history(ctx, account, people)}


def run(client: Any, ctx: Context, headers: dict[str, str], body: Any) -> list[dict[str, Any]]:
    response = client.post(BASE, json=body, headers=headers)
    assert response.status_code == 200, response.text
    created = response.json()["payload"]
    assert created["status"] == 1
    while worker.run_one(ctx, "w"):
        pass
    report = client.get(f"{BASE}/{created['id']}", headers=headers).json()["payload"]
    assert report["status"] == 2, report
    result = client.get(f"{BASE}/{created['id']}/result", headers=headers).json()
    rows: list[dict[str, Any]] = result["payload"]
    assert result["metadata"]["total"] == len(rows)
    return rows


def test_active_gmail_contacts(
    client: Any, ctx: Context, ongage_headers: dict[str, str], setup: dict[str, Any]
) -> None:
    body = {
        "title": "Active gmail contacts",
        "selected_fields": ["email", "ocx_status", "opens", "clicks"],
        "filters": {
            "criteria": [
                {
                    "type": "email",
                    "field_name": "email",
                    "operator": "_LIKE",
                    "operand": ["gmail.com"],
                    "case_sensitive": 0,
                    "condition": "and",
                }
            ],
            "user_type": "active",
        },
    }
    rows = run(client, ctx, ongage_headers, body)
    assert rows == [  # c2 is gmail but bounced; no window: all time
        {"email": "c0@gmail.com", "ocx_status": "Active", "opens": 2, "clicks": 1},
        {"email": "c4@gmail.com", "ocx_status": "Active", "opens": 0, "clicks": 0},
    ]


def test_contact_activity_for_a_segment_for_one_month(
    client: Any, ctx: Context, ongage_headers: dict[str, str], setup: dict[str, Any]
) -> None:
    criteria = [{"field_name": "email", "type": "email", "operator": "LIKE",
                 "operand": ["example.org"], "case_sensitive": 0, "condition": "and"}]  # fmt: skip
    segment = client.post(
        "/api/segments", json={"name": "Example", "criteria": criteria}, headers=ongage_headers
    )
    assert segment.status_code == 200, segment.text
    segment_id = segment.json()["payload"]["id"]
    body = {
        "title": f"Belongs to Segment Id: {segment_id}",
        "include_behavior": True,
        "filters": {
            "criteria": [
                {
                    "field_name": "segment",
                    "type": "segment",
                    "operator": "=",
                    "operand": [segment_id],
                    "case_sensitive": 0,
                    "condition": "and",
                }
            ],
            "user_type": "all",
            "from_date": 1593118800,
            "to_date": 1595883599,
        },
        "combined_as_and": True,
        "selected_fields": SEED_FIELDS,
    }
    rows = run(client, ctx, ongage_headers, body)
    assert [r["email"] for r in rows] == ["c1@example.org", "c3@example.org"]
    assert all(list(r) == SEED_FIELDS for r in rows)
    assert all((r["sent"], r["opens"], r["last_sent_date"]) == (0, 0, None) for r in rows)  # 2020
    c3 = rows[1]
    assert c3["ocx_status"] == "Unsubscribed" and c3["ocx_unsubscribe_date"] is not None

    # The same report over the last 60 days counts the segment's activity.
    now_s = ctx.clock.now_ms() // 1000
    body["filters"].update(from_date=now_s - 60 * 86_400, to_date=now_s)
    recent = run(client, ctx, ongage_headers, body)
    assert [(r["email"], r["sent"]) for r in recent] == [
        ("c1@example.org", 2),
        ("c3@example.org", 1),
    ]


def test_contact_activity_for_a_campaign(
    client: Any, ctx: Context, ongage_headers: dict[str, str], setup: dict[str, Any]
) -> None:
    printed = CAMPAIGN_AS_PRINTED.replace("MAILING", str(setup["mailing"]))
    headers = {**ongage_headers, "Content-Type": "application/json"}
    refused = client.post(BASE, content=printed.encode(), headers=headers)
    assert refused.status_code == 400
    assert "Invalid JSON" in refused.json()["payload"]["message"]

    lines = [line.split("\t//")[0].split(" \t//")[0].rstrip() for line in printed.splitlines()]
    fixed = "\n".join(lines).replace("],\n\t\t\t}", "]\n\t\t\t},")
    body = json.loads(fixed)
    rows = run(client, ctx, ongage_headers, body)
    assert [r["email"] for r in rows] == [
        "c0@gmail.com",
        "c1@example.org",
        "c2@gmail.com",
        "c3@example.org",
    ]  # fmt: skip (everyone the mailing was sent to)
