"""The OpenAPI document: logins, bodies for every route, list-prefixed forms, local assets."""

from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import TypeAdapter

from mailroom.accounts.schemas import NewAccount
from mailroom.dialects.ongage import apidocs as ongage_docs
from mailroom.dialects.ongage import apidocs_search as search_docs

ONGAGE = [{"X_USERNAME": [], "X_PASSWORD": [], "X_ACCOUNT_CODE": []}]
BEARER = [{"bearer": []}]


@pytest.fixture
def spec(client: Any) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()  # type: ignore[no-any-return]


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(m.upper(), p, op) for p, ops in spec["paths"].items() for m, op in ops.items()]


def test_security_schemes_are_ongages_headers_and_the_bearer_token(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    for name in ("X_USERNAME", "X_PASSWORD", "X_ACCOUNT_CODE"):
        assert schemes[name] == {**schemes[name], "type": "apiKey", "in": "header", "name": name}
    assert schemes["bearer"]["type"] == "http" and schemes["bearer"]["scheme"] == "bearer"
    for method, path, op in operations(spec):
        if "/api/" in path:
            assert op["security"] == ONGAGE, (method, path)
        elif path.startswith(("/v3/", "/mailroom/v1/")):
            assert op["security"] == BEARER, (method, path)
        elif path in ("/CampaignCloud/Report/ContactChart", "/CampaignCloud/logout"):
            assert op["security"] == [{"JSESSIONID": [], "X-XSRF-TOKEN": []}], (method, path)
        elif path == "/CampaignCloud/UserInfo":
            assert op["security"] == [{"JSESSIONID": []}], (method, path)
        else:
            assert "security" not in op, (method, path)


def test_every_route_documents_its_bodies(spec: dict[str, Any]) -> None:
    """A new route fails here until its request and response are described (see web.apidocs)."""
    for method, path, op in operations(spec):
        answers = {k: v for k, v in op["responses"].items() if k[0] in "23"}
        assert answers, (method, path)
        for status, answer in answers.items():
            (media, content), *_ = answer["content"].items()
            if media == "application/json":
                assert content["schema"] not in ({}, {"type": "string"}), (method, path, status)
        if method in ("POST", "PUT") and not path.startswith("/t/u/"):
            assert "requestBody" in op, (method, path)
        if path.startswith(("/api/", "/{list_id}/api/", "/v3/", "/mailroom/", "/CampaignCloud/")):
            assert "4XX" in op["responses"], (method, path)
        assert "422" not in op["responses"], (method, path)


def test_list_prefixed_forms_are_listed_with_their_path_parameter(spec: dict[str, Any]) -> None:
    paths = spec["paths"]
    for path in ("/api/contacts", "/api/v2/contacts", "/api/list_fields"):
        prefixed = paths["/{list_id}" + path]
        assert set(prefixed) == set(paths[path])
        for op in prefixed.values():
            assert op["parameters"][0]["name"] == "list_id"
            assert op["parameters"][0]["in"] == "path"
    assert "/{list_id}/api/lists" not in paths
    ids = [op["operationId"] for _, _, op in operations(spec)]
    assert len(ids) == len(set(ids))


def test_documented_shapes_match_real_answers(
    client: Any, account: NewAccount, ongage_headers: dict[str, str]
) -> None:
    """The docs models validate what the server really sends (so the page does not lie)."""
    made = client.post(
        "/api/lists", json={"name": "Docs", "default": False}, headers=ongage_headers
    ).json()
    TypeAdapter(ongage_docs.envelope("L", ongage_docs.ListObject)).validate_python(made)
    lists = client.get("/api/lists", headers=ongage_headers).json()
    TypeAdapter(ongage_docs.envelope("Ls", list[ongage_docs.ListObject])).validate_python(lists)
    field = client.post(
        "/api/list_fields", json={"name": "city", "type": "string"}, headers=ongage_headers
    ).json()
    TypeAdapter(ongage_docs.envelope("F", ongage_docs.FieldObject)).validate_python(field)
    wrote = client.post(
        "/api/v2/contacts", json={"email": "a@example.com", "city": "Oslo"}, headers=ongage_headers
    ).json()
    TypeAdapter(ongage_docs.envelope("W", ongage_docs.WritePayload)).validate_python(wrote)
    contact = client.get("/api/contacts/by_email/a@example.com", headers=ongage_headers).json()
    TypeAdapter(ongage_docs.envelope("C", ongage_docs.ContactObject)).validate_python(contact)
    error = client.get("/api/lists/999999", headers=ongage_headers).json()
    ongage_docs.OngageError.model_validate(error)
    rule = {"field_name": "city", "type": "string", "operator": "=", "operand": ["Oslo"]}
    body = {"name": "Oslo", "criteria": [rule]}
    segment = client.post("/api/segments", json=body, headers=ongage_headers).json()
    TypeAdapter(ongage_docs.envelope("S", search_docs.SegmentObject)).validate_python(segment)
    counts = client.post(
        "/api/contact_counts", json={"segment_id": segment["payload"]["id"]}, headers=ongage_headers
    ).json()
    TypeAdapter(ongage_docs.envelope("N", search_docs.CountsObject)).validate_python(counts)
    assert counts["payload"]["total"] == 1
    search = client.post(
        "/api/contact_search", json={"title": "all", "filters": {"criteria": [rule]}},
        headers=ongage_headers,
    ).json()  # fmt: skip
    TypeAdapter(ongage_docs.envelope("Q", search_docs.SearchObject)).validate_python(search)


def test_docs_pages_load_only_mailrooms_own_assets(client: Any) -> None:
    for page in ("/docs", "/redoc"):
        response = client.get(page)
        assert response.status_code == 200
        assert "default-src 'self'" in response.headers["content-security-policy"]
        sources = re.findall(r'(?:src|href)="([^"]+)"', response.text)
        assert sources and all(s.startswith("/") for s in sources), sources
        for source in sources:
            if source.startswith("/docs/assets/"):
                asset = client.get(source)
                assert asset.status_code == 200 and len(asset.content) > 1000, source
