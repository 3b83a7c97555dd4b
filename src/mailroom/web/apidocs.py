"""The API page: `/docs` and `/redoc` served offline, and an OpenAPI document that can log in.

Swagger UI and ReDoc come from the `fastapi-offline` package, which ships their built assets;
mailroom serves them itself under `/docs/assets/`, so the page works with no network. The
OpenAPI document is FastAPI's, completed here: the security schemes (Ongage's three headers,
the Bearer token) on the routes that need them, request and response bodies from each
dialect's `RouteDoc` table (handlers that parse raw JSON have no signature to show), error
bodies, and a copy of every list-scoped Ongage route under its `/{list_id}/api/...` form.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from pydantic import TypeAdapter
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.staticfiles import StaticFiles

ASSETS = "/docs/assets"
REF = "#/components/schemas/{model}"

SECURITY_SCHEMES: dict[str, dict[str, Any]] = {
    name: {
        "type": "apiKey",
        "in": "header",
        "name": name,
        "description": f"Ongage routes: the {what} (all three headers are needed).",
    }
    for name, what in (
        ("X_USERNAME", "API user's name"),
        ("X_PASSWORD", "API user's password"),
        ("X_ACCOUNT_CODE", "account's code"),
    )
} | {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "Constant Contact v3 routes and mailroom's own API: the account's token.",
    },
    "JSESSIONID": {
        "type": "apiKey",
        "in": "cookie",
        "name": "JSESSIONID",
        "description": "Tellody routes: the session cookie POST /CampaignCloud/login sets.",
    },
    "X-XSRF-TOKEN": {
        "type": "apiKey",
        "in": "header",
        "name": "X-XSRF-TOKEN",
        "description": "Tellody writes: the token GET /CampaignCloud/RememberMeController/ping"
        " answers in its X-XSRF-TOKEN header.",
    },
}
# The pages may load and call only mailroom itself (ReDoc would fetch its maker's logo from a
# CDN; `data:` covers Swagger UI's inline icons, `blob:` ReDoc's search worker).
PAGE_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self' 'unsafe-inline'; worker-src 'self' blob:; connect-src 'self'"
)
ONGAGE_LOGIN: list[dict[str, list[str]]] = [
    {"X_USERNAME": [], "X_PASSWORD": [], "X_ACCOUNT_CODE": []}
]
BEARER_LOGIN: list[dict[str, list[str]]] = [{"bearer": []}]
SESSION: list[dict[str, list[str]]] = [{"JSESSIONID": []}]
SESSION_AND_XSRF: list[dict[str, list[str]]] = [{"JSESSIONID": [], "X-XSRF-TOKEN": []}]


@dataclass(frozen=True)
class RouteDoc:
    """What a route takes and answers, as pydantic models or types of them (docs only)."""

    request: Any = None
    response: Any = None
    # "form": the request is URL-encoded form fields (the same keys as a JSON object also work).
    request_media: str = "application/json"
    # Routes that answer something else than JSON: its media type, status and what it is.
    media: str = "application/json"
    status: str = "200"
    description: str = "Successful response"


@dataclass(frozen=True)
class PathRule:
    """Routes under `prefix`: how they authenticate and what their error body looks like."""

    prefix: str
    security: list[dict[str, list[str]]] | None
    error: Any = None


@dataclass(frozen=True)
class ApiDocs:
    docs: Mapping[tuple[str, str], RouteDoc]
    rules: Sequence[PathRule]
    # Paths that also answer as /{list_id}<path> (Ongage's list prefix).
    list_prefixed: Callable[[str], bool]
    prefixed_tag: str = "list-prefixed forms"


class _Schemas:
    """Collects component schemas and turns a type into a (possibly `$ref`) schema."""

    def __init__(self, components: dict[str, Any]) -> None:
        self.components = components

    def of(self, kind: Any) -> dict[str, Any]:
        schema = TypeAdapter(kind).json_schema(ref_template=REF)
        for name, sub in schema.pop("$defs", {}).items():
            self.components.setdefault(name, sub)
        title = getattr(kind, "__name__", None)
        if isinstance(kind, type) and title and schema.get("type") == "object":
            self.components.setdefault(title, schema)
            return {"$ref": REF.format(model=title)}
        return schema


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def complete(spec: dict[str, Any], api: ApiDocs) -> dict[str, Any]:
    """The OpenAPI document with logins, bodies, errors and the list-prefixed copies."""
    components = spec.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    schemas = _Schemas(components.setdefault("schemas", {}))
    for path, operations in spec["paths"].items():
        rule = next((r for r in api.rules if path.startswith(r.prefix)), None)
        for method, op in operations.items():
            doc = api.docs.get((method.upper(), path))
            if doc is not None and doc.request is not None and "requestBody" not in op:
                body = _json(schemas.of(doc.request), "JSON body")
                if doc.request_media == "form":
                    schema = body["content"]["application/json"]["schema"]
                    body["content"] = {
                        "application/x-www-form-urlencoded": {"schema": schema},
                        "application/json": {"schema": schema},
                    }
                op["requestBody"] = {"required": True, **body}
            if doc is not None and doc.response is not None:
                op.setdefault("responses", {})[doc.status] = _json(
                    schemas.of(doc.response), doc.description
                )
            elif doc is not None and doc.media != "application/json":
                responses = op.setdefault("responses", {})
                responses.pop("200", None)
                responses[doc.status] = {
                    "description": doc.description,
                    "content": {doc.media: {"schema": {"type": "string"}}},
                }
            _drop_pydantic_errors(op)
            if rule is None:
                continue
            if rule.security is not None:
                op["security"] = rule.security
            if rule.error is not None:
                op.setdefault("responses", {}).setdefault(
                    "4XX", _json(schemas.of(rule.error), "Error (the status says which)")
                )
    _add_prefixed(spec, api)
    for name in ("HTTPValidationError", "ValidationError"):
        components["schemas"].pop(name, None)
    return spec


def _drop_pydantic_errors(op: dict[str, Any]) -> None:
    """FastAPI's 422 is never sent (each dialect answers bad input in its own error shape)."""
    responses = op.get("responses", {})
    if "HTTPValidationError" in str(responses.get("422", "")):
        del responses["422"]
    for response in responses.values():
        schema = response.get("content", {}).get("application/json", {}).get("schema", {})
        if "$ref" in schema:  # FastAPI puts the default class's `type: string` beside refs
            schema.pop("type", None)


