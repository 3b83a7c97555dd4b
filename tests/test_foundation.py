"""The app's frame: health, migrations, Ongage auth and routing, error envelopes."""

from __future__ import annotations

import re
from typing import Any

from mailroom.accounts.schemas import NewAccount


def test_health(client: Any) -> None:
    assert client.get("/mailroom/health").json() == {"status": "ok"}


def test_unknown_route_gets_ongage_404_envelope(client: Any) -> None:
    response = client.get("/api/no_such_thing")
    assert response.status_code == 404
    assert response.json() == {
        "metadata": {"error": True},
        "payload": {"code": 404, "message": "Not found", "errors": []},
    }


def test_openapi_lists_every_route(client: Any) -> None:
    from fastapi.routing import APIRoute

    from mailroom.app import routers

    paths = client.get("/openapi.json").json()["paths"]
    routes = {
        re.sub(r":\w+}", "}", r.path)  # OpenAPI drops path convertors like {email:path}
        for router in routers()
        for r in router.routes
        if isinstance(r, APIRoute)
    }
    assert {"/mailroom/health", "/api/v2/contacts", "/t/o/{token}"} <= routes
    prefixed = {p for p in paths if p.startswith("/{list_id}/api/")}
    assert routes == set(paths) - prefixed
    assert {p.removeprefix("/{list_id}") for p in prefixed} <= routes  # Ongage's list prefix


def test_openapi_names_every_path_parameter(client: Any) -> None:
    """Handlers that read a path parameter themselves still document it."""
    paths = client.get("/openapi.json").json()["paths"]
    for path, operations in paths.items():
        wanted = set(re.findall(r"{(\w+)}", path))
        for method, operation in operations.items():
            named = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert wanted <= named, (method, path)


def test_new_account_has_default_list(account: NewAccount, client: Any, ctx: Any) -> None:
    from mailroom.lists import service

    with ctx.db.read() as conn:
        row = service.get_list(conn, account.account_id, account.default_list_id)
    assert row.account_id == account.account_id


def test_live_server_passes_underscore_headers(live_url: str, account: NewAccount) -> None:
    """uvicorn hands Ongage's underscore headers to the app: a real login succeeds through them."""
    import httpx

    headers = {
        "X_USERNAME": account.username,
        "X_PASSWORD": account.password,
        "X_ACCOUNT_CODE": account.account_code,
    }
    response = httpx.get(f"{live_url}/api/lists", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["metadata"]["error"] is False
    # The same call without them is refused, so the 200 above came from the headers.
    assert httpx.get(f"{live_url}/api/lists").status_code == 401
