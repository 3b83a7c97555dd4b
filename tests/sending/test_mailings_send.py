"""Mailings over the Ongage API, sent for real to an SMTP server on loopback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from conftest import add_field
from mailroom.context import Context
from mailroom.db.tables import contact_mailing_totals, contacts, events, mailings, sends
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


def run_jobs(ctx: Context) -> int:
    ran = 0
    while worker.run_one(ctx, "test-worker"):
        ran += 1
    return ran


def _mailing(client: Any, headers: dict[str, str], **body: Any) -> Any:
    return client.post("/api/mailings", json={"name": "Spring", **body}, headers=headers)


def test_send_now_reaches_every_contact_with_tracking_and_headers(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    handler, port = smtp
    add_field(ctx, account, "first_name")
    people = add_people(
        ctx, account, ["a@x.test", "b@x.test", "c@x.test"], [{"first_name": "Ada"}, {}, {}]
    )
    segment = add_segment(ctx, account)
    add_smtp(ctx, account, port)
    message = add_message(ctx, account)
    made = _mailing(client, ongage_headers, email_message=[message], segments=[segment])
    assert made.status_code == 200, made.text
    mailing = made.json()["payload"]
    assert mailing["status"] == "60001" and mailing["status_desc"] == "New"
    run_jobs(ctx)
    assert sorted(r.recipient for r in handler.received) == ["a@x.test", "b@x.test", "c@x.test"]
    first = handler.to("a@x.test")[0].message()
    assert first["Subject"] == "Hello Ada"
    assert handler.to("b@x.test")[0].message()["Subject"] == "Hello Subscriber"
    assert first["List-Unsubscribe"].startswith("<http://testserver/t/u/")
    assert first["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert first["Message-ID"].endswith("@sender.test>")
    assert first["X-Mailroom-Contact"] == people[0].uid
    assert first["X-Mailroom-Mailing"] == mailing["id"]
    html = first.get_body(("html",)).get_content()
    assert "http://testserver/t/c/" in html and "http://testserver/t/o/" in html
    assert "https://example.com/x" not in html
    assert first.get_body(("plain",)).get_content().strip() == "Hi Ada"
    read = client.get(f"/api/mailings/{mailing['id']}", headers=ongage_headers).json()["payload"]
    assert (read["status"], read["recipients"], read["sent_count"], read["failed_count"]) == (
        "60004",
        "3",
        "3",
        "0",
    )
    with ctx.db.read() as conn:
        totals = conn.execute(select(contact_mailing_totals.c.sends)).scalars().all()
        assert sorted(totals) == [1, 1, 1]
        assert {r.status for r in conn.execute(select(sends))} == {"sent"}
    # a second delivery run finds nothing to do: nothing is sent twice
    assert deliver.deliver(ctx, "again") == 0
    assert len(handler.received) == 3


def test_temporary_refusal_is_retried_after_backoff(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    handler, port = smtp
    refusals = {"a@x.test": 1}

    def rcpt(address: str) -> str | None:
        if refusals.get(address, 0) > 0:
            refusals[address] -= 1
            return "451 4.7.1 try again later"
        return None

    handler.rcpt_reply = rcpt
    add_people(ctx, account, ["a@x.test", "b@x.test"])
    add_smtp(ctx, account, port)
    body = {"email_message": [add_message(ctx, account)], "segments": [add_segment(ctx, account)]}
    assert _mailing(client, ongage_headers, **body).status_code == 200
    run_jobs(ctx)
    assert [r.recipient for r in handler.received] == ["b@x.test"]
    with ctx.db.read() as conn:
        waiting = conn.execute(select(sends).where(sends.c.status == "queued")).one()
    assert waiting.attempts == 1 and waiting.due_ms == ctx.clock.now_ms() + 60_000
    ctx.clock.advance(seconds=30)  # type: ignore[attr-defined]
    assert deliver.deliver(ctx, "w") == 0
    ctx.clock.advance(seconds=31)  # type: ignore[attr-defined]
    automation_minute(ctx)  # the scheduler's minute sees the retry due and enqueues delivery
    run_jobs(ctx)
    assert sorted(r.recipient for r in handler.received) == ["a@x.test", "b@x.test"]


def test_permanent_refusal_is_a_hard_bounce_and_changes_status(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    handler, port = smtp
    handler.rcpt_reply = lambda a: "550 5.1.1 no such user" if a == "gone@x.test" else None
    add_people(ctx, account, ["gone@x.test", "ok@x.test"])
    add_smtp(ctx, account, port)
    body = {"email_message": [add_message(ctx, account)], "segments": [add_segment(ctx, account)]}
    mailing = _mailing(client, ongage_headers, **body).json()["payload"]
    run_jobs(ctx)
    with ctx.db.read() as conn:
        gone = conn.execute(select(contacts).where(contacts.c.email == "gone@x.test")).one()
        bounces = conn.execute(select(events).where(events.c.type == 4)).all()
    assert gone.status == "bounced" and gone.bounce_date is not None
    assert len(bounces) == 1 and bounces[0].details["bounce_type"] == "hard"
    read = client.get(f"/api/mailings/{mailing['id']}", headers=ongage_headers).json()["payload"]
    assert (read["status"], read["sent_count"], read["failed_count"]) == ("60008", "1", "1")


def test_distribution_by_percentage_and_domain(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    handler, port = smtp
    emails = [f"p{i}@x.test" for i in range(1000)] + [f"g{i}@gmail.test" for i in range(50)]
    add_people(ctx, account, emails)
    first = add_smtp(ctx, account, port, name="A")
    second = add_smtp(ctx, account, port, name="B")
    distribution = [
        {"domain": "default", "esp_connection_id": first, "percent": 70},
        {"domain": "default", "esp_connection_id": second, "percent": 30},
        {"domain": "gmail.test", "esps": {str(second): 100}},
    ]
    body = {
        "email_message": [add_message(ctx, account)],
        "segments": [add_segment(ctx, account)],
        "distribution": distribution,
    }
    assert _mailing(client, ongage_headers, **body).status_code == 200
    run_jobs(ctx)
    assert len(handler.received) == 1050
    with ctx.db.read() as conn:
        rows = conn.execute(select(sends.c.connection_id, sends.c.key, sends.c.contact_id)).all()
        by_email = dict(conn.execute(select(contacts.c.id, contacts.c.email)).all())
    plain = [r.connection_id for r in rows if by_email[r.contact_id].endswith("@x.test")]
    gmail = {r.connection_id for r in rows if by_email[r.contact_id].endswith("@gmail.test")}
    share = plain.count(first) / len(plain)
    assert 0.65 <= share <= 0.75, share  # 70% within 5 points over 1,000 sends
    assert gmail == {second}


def test_outbox_connection_writes_eml_files(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], tmp_path: Path
) -> None:
    add_people(ctx, account, ["a@x.test", "b@x.test"])
    made = client.post(
        "/api/esp_connections",
        json={"esp_id": 0, "name": "Outbox", "folder": str(tmp_path), "from_address": "o@x.test"},
        headers=ongage_headers,
    )
    assert made.status_code == 200
    body = {"email_message": [add_message(ctx, account)], "segments": [add_segment(ctx, account)]}
    assert _mailing(client, ongage_headers, **body).status_code == 200
    run_jobs(ctx)
    files = sorted(tmp_path.glob("*.eml"))
    assert len(files) == 2 and b"List-Unsubscribe-Post" in files[0].read_bytes()


def test_register_only_and_bulk_ingest_creating_mailings(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], bearer_headers: Any
) -> None:
    people = add_people(ctx, account, ["a@x.test"])
    registered = _mailing(client, ongage_headers, register_only=True, schedule_date=1767000000)
    assert registered.status_code == 200, registered.text
    row = registered.json()["payload"]
    assert (row["status"], row["status_desc"], row["register_only"]) == ("60004", "Completed", True)
    item = {"type": "em_sends", "contact_id": people[0].uid, "mailing_id": int(row["id"])}
    assert (
        client.post("/mailroom/v1/events", json=[item], headers=bearer_headers).json()["accepted"]
        == 1
    )
    unknown = [
        {"type": "em_sends", "contact_id": people[0].uid, "mailing_id": 987654},
        {"type": "em_opens", "contact_id": people[0].uid, "campaign_activity_id": "c-1"},
    ]
    refused = client.post("/mailroom/v1/events", json=unknown, headers=bearer_headers).json()
    assert refused["accepted"] == 0 and refused["rejected"] == 2
    made = client.post(
        "/mailroom/v1/events?create_mailings=true", json=unknown, headers=bearer_headers
    ).json()
    assert made["accepted"] == 2, made
    assert client.get("/api/mailings/987654", headers=ongage_headers).status_code == 200
    listed = client.get("/api/mailings", headers=ongage_headers).json()
    assert listed["metadata"]["total"] == 3
    newest = client.post(
        "/api/mailings", json={"name": "x", "register_only": True}, headers=ongage_headers
    ).json()["payload"]
    assert int(newest["id"]) > 987654  # the id sequence moved past the registered id


def test_created_mailings_leave_other_accounts_ids_and_the_id_sequence_alone(
    client: Any, ctx: Context, account: Any, other_account: Any, bearer_headers: Any
) -> None:
    """Another account's campaign_activity_id, or an id that would take the sequence to its
    end, stays an unknown mailing (the item is rejected), never a server error."""
    mine = add_people(ctx, account, ["a@x.test"])[0].uid
    theirs = add_people(ctx, other_account, ["b@x.test"])[0].uid
    other_headers = {"Authorization": f"Bearer {other_account.token}"}
    url = "/mailroom/v1/events?create_mailings=true"
    first = [{"type": "em_sends", "contact_id": mine, "campaign_activity_id": "shared-1"}]
    assert client.post(url, json=first, headers=bearer_headers).json()["accepted"] == 1
    items = [
        {"type": "em_sends", "contact_id": theirs, "campaign_activity_id": "shared-1"},
        {"type": "em_sends", "contact_id": theirs, "mailing_id": 2**63 - 1},
        {"type": "em_sends", "contact_id": theirs, "mailing_id": 2**31},
        {"type": "em_sends", "contact_id": theirs, "campaign_activity_id": "theirs-1"},
    ]
    answer = client.post(url, json=items, headers=other_headers)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["accepted"], answer.json()["rejected"]) == (1, 3)
    with ctx.db.read() as conn:
        ids = sorted(conn.execute(select(mailings.c.id)).scalars())
    assert ids[-1] < 2**31  # the sequence keeps its room for every account's next mailings


def test_mailing_412s_and_cancel(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    _, port = smtp
    for body, field in (
        ({"segments": [1]}, "email_message"),
        ({"email_message": [1]}, "segments"),
        ({"name": "", "register_only": True}, "name"),
        ({"email_message": ["x"], "segments": [1]}, "email_message"),
        ({"email_message": [999], "segments": [1]}, "email_message"),
        ({"email_message": [2**70], "segments": [1]}, "email_message"),  # beyond any id
        ({"email_message": [1], "segments": [2**70]}, "segments"),
        ({"email_message": [1], "segments": [999]}, "segments"),
        ({"email_message": [1], "segments": [1], "register_only": "yes"}, "register_only"),
        ({"register_only": [], "name": "x"}, "register_only"),
        ({"register_only": True, "schedule_date": "soon"}, "schedule_date"),
        ({"register_only": True, "schedule_date": 2**70}, "schedule_date"),
        (
            {"register_only": True, "distribution": [{"domain": "default"}]},
            "distribution[0].esp_connection_id",
        ),
    ):
        answer = client.post("/api/mailings", json={"name": "n", **body}, headers=ongage_headers)
        assert answer.status_code == 412, body
        assert field in {e["field"] for e in answer.json()["payload"]["errors"]}, answer.text
    add_people(ctx, account, ["a@x.test"])
    add_smtp(ctx, account, port)
    body = {
        "email_message": [add_message(ctx, account)],
        "segments": [add_segment(ctx, account)],
        "schedule_date": ctx.clock.now_ms() // 1000 + 3600,
    }
    mailing = _mailing(client, ongage_headers, **body).json()["payload"]
    assert mailing["status"] == "60002"
    cancelled = client.put(f"/api/mailings/{mailing['id']}/cancel", headers=ongage_headers)
    assert cancelled.json()["payload"]["status"] == "60006"
    ctx.clock.advance(seconds=3601)  # type: ignore[attr-defined]
    run_jobs(ctx)
    with ctx.db.read() as conn:
        assert conn.execute(select(sends)).all() == []
    again = client.put(f"/api/mailings/{mailing['id']}/pause", headers=ongage_headers)
    assert again.status_code == 409


def test_pipelined_exchange_handles_refusals_and_success(
    client: Any,
    ctx: Context,
    account: Any,
    ongage_headers: dict[str, str],
    smtp: Any,
    monkeypatch: Any,
) -> None:
    """With PIPELINING (aiosmtpd reads pipelined commands but does not offer it: forced here)."""
    import smtplib

    offered = smtplib.SMTP.has_extn
    monkeypatch.setattr(
        smtplib.SMTP, "has_extn", lambda self, name: name == "pipelining" or offered(self, name)
    )
    handler, port = smtp
    replies = {"later@x.test": "451 4.3.0 busy", "gone@x.test": "550 5.1.1 unknown user"}
    handler.rcpt_reply = replies.get
    add_people(ctx, account, ["ok@x.test", "later@x.test", "gone@x.test", "ok2@x.test"])
    add_smtp(ctx, account, port)
    body = {"email_message": [add_message(ctx, account)], "segments": [add_segment(ctx, account)]}
    assert _mailing(client, ongage_headers, **body).status_code == 200
    run_jobs(ctx)
    assert sorted(r.recipient for r in handler.received) == ["ok2@x.test", "ok@x.test"]
    with ctx.db.read() as conn:
        by_email = dict(
            conn.execute(
                select(contacts.c.email, sends.c.status).join(
                    contacts, contacts.c.id == sends.c.contact_id
                )
            ).all()
        )
    assert by_email == {
        "ok@x.test": "sent",
        "ok2@x.test": "sent",
        "later@x.test": "queued",
        "gone@x.test": "bounced",
    }


def test_a_mailing_started_after_the_minutes_delivery_ran_is_sent_that_minute(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str], smtp: Any
) -> None:
    """Delivery jobs are not one per minute: a mailing started after this minute's delivery
    job finished gets a job of its own (the clock does not move in this test)."""
    handler, port = smtp
    add_people(ctx, account, ["a@x.test", "b@x.test"])
    segment = add_segment(ctx, account)
    add_smtp(ctx, account, port)
    message = add_message(ctx, account)
    first = _mailing(client, ongage_headers, email_message=[message], segments=[segment])
    assert first.status_code == 200, first.text
    run_jobs(ctx)
    assert len(handler.received) == 2
    second = _mailing(client, ongage_headers, email_message=[message], segments=[segment])
    assert second.status_code == 200, second.text
    run_jobs(ctx)
    assert len(handler.received) == 4


def test_a_segment_of_another_list_is_refused_for_a_mailing_and_an_event(
    client: Any, ctx: Context, account: Any, ongage_headers: dict[str, str]
) -> None:
    """A mailing or an event reaches its own list's contacts only, as a nested segment does."""
    other = client.post("/api/lists", json={"name": "Second"}, headers=ongage_headers)
    other_list = int(other.json()["payload"]["id"])
    everyone = [{"field_name": "email", "operator": "notempty", "operand": []}]
    theirs = client.post(
        f"/{other_list}/api/segments",
        json={"name": "Theirs", "criteria": everyone},
        headers=ongage_headers,
    ).json()["payload"]["id"]
    add_smtp(ctx, account, 2525)  # never reached: no job runs
    body = {"email_message": [add_message(ctx, account)], "segments": [add_segment(ctx, account)]}
    for key in ("segments", "segments_excluded"):
        answer = _mailing(client, ongage_headers, **{**body, key: [int(theirs)]})
        assert answer.status_code == 412, answer.text
        errors = answer.json()["payload"]["errors"]
        assert [e["field"] for e in errors] == [key], errors
        assert "another list" in errors[0]["message"]
    event = {
        "name": "Daily",
        "based_on": "recurring",
        "ongoing_event": True,
        "segments": [int(theirs)],
        "triggers": [
            {
                "based_on": "list",
                "email_messages": body["email_message"],
                "schedule_hour": 9,
                "schedule_minute": 0,
                "recurrence": {"pattern": "daily"},
            }
        ],
    }
    refused = client.post("/api/events", json=event, headers=ongage_headers)
    assert refused.status_code == 412
    assert (
        "another list"
        in {e["field"]: e["message"] for e in refused.json()["payload"]["errors"]}["segments"]
    )
    with ctx.db.read() as conn:
        assert conn.execute(select(sends)).all() == []
    mine = client.post(
        f"/{other_list}/api/mailings",
        json={"name": "Theirs", **body, "segments": [int(theirs)]},
        headers=ongage_headers,
    )
    assert mine.status_code == 200, mine.text  # in its own list's mailing it is fine


