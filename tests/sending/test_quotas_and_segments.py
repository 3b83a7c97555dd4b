"""An event's `esp_connections_quota` caps its messages a day through a connection; a message's
`{{ocx_segment_id}}` names the included segment its recipient was chosen through, and
`{{ocx_all_segments}}` every segment the mailing or event includes."""

from __future__ import annotations

import sys
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from quota_support import event_with_quota
from sqlalchemy import select

from conftest import add_field
from mailroom.context import Context
from mailroom.db.tables import sends
from mailroom.jobs import worker
from mailroom.sending import deliver
from mailroom.sending import jobs as sending_jobs  # noqa: F401 - registers the handlers
from mailroom.sending.jobs import automation_minute
from smtp_sink import (
    add_message,
    add_people,
    add_segment,
    add_smtp,
    smtp_fixture,  # noqa: F401 (fixture)
)

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "automation"))
from automation_support import (
    OTHER_SEGMENT,
    RECURRING,
    SEGMENT,
    example,
    seed_documented_ids,
)


def ts(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("UTC")).timestamp())


def run_at(ctx: Context, text: str) -> None:
    ctx.clock.set(ts(text) * 1000)  # type: ignore[attr-defined]
    automation_minute(ctx)
    deliver.deliver(ctx, "worker")


def sent_per_day(ctx: Context) -> Counter[str]:
    with ctx.db.read() as conn:
        rows = conn.execute(select(sends.c.sent_ms).where(sends.c.status == "sent")).scalars()
        return Counter(
            datetime.fromtimestamp(ms / 1000, ZoneInfo("UTC")).date().isoformat() for ms in rows
        )


def test_event_connection_quota_caps_each_day_and_defers_the_rest(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    handler, port = smtp
    seed_documented_ids(ctx, account, port=port)
    add_people(ctx, account, [f"q{i}@x.test" for i in range(5)])
    event_with_quota(client, ongage_headers, 3)
    run_at(ctx, "2026-01-01T20:00:00")
    assert len(handler.received) == 3
    with ctx.db.read() as conn:
        waiting = conn.execute(select(sends.c.due_ms).where(sends.c.status == "queued")).all()
    assert [due for (due,) in waiting] == [ts("2026-01-02T00:00:00") * 1000] * 2
    run_at(ctx, "2026-01-02T20:00:00")  # 2 deferred + 5 new: 3 go today
    run_at(ctx, "2026-01-03T20:00:00")
    assert sent_per_day(ctx) == {"2026-01-01": 3, "2026-01-02": 3, "2026-01-03": 3}
    # the quota is the event's: a mailing through the same connection is not held by it
    made = client.post(
        "/api/mailings",
        json={"name": "Now", "email_message": [2381], "segments": [60478]},
        headers=ongage_headers,
    )
    assert made.status_code == 200, made.text
    while worker.run_one(ctx, "test-worker"):
        pass
    deliver.deliver(ctx, "worker")
    assert sent_per_day(ctx)["2026-01-03"] == 3 + 5


def test_ocx_segment_id_is_the_segment_the_recipient_came_through(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    handler, port = smtp
    add_field(ctx, account, "first_name")
    add_people(ctx, account, ["a@one.test", "b@two.test", "c@one.test"])

    def like(domain: str) -> list[dict[str, Any]]:
        return [{"field_name": "email", "type": "email", "operator": "_LIKE", "operand": [domain]}]

    one, two = (
        add_segment(ctx, account, like("@one.test")),
        add_segment(ctx, account, like("@two.test")),
    )
    add_smtp(ctx, account, port)
    message = add_message(
        ctx,
        account,
        subject="From {{ocx_segment_id}}",
        content_html="<p>segment {{ocx_segment_id}}</p>",
        content_text="segment {{ocx_segment_id}}",
    )
    body = {"name": "Two", "email_message": [message], "segments": [two, one]}
    assert client.post("/api/mailings", json=body, headers=ongage_headers).status_code == 200
    while worker.run_one(ctx, "test-worker"):
        pass
    subjects = {r.recipient: r.message()["Subject"] for r in handler.received}
    assert subjects == {
        "a@one.test": f"From {one}",
        "b@two.test": f"From {two}",
        "c@one.test": f"From {one}",
    }
    text = handler.to("b@two.test")[0].message().get_body(("plain",)).get_content()
    assert text.strip() == f"segment {two}"


def test_ocx_all_segments_lists_the_mailings_included_segments(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    handler, port = smtp
    add_people(ctx, account, ["a@one.test", "b@two.test"])

    def like(domain: str) -> list[dict[str, Any]]:
        return [{"field_name": "email", "type": "email", "operator": "_LIKE", "operand": [domain]}]

    one, two, nobody = (
        add_segment(ctx, account, like("@one.test")),
        add_segment(ctx, account, like("@two.test")),
        add_segment(ctx, account, like("@none.test")),
    )
    add_smtp(ctx, account, port)
    message = add_message(
        ctx,
        account,
        subject="In {{ocx_all_segments}}",
        content_html="<p>{{ocx_all_segments}}</p>",
        content_text="all {{ocx_all_segments}} via {{ocx_segment_id}}",
    )
    body = {
        "name": "Three",
        "email_message": [message],
        "segments": [two, nobody, one],
        "segments_excluded": [add_segment(ctx, account, like("@elsewhere.test"))],
    }
    assert client.post("/api/mailings", json=body, headers=ongage_headers).status_code == 200
    while worker.run_one(ctx, "test-worker"):
        pass
    listed = f"{two},{nobody},{one}"  # the included ones, in the mailing's order
    assert {r.recipient: r.message()["Subject"] for r in handler.received} == {
        "a@one.test": f"In {listed}",
        "b@two.test": f"In {listed}",
    }
    text = handler.to("a@one.test")[0].message().get_body(("plain",)).get_content()
    assert text.strip() == f"all {listed} via {one}"


def test_ocx_all_segments_of_an_automated_send_are_the_events(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    handler, port = smtp
    seed_documented_ids(ctx, account, port=port)
    add_people(ctx, account, ["e@x.test"])
    message = add_message(ctx, account, subject="Event {{ocx_all_segments}}")
    trigger = {**RECURRING["triggers"][0], "email_messages": [message]}
    body = example(
        RECURRING,
        segments=[OTHER_SEGMENT, SEGMENT],
        start_date="01-01-2026",
        end_date="2026-01-31",
        triggers=[trigger],
    )
    made = client.post("/api/events", json=body, headers=ongage_headers)
    assert made.status_code == 200, made.text
    run_at(ctx, "2026-01-01T20:00:00")
    assert [r.message()["Subject"] for r in handler.received] == [
        f"Event {OTHER_SEGMENT},{SEGMENT}"
    ]
