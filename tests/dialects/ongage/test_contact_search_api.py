"""Ongage Contact Search over HTTP: create, poll, result, export, collection, delete."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from test_segments_api import setup_list

from mailroom.context import Context
from mailroom.jobs import worker
from mailroom.reports import jobs as report_jobs
from mailroom.reports import search

GMAIL = {"field_name": "email", "type": "email", "operator": "_LIKE", "operand": ["gmail.com"],
         "case_sensitive": 0, "condition": "and"}  # fmt: skip


def run_jobs(ctx: Context) -> int:
    ran = 0
    handlers = {search.JOB: report_jobs.run_search}
    while worker.run_one(ctx, "test", handlers):
        ran += 1
    return ran


def start(client: Any, headers: dict[str, str], **body: Any) -> dict[str, Any]:
    response = client.post("/api/contact_search", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json()["payload"])


def test_search_flow(client: Any, ongage_headers: dict[str, str], ctx: Context) -> None:
    setup_list(client, ongage_headers)
    created = start(
        client, ongage_headers, title="gmail", filters={"criteria": [GMAIL], "user_type": "all"}
    )
    assert (created["status"], created["status_desc"]) == (1, "Pending")
    path = f"/api/contact_search/{created['id']}"
    pending = client.get(path + "/result", headers=ongage_headers)
    assert pending.status_code == 412
    assert "not completed" in pending.json()["payload"]["message"]
    assert run_jobs(ctx) == 1
    report = client.get(path, headers=ongage_headers).json()["payload"]
    assert (report["status"], report["status_desc"], report["total"]) == (2, "Completed", 2)
    assert report["filters"]["criteria"][0]["operand"] == ["gmail.com"]
    body = client.get(path + "/result", headers=ongage_headers).json()
    assert body["metadata"]["total"] == 2
    emails = [c["email"] for c in body["payload"]]
    assert emails == ["ann@gmail.com", "carl@gmail.com"]
    first = body["payload"][0]
    assert first["country"] == "US" and first["ocx_status"] == "Active"
    assert "opens" not in first and "sent" not in first
    page = client.get(
        path + "/result?sort=email&order=DESC&offset=1&limit=1", headers=ongage_headers
    ).json()
    assert [c["email"] for c in page["payload"]] == ["ann@gmail.com"]
    assert page["metadata"]["total"] == 2


def test_selected_fields_shape_result_and_export(
    client: Any, ongage_headers: dict[str, str], ctx: Context
) -> None:
    setup_list(client, ongage_headers)
    created = start(
        client,
        ongage_headers,
        title="with age",
        filters={
            "criteria": [{"field_name": "age", "operator": "notempty"}],
            "user_type": "active",
        },
        selected_fields=["email", "age", "ocx_status"],
    )
    run_jobs(ctx)
    path = f"/api/contact_search/{created['id']}"
    rows = client.get(path + "/result", headers=ongage_headers).json()["payload"]
    assert rows == [
        {"email": "ann@gmail.com", "age": 30, "ocx_status": "Active"},
        {"email": "dora@example.org", "age": 22, "ocx_status": "Active"},
    ]
    response = client.get(path + "/export", headers=ongage_headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(response.text))) == [
        ["email", "age", "ocx_status"],
        ["ann@gmail.com", "30", "Active"],
        ["dora@example.org", "22", "Active"],
    ]


def test_export_of_whole_contacts_neutralises_formulas(
    client: Any, ongage_headers: dict[str, str], ctx: Context
) -> None:
    setup_list(client, ongage_headers)
    client.post(
        "/api/v2/contacts",
        json={"email": "mal@gmail.com", "fields": {"country": '=HYPERLINK("x")', "age": -3}},
        headers=ongage_headers,
    )
    created = start(client, ongage_headers, title="all gmail", filters={"criteria": [GMAIL]})
    run_jobs(ctx)
    response = client.get(f"/api/contact_search/{created['id']}/export", headers=ongage_headers)
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == [
        "email", "country", "age", "id", "ocx_status", "ocx_created_date",
        "ocx_unsubscribe_date", "ocx_resubscribe_date", "ocx_bounce_date",
        "ocx_complaint_date", "ocx_import_id",
    ]  # fmt: skip
    mal = next(r for r in rows if r["email"] == "mal@gmail.com")
    assert mal["country"] == '\'=HYPERLINK("x")'
    assert mal["age"] == "-3"  # a negative number stays a number
    assert [r["email"] for r in rows] == ["ann@gmail.com", "carl@gmail.com", "mal@gmail.com"]


def test_collection_and_delete(client: Any, ongage_headers: dict[str, str], ctx: Context) -> None:
    setup_list(client, ongage_headers)
    ids = [start(client, ongage_headers, title=t, filters={"criteria": [GMAIL]})["id"]
           for t in ("b", "a")]  # fmt: skip
    body = client.get("/api/contact_search?sort=title", headers=ongage_headers).json()
    assert [r["title"] for r in body["payload"]] == ["a", "b"]
    assert body["metadata"]["total"] == 2
    assert "payload" not in body["payload"][0]
    response = client.delete(f"/api/contact_search/{ids[0]}", headers=ongage_headers)
    assert response.json()["payload"] == {"id": ids[0], "deleted": True}
    assert run_jobs(ctx) == 2  # the deleted search's job finds nothing to do
    kept = client.get(f"/api/contact_search/{ids[1]}", headers=ongage_headers).json()["payload"]
    assert kept["status"] == 2
    assert client.get(f"/api/contact_search/{ids[0]}", headers=ongage_headers).status_code == 404
    body = client.get("/api/contact_search", headers=ongage_headers).json()
    assert body["metadata"]["total"] == 1


def test_a_search_broken_before_it_runs_fails_with_its_reason(
    client: Any, ongage_headers: dict[str, str], ctx: Context
) -> None:
    setup_list(client, ongage_headers)
    rule = {"field_name": "country", "operator": "=", "operand": ["US"]}
    created = start(client, ongage_headers, title="US", filters={"criteria": [rule]})
    fields = client.get("/api/list_fields", headers=ongage_headers).json()["payload"]
    country = next(f for f in fields if f["name"] == "country")
    client.delete(f"/api/list_fields/{country['id']}", headers=ongage_headers)
    run_jobs(ctx)
    report = client.get(f"/api/contact_search/{created['id']}", headers=ongage_headers).json()
    assert (report["payload"]["status"], report["payload"]["status_desc"]) == (3, "Failed")
    assert "country" in report["payload"]["error"]
    response = client.get(f"/api/contact_search/{created['id']}/result", headers=ongage_headers)
    assert response.status_code == 412 and "failed" in response.json()["payload"]["message"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"filters": {"criteria": [GMAIL]}}, ["title"]),
        (
            {"title": "x", "filters": {"criteria": [{"field_name": "shoe", "operator": "="}],
                                       "user_type": "odd"}},
            ["filters.user_type"],
        ),
        (
            {"title": "", "filters": {"criteria": [{"field_name": "shoe", "operator": "=",
                                                    "operand": ["1"]}]}},
            ["title", "filters.criteria[0].field_name"],
        ),
        ({"title": "x", "filters": {"criteria": []}, "selected_fields": ["email", "opens"]},
         ["selected_fields"]),
        ({"title": "x", "filters": "all"}, ["filters"]),
        ({"title": "x", "combined_as_and": "maybe", "include_behavior": [1]},
         ["combined_as_and", "include_behavior"]),
    ],
)  # fmt: skip
def test_invalid_searches_are_412_listing_every_problem(
    client: Any, ongage_headers: dict[str, str], body: dict[str, Any], fields: list[str]
) -> None:
    setup_list(client, ongage_headers)
    response = client.post("/api/contact_search", json=body, headers=ongage_headers)
    assert response.status_code == 412, response.text
    assert sorted(e["field"] for e in response.json()["payload"]["errors"]) == sorted(fields)
    assert (
        client.get("/api/contact_search", headers=ongage_headers).json()["metadata"]["total"] == 0
    )
