"""The console's routers, static files and error pages, put on the application."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from mailroom.console import audience, auth, automation, mailings, overview, reports, session
from mailroom.console.render import error_page
from mailroom.web import errors


def install(app: FastAPI) -> None:
    errors.register_renderer(session.HOME, error_page)
    for module in (auth, overview, audience, mailings, reports, automation):
        app.include_router(module.router)
    app.mount(
        f"{session.HOME}/static",
        StaticFiles(packages=[("mailroom.console", "static")]),
        name="console-static",
    )

    @app.exception_handler(session.SignInNeeded)
    async def _sign_in(request: Request, exc: session.SignInNeeded) -> Response:
        return session.login_redirect(exc.next_path)
