"""The ASGI application: every dialect's routes over one context."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from mailroom import __version__
from mailroom.config import Settings
from mailroom.context import Context
from mailroom.db.database import Database
from mailroom.dialects.ongage.hot import HotContactReads
from mailroom.dialects.ongage.routing import OngagePaths
from mailroom.keys import service as keys
from mailroom.kit.jsonx import JSONResponse
from mailroom.web import apidocs, errors
from mailroom.web.conflicts import RetryConflicts
from mailroom.web.inputs import EdgeChecks

DESCRIPTION = """
mailroom speaks vendors' HTTP APIs over one data model.

* **Ongage** routes live under `/api/...`. Every one of them can also be called with a list
  prefix, `/{list_id}/api/...`; the list is then taken from the body's `list_id`, else the
  query's `list_id`, else the prefix, else the account's default list. Authenticate with the
  headers `X_USERNAME`, `X_PASSWORD` and `X_ACCOUNT_CODE` (**Authorize** above takes them).
* **Constant Contact v3** routes live under `/v3/...`, with `Authorization: Bearer <token>`.
* **Tellody** routes live under `/CampaignCloud/...`: ping for a session cookie and an
  `X-XSRF-TOKEN`, log in with the Ongage username and password, then call the reports with
  the cookie and the token.
* mailroom's own routes (bulk event ingest, webhooks, tracking) live under `/mailroom/...`
  and `/t/...`.
"""


def routers() -> list[APIRouter]:
    from mailroom.dialects.constantcontact import routes as constantcontact
    from mailroom.dialects.native import events as native_events
    from mailroom.dialects.native import links as native_links
    from mailroom.dialects.native import tracking as native_tracking
    from mailroom.dialects.native import webhooks as native_webhooks
    from mailroom.dialects.ongage import contacts_routes as ongage_contacts
    from mailroom.dialects.ongage import emails_routes as ongage_emails
    from mailroom.dialects.ongage import esp_routes as ongage_esp
    from mailroom.dialects.ongage import events_routes as ongage_events
    from mailroom.dialects.ongage import fields_routes as ongage_fields
    from mailroom.dialects.ongage import lists_routes as ongage_lists
    from mailroom.dialects.ongage import mailings_routes as ongage_mailings
    from mailroom.dialects.ongage import reports_routes as ongage_reports
    from mailroom.dialects.ongage import search_routes as ongage_search
    from mailroom.dialects.ongage import segments_routes as ongage_segments
    from mailroom.dialects.tellody import routes as tellody
    from mailroom.web import health

    # Routes are matched in this order: the hottest first (Ongage contacts, then events).
    return [
        ongage_contacts.router,
        native_events.router,
        native_tracking.router,
        health.router,
        constantcontact.router,
        ongage_lists.router,
        ongage_fields.router,
        ongage_reports.router,
        ongage_segments.router,
        ongage_search.router,
        native_webhooks.router,
        ongage_emails.router,
        ongage_esp.router,
        ongage_mailings.router,
        ongage_events.router,
        tellody.router,
        native_links.router,
    ]


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Start the in-process job worker with the server and stop it on shutdown, if enabled."""
    ctx: Context = app.state.ctx
    if not ctx.settings.inprocess_worker:
        yield
        return
    from mailroom.background import InProcessWorker

    runner = InProcessWorker(ctx)
    runner.start()
    try:
        yield
    finally:
        runner.stop()


def api_docs() -> apidocs.ApiDocs:
    """What the OpenAPI page says beyond the routes' signatures, per dialect."""
    from mailroom.dialects.constantcontact import apidocs as cc_docs
    from mailroom.dialects.native import apidocs as native_docs
    from mailroom.dialects.ongage import apidocs as ongage_docs
    from mailroom.dialects.tellody import apidocs as tellody_docs

    tellody = "/CampaignCloud/"
    return apidocs.ApiDocs(
        docs={**ongage_docs.DOCS, **cc_docs.DOCS, **native_docs.DOCS, **tellody_docs.DOCS},
        rules=[
            apidocs.PathRule(tellody + "login", None, tellody_docs.ERROR),
            apidocs.PathRule(tellody + "RememberMeController/", None, tellody_docs.ERROR),
            apidocs.PathRule(tellody + "UserInfo", apidocs.SESSION, tellody_docs.ERROR),
            apidocs.PathRule(tellody, apidocs.SESSION_AND_XSRF, tellody_docs.ERROR),
            apidocs.PathRule("/api/", apidocs.ONGAGE_LOGIN, ongage_docs.ERROR),
            apidocs.PathRule("/v3/", apidocs.BEARER_LOGIN, cc_docs.ERROR),
            apidocs.PathRule("/mailroom/v1/", apidocs.BEARER_LOGIN, native_docs.ERROR),
            apidocs.PathRule("/mailroom/", None, native_docs.ERROR),
            apidocs.PathRule("/CampaignCloud/", None, tellody_docs.ERROR),
        ],
        # Lists are account-wide in Ongage's clients; everything else under /api is list-scoped.
        list_prefixed=lambda path: (
            path.startswith("/api/")
            and not path.startswith("/api/lists")
            and path != "/api/contacts/cross_account"
        ),
        prefixed_tag="ongage: list-prefixed forms",
    )


def create_app(ctx: Context | None = None) -> FastAPI:
    announce = ctx is None  # a server from the environment says where its key came from
    if ctx is None:
        settings = Settings.from_env()
        ctx = Context(settings=settings, db=Database(settings.database_url))
    app = FastAPI(
        title="mailroom",
        version=__version__,
        description=DESCRIPTION,
        default_response_class=JSONResponse,
        lifespan=lifespan,
        docs_url=None,  # served by web.apidocs from local assets
        redoc_url=None,
    )
    app.state.ctx = ctx
    if announce:
        keys.announce(keys.key_ring(ctx))
    errors.install(app)
    for router in routers():
        app.include_router(router)
    apidocs.install(app, api_docs())
    from mailroom.console import routes as console

    console.install(app)
    # Outermost last: the edge checks, then conflict retries around everything that touches the
    # database; the list prefix and trailing slash are normalised before the hot reads.
    app.add_middleware(HotContactReads)
    app.add_middleware(OngagePaths)
    app.add_middleware(RetryConflicts)
    app.add_middleware(EdgeChecks, max_body_bytes=ctx.settings.max_body_bytes)
    return app


def app_from_env() -> FastAPI:
    """uvicorn's factory entry point (``mailroom.app:app_from_env``)."""
    return create_app()
