"""The Events API: the documentation's three examples as written, reads, updates, the toggle,
and every documented rule refused with a 412 naming its field."""

from __future__ import annotations

from typing import Any

import pytest
from automation_support import (
    BIRTHDAY,
    MAILING_EVENT,
    RECURRING,
    example,
    seed_documented_ids,
)


@pytest.fixture
def documented(ctx: Any, account: Any) -> None:
    seed_documented_ids(ctx, account)


@pytest.mark.parametrize(
    "body", [BIRTHDAY, RECURRING, MAILING_EVENT], ids=["birthday", "recurring", "mailing"]
)
def test_documented_examples_are_accepted(
    client: Any, ongage_headers: dict[str, str], documented: None, body: dict[str, Any]
) -> None:
    made = client.post("/api/events", json=body, headers=ongage_headers)
    assert made.status_code == 200, made.text
    event = made.json()["payload"]
    assert event["name"] == body["name"] and event["based_on"] == body["based_on"]
    assert event["status"] is True and event["segments"] == [str(s) for s in body["segments"]]
    trigger = event["triggers"][0]
    assert trigger["position"] == 1 and trigger["email_messages"] == ["2381"]
    assert trigger["schedule_hour"] == body["triggers"][0]["schedule_hour"]
    assert event["id"].isdigit() and event["created"].isdigit()
    got = client.get(f"/api/events/{event['id']}", headers=ongage_headers).json()["payload"]
    assert got == event


def test_dates_in_both_spellings_end_inclusive(
    client: Any, ongage_headers: dict[str, str], documented: None
) -> None:
    event = client.post("/api/events", json=RECURRING, headers=ongage_headers).json()["payload"]
    assert event["start_date"] == "1518912000"  # 2018-02-18T00:00:00Z (account zone UTC)
    assert event["end_date"] == str(1521331200 + 86_399)  # the whole of 18 March 2018
    other = client.post("/api/events", json=MAILING_EVENT, headers=ongage_headers).json()["payload"]
    assert other["start_date"] == "1513296000"  # 2017-12-15
    last = client.post(
        "/api/events", json={**RECURRING, "end_date": "9999-12-31"}, headers=ongage_headers
    )
    assert last.status_code == 200, last.text
    assert last.json()["payload"]["end_date"] == "253402300799"  # the calendar's last second


def test_slips_every_trigger_labelled_list_field_and_reccurance(
    client: Any, ongage_headers: dict[str, str], documented: None
) -> None:
    trigger = {k: v for k, v in RECURRING["triggers"][0].items() if k != "recurrence"}
    body = example(
        RECURRING,
        triggers=[{**trigger, "based_on": "list_field", "reccurance": {"pattern": "daily"}}],
    )
    made = client.post("/api/events", json=body, headers=ongage_headers)
    assert made.status_code == 200, made.text
    assert made.json()["payload"]["triggers"][0]["based_on"] == "list"
    mailing_trigger = {**MAILING_EVENT["triggers"][0], "based_on": "list_field"}
    chained = {**mailing_trigger, "based_on_trigger": 1, "days_diff": 3}
    body = example(MAILING_EVENT, triggers=[mailing_trigger, chained])
    made = client.post("/api/events", json=body, headers=ongage_headers)
    assert made.status_code == 200, made.text
    kinds = [t["based_on"] for t in made.json()["payload"]["triggers"]]
    assert kinds == ["mailing", "trigger"]
    assert made.json()["payload"]["triggers"][1]["based_on_trigger"] == 1


