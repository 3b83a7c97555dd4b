"""A report request is checked whole before anything is stored: one 412 lists every problem."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from mailroom.context import Context
from mailroom.db.tables import jobs, reports

BASE = "/api/contact_activity"


def stored(ctx: Context) -> tuple[int, int]:
    with ctx.db.read() as conn:
        return (
            int(conn.scalar(select(func.count()).select_from(reports)) or 0),
            int(conn.scalar(select(func.count()).select_from(jobs)) or 0),
        )


def test_every_problem_is_listed(client: Any, ctx: Context, ongage_headers: dict[str, str]) -> None:
    body = {
        "title": "",
        "selected_fields": ["email", "nope", "email"],
        "filters": {"user_type": "sleepy", "from_date": "31/12/2020", "to_date": True},
        "include_machine": "maybe",
    }
    response = client.post(BASE, json=body, headers=ongage_headers)
    assert response.status_code == 412
    envelope = response.json()
    assert envelope["metadata"]["error"] is True
    fields = [e["field"] for e in envelope["payload"]["errors"]]
    assert fields == [
        "title",
        "selected_fields[1]",
        "selected_fields[2]",
        "filters.user_type",
        "filters.from_date",
        "filters.to_date",
        "include_machine",
    ]
    assert "(and 6 more)" in envelope["payload"]["message"]
    assert stored(ctx) == (0, 0)  # nothing half-written


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "title"),
        ({"title": "T"}, "selected_fields"),
        ({"title": "T", "selected_fields": "email"}, "selected_fields"),
        ({"title": "T", "selected_fields": ["email"], "filters": []}, "filters"),
        (
            {"title": "T", "selected_fields": ["email"], "filters": {"criteria": {}}},
            "filters.criteria",
        ),
        (
            {
                "title": "T",
                "selected_fields": ["email"],
                "filters": {"from_date": 20, "to_date": 10},
            },
            "filters.to_date",
        ),
        *(
            (
                {"title": "T", "selected_fields": ["email"], "filters": {key: value}},
                f"filters.{key}",
            )
            for key in ("from_date", "to_date")
            for value in (99999999999999999999, 1e300, "99999999999999999999999", -1e300)
        ),
        ({"title": "x" * 300, "selected_fields": ["email"]}, "title"),
        ({"title": 5, "selected_fields": [5]}, "title"),
    ],
)
def test_invalid_requests_are_412(
    client: Any, ctx: Context, ongage_headers: dict[str, str], body: Any, field: str
) -> None:
    response = client.post(BASE, json=body, headers=ongage_headers)
    assert response.status_code == 412, response.text
    assert field in [e["field"] for e in response.json()["payload"]["errors"]]
    assert stored(ctx) == (0, 0)


@pytest.mark.parametrize("raw", [b"[1, 2]", b'"text"', b"null"])
def test_a_body_that_is_no_object_is_412(
    client: Any, ongage_headers: dict[str, str], raw: bytes
) -> None:
    headers = {**ongage_headers, "Content-Type": "application/json"}
    response = client.post(BASE, content=raw, headers=headers)
    assert response.status_code in (400, 412)
    assert response.json()["metadata"]["error"] is True


def test_broken_json_is_400(client: Any, ongage_headers: dict[str, str]) -> None:
    headers = {**ongage_headers, "Content-Type": "application/json"}
    response = client.post(BASE, content=b'{"title": "x",}', headers=headers)
    assert response.status_code == 400


def test_unknown_list_and_report_are_404(client: Any, ongage_headers: dict[str, str]) -> None:
    body = {"title": "T", "selected_fields": ["email"]}
    assert (
        client.post("/999999/api/contact_activity", json=body, headers=ongage_headers).status_code
        == 404
    )
    for path in ("/123456", "/abc", "/123456/result", "/123456/export", "/123456/export_detailed"):
        assert client.get(BASE + path, headers=ongage_headers).status_code == 404


@pytest.mark.parametrize(
    "params",
    [{"sort": "secret"}, {"order": "sideways"}, {"offset": "-1"}, {"limit": "many"}],
)
def test_bad_collection_parameters_are_412(
    client: Any, ongage_headers: dict[str, str], params: dict[str, str]
) -> None:
    assert client.get(BASE, params=params, headers=ongage_headers).status_code == 412


def test_without_credentials_is_401(client: Any) -> None:
    assert client.get(BASE).status_code == 401