def test_a_claimed_batch_stops_when_its_mailing_is_paused_or_cancelled_or_time_is_up(
    client: Any,
    ctx: Context,
    account: Any,
    ongage_headers: dict[str, str],
    smtp: Any,
    monkeypatch: Any,
) -> None:
    """Between two messages a batch reads its mailings' status (at most once a second): a
    pause sends the rest back to wait for resume, a cancel drops them; a delivery job whose
    time is up hands the rest to the next job."""
    import time

    from mailroom.sending import campaigns
    from mailroom.sending import repository as sending_repository

    handler, port = smtp
    add_people(ctx, account, ["a@x.test", "b@x.test", "c@x.test"])
    add_smtp(ctx, account, port)
    body = {"email_message": [add_message(ctx, account)], "segments": [add_segment(ctx, account)]}

    def claimed_batch() -> tuple[str, list[Any]]:
        mailing = _mailing(client, ongage_headers, **body).json()["payload"]["id"]
        with monkeypatch.context() as m:  # start it (claims), deliver nothing yet
            m.setattr(deliver, "deliver", lambda *args, **kwargs: 0)
            m.setattr(sending_repository, "anything_due", lambda *args: False)
            run_jobs(ctx)
        return mailing, deliver._claim_rows(ctx, "test-worker", 100)

    def send(rows: list[Any], deadline: float | None = None) -> None:
        pool = deliver.Pool(lanes=2)
        try:
            deliver._send_rows(ctx, pool, rows, deadline)
        finally:
            pool.close()

    def statuses(mailing: str) -> list[str]:
        with ctx.db.read() as conn:
            query = select(sends.c.status).where(sends.c.mailing_id == int(mailing))
            return sorted(conn.execute(query).scalars())

    paused, rows = claimed_batch()
    assert len(rows) == 3
    client.put(f"/api/mailings/{paused}/pause", headers=ongage_headers)
    send(rows)
    assert handler.received == [] and statuses(paused) == ["queued"] * 3
    with ctx.db.read() as conn:  # they wait for resume: no delivery job runs for them meanwhile
        assert not sending_repository.anything_due(conn, ctx.clock.now_ms())
    client.put(f"/api/mailings/{paused}/resume", headers=ongage_headers)
    run_jobs(ctx)
    assert len(handler.received) == 3 and statuses(paused) == ["sent"] * 3

    cancelled, rows = claimed_batch()
    client.put(f"/api/mailings/{cancelled}/cancel", headers=ongage_headers)
    send(rows)
    assert len(handler.received) == 3 and statuses(cancelled) == ["skipped"] * 3
    read = client.get(f"/api/mailings/{cancelled}", headers=ongage_headers).json()["payload"]
    assert (read["status"], read["sent_count"], read["failed_count"]) == ("60006", "0", "0")

    late, rows = claimed_batch()
    send(rows, deadline=time.monotonic() - 1)
    assert len(handler.received) == 3 and statuses(late) == ["queued"] * 3
    with ctx.db.write() as conn:  # what the job whose time was up queues: the next one
        campaigns.enqueue_delivery(conn, ctx.clock)
    run_jobs(ctx)
    assert len(handler.received) == 6 and statuses(late) == ["sent"] * 3