def _add_prefixed(spec: dict[str, Any], api: ApiDocs) -> None:
    prefix_param = {
        "name": "list_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer"},
        "description": "The list the call acts on, unless the body or query names another",
    }
    spec.setdefault("tags", []).append(
        {
            "name": api.prefixed_tag,
            "description": "Every list-scoped Ongage route also answers under a list prefix: "
            "`/{list_id}/api/...`. The list is the body's `list_id`, else the query's, else "
            "the prefix, else the account's default list.",
        }
    )
    added: dict[str, Any] = {}
    for path, operations in spec["paths"].items():
        if not api.list_prefixed(path):
            continue
        copies: dict[str, Any] = {}
        for method, op in operations.items():
            twin = copy.deepcopy(op)
            twin["operationId"] = f"{op.get('operationId', method + path)}_list_prefixed"
            twin["tags"] = [api.prefixed_tag]
            twin["summary"] = f"{op.get('summary', path)} (list prefix)"
            twin["parameters"] = [prefix_param, *op.get("parameters", [])]
            copies[method] = twin
        added["/{list_id}" + path] = copies
    spec["paths"].update(added)


def install(app: FastAPI, api: ApiDocs) -> None:
    """Serve /docs, /redoc and their assets, and the completed /openapi.json."""
    directory = resources.files("fastapi_offline") / "static"
    app.mount(ASSETS, StaticFiles(directory=str(directory)), name="docs-assets")

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = complete(spec, api)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/docs", include_in_schema=False)
    def swagger_page(request: Request) -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=_url(request, "/openapi.json"),
            title=f"{app.title}: API",
            swagger_js_url=_url(request, f"{ASSETS}/swagger-ui-bundle.js"),
            swagger_css_url=_url(request, f"{ASSETS}/swagger-ui.css"),
            swagger_favicon_url=_url(request, f"{ASSETS}/favicon.png"),
            # No validator badge: it would call an outside service with the document.
            swagger_ui_parameters={"validatorUrl": None, "persistAuthorization": True},
        )
        page.headers["Content-Security-Policy"] = PAGE_POLICY
        return page

    @app.get("/redoc", include_in_schema=False)
    def redoc_page(request: Request) -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=_url(request, "/openapi.json"),
            title=f"{app.title}: API",
            redoc_js_url=_url(request, f"{ASSETS}/redoc.standalone.js"),
            redoc_favicon_url=_url(request, f"{ASSETS}/favicon.png"),
            with_google_fonts=False,
        )
        page.headers["Content-Security-Policy"] = PAGE_POLICY
        return page


def _url(request: Request, path: str) -> str:
    # Behind a proxy that mounts mailroom under a path, root_path keeps the links right.
    root: str = request.scope.get("root_path", "")
    return root.rstrip("/") + path