def test_collection_update_toggle_delete(
    client: Any, ctx: Any, ongage_headers: dict[str, str], documented: None
) -> None:
    first = client.post("/api/events", json=BIRTHDAY, headers=ongage_headers).json()["payload"]
    client.post("/api/events", json=RECURRING, headers=ongage_headers)
    listed = client.get("/api/events?sort=name&order=DESC", headers=ongage_headers).json()
    assert listed["metadata"]["total"] == 2
    assert [e["name"] for e in listed["payload"]] == [BIRTHDAY["name"], RECURRING["name"]]
    named = client.get("/api/events?name=Birth", headers=ongage_headers).json()
    assert [e["id"] for e in named["payload"]] == [first["id"]]
    path = f"/api/events/{first['id']}"
    changed = client.put(
        path,
        json={
            "name": "Birthdays",
            "description": "d",
            "emails_limit": 500,
            "esp_connections_quota": [{"esp_connection_id": 60142, "quota": 100}],
        },
        headers=ongage_headers,
    )
    assert changed.status_code == 200, changed.text
    body = changed.json()["payload"]
    assert (body["name"], body["emails_limit"]) == ("Birthdays", 500)
    assert body["esp_connections_quota"] == [{"esp_connection_id": 60142, "quota": 100}]
    off = client.put(f"{path}/status", headers=ongage_headers).json()["payload"]
    assert off["status"] is False
    on = client.put(f"{path}/status", headers=ongage_headers).json()["payload"]
    assert on["status"] is True
    assert client.delete(path, headers=ongage_headers).status_code == 200
    assert client.get(path, headers=ongage_headers).status_code == 404
    assert client.get("/api/events/abc", headers=ongage_headers).status_code == 404


def _trigger(body: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return example(body, triggers=[{**body["triggers"][0], **changes}])


def _without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != key}


def _trigger_without(body: dict[str, Any], key: str) -> dict[str, Any]:
    return example(body, triggers=[{k: v for k, v in body["triggers"][0].items() if k != key}])


CHAINED = {**MAILING_EVENT["triggers"][0], "based_on": "trigger", "based_on_trigger": 1}

REFUSED = [
    (_without(BIRTHDAY, "name"), "name"),
    (example(BIRTHDAY, based_on="weekly"), "based_on"),
    (_without(BIRTHDAY, "status"), "status"),
    (example(BIRTHDAY, status="yes"), "status"),
    (_without(MAILING_EVENT, "mailing_id"), "mailing_id"),
    (example(MAILING_EVENT, mailing_id=999), "mailing_id"),
    (example(MAILING_EVENT, mailing_id=2**70), "mailing_id"),  # beyond any id column
    (_trigger(BIRTHDAY, email_messages=[2**70]), "triggers[0].email_messages"),
    (example(BIRTHDAY, date_field_name=""), "date_field_name"),
    (example(BIRTHDAY, date_field_name="first_name"), "date_field_name"),
    (example(BIRTHDAY, date_field_name="nope"), "date_field_name"),
    (example(RECURRING, annually_event=True), "annually_event"),
    (example(BIRTHDAY, ongoing_event=False), "start_date"),
    (_without(RECURRING, "end_date"), "end_date"),
    (example(RECURRING, start_date="2018-31-02"), "start_date"),
    (example(RECURRING, end_date="17-02-2018"), "end_date"),
    (example(RECURRING, end_date=1e300), "end_date"),
    (example(RECURRING, end_date="99999999999999999999999"), "end_date"),
    (example(RECURRING, start_date=99999999999999999999999), "start_date"),
    (_without(BIRTHDAY, "segments"), "segments"),
    (example(BIRTHDAY, segments=[1]), "segments"),
    (example(BIRTHDAY, segments_excluded=["x"]), "segments_excluded"),
    (_without(BIRTHDAY, "distribution"), "distribution"),
    (
        example(BIRTHDAY, distribution=[{"domain": "default", "percent": 100}]),
        "distribution[0].esp_connection_id",
    ),
    (
        example(
            BIRTHDAY, distribution=[{"domain": "default", "esp_connection_id": 5, "percent": 100}]
        ),
        "distribution[0].esp_connection_id",
    ),
    (
        example(
            BIRTHDAY,
            distribution=[{"domain": "default", "esp_connection_id": 60142, "percent": 60}],
        ),
        "distribution",
    ),
    (
        example(
            BIRTHDAY,
            distribution=[
                {"domain": "default", "esp_connection_id": 60142, "percent": 100},
                {"domain": "gmail.com"},
            ],
        ),
        "distribution[1].esps",
    ),
    *(
        (
            example(
                BIRTHDAY,
                distribution=[{"domain": "default", "esp_connection_id": bad, "percent": 100}],
            ),
            "distribution[0].esp_connection_id",
        )
        for bad in (60142.5, 1e23, "99999999999999999999999")
    ),
    (_without(BIRTHDAY, "triggers"), "triggers"),
    (example(BIRTHDAY, triggers=[]), "triggers"),
    (_trigger(BIRTHDAY, based_on="weekly"), "triggers[0].based_on"),
    (_trigger(BIRTHDAY, based_on="list"), "triggers[0].based_on"),
    (_trigger_without(BIRTHDAY, "email_messages"), "triggers[0].email_messages"),
    (_trigger(BIRTHDAY, email_messages=[1]), "triggers[0].email_messages"),
    (_trigger_without(BIRTHDAY, "days_diff"), "triggers[0].days_diff"),
    (_trigger(BIRTHDAY, days_diff=-1), "triggers[0].days_diff"),
    (_trigger(BIRTHDAY, send_on_days=["Monday"]), "triggers[0].send_on_days"),
    (_trigger(BIRTHDAY, operator="during"), "triggers[0].operator"),
    (_trigger(BIRTHDAY, schedule_hour=24), "triggers[0].schedule_hour"),
    (_trigger_without(BIRTHDAY, "schedule_minute"), "triggers[0].schedule_minute"),
    (_trigger(BIRTHDAY, schedule_minute=60), "triggers[0].schedule_minute"),
    (_trigger(MAILING_EVENT, email_operator="bounced"), "triggers[0].email_operator"),
    (_trigger_without(MAILING_EVENT, "email_operator"), "triggers[0].email_operator"),
    (_trigger(MAILING_EVENT, operator="before"), "triggers[0].operator"),
    (example(MAILING_EVENT, triggers=[CHAINED]), "triggers[0].based_on_trigger"),
    (
        example(
            MAILING_EVENT,
            triggers=[MAILING_EVENT["triggers"][0], {**CHAINED, "based_on_trigger": 2}],
        ),
        "triggers[1].based_on_trigger",
    ),
    (
        example(
            MAILING_EVENT,
            triggers=[MAILING_EVENT["triggers"][0], {**CHAINED, "based_on_trigger": None}],
        ),
        "triggers[1].based_on_trigger",
    ),
    (_trigger(RECURRING, recurrence={"pattern": "weekly"}), "triggers[0].recurrence"),
    (_trigger_without(RECURRING, "recurrence"), "triggers[0].recurrence"),
    (example(BIRTHDAY, emails_limit=-5), "emails_limit"),
    (
        example(BIRTHDAY, esp_connections_quota=[{"esp_connection_id": 1, "quota": 5}]),
        "esp_connections_quota[0].esp_connection_id",
    ),
    (example(BIRTHDAY, esp_connections_quota={"a": 1}), "esp_connections_quota"),
]


@pytest.mark.parametrize(
    ("body", "field"), REFUSED, ids=[f"{i}-{f}" for i, (_, f) in enumerate(REFUSED)]
)
def test_every_rule_is_a_412_naming_the_field(
    client: Any, ongage_headers: dict[str, str], documented: None, body: dict[str, Any], field: str
) -> None:
    answer = client.post("/api/events", json=body, headers=ongage_headers)
    assert answer.status_code == 412, answer.text
    payload = answer.json()["payload"]
    assert field in {e["field"] for e in payload["errors"]}, payload
    assert answer.json()["metadata"]["error"] is True and payload["code"] == 412


def test_update_refuses_keys_ongage_does_not_let_change(
    client: Any, ongage_headers: dict[str, str], documented: None
) -> None:
    event = client.post("/api/events", json=BIRTHDAY, headers=ongage_headers).json()["payload"]
    for body, field in (
        ({"triggers": []}, "triggers"),
        ({"name": ""}, "name"),
        ({"emails_limit": "many"}, "emails_limit"),
    ):
        answer = client.put(f"/api/events/{event['id']}", json=body, headers=ongage_headers)
        assert answer.status_code == 412
        assert field in {e["field"] for e in answer.json()["payload"]["errors"]}


def test_a_new_event_never_takes_a_deleted_events_ids(
    client: Any, ongage_headers: dict[str, str], documented: None
) -> None:
    """A deleted trigger's id lives on in its sends' keys and its mailing: a new trigger given
    it again would find its sends already claimed and send nothing."""
    first = client.post("/api/events", json=RECURRING, headers=ongage_headers).json()["payload"]
    assert client.delete(f"/api/events/{first['id']}", headers=ongage_headers).status_code == 200
    second = client.post("/api/events", json=RECURRING, headers=ongage_headers).json()["payload"]
    assert int(second["triggers"][0]["id"]) > int(first["triggers"][0]["id"])
