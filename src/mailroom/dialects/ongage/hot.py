"""The two hottest reads, `by_email` and `by_id`, served before FastAPI's routing.

`HotContactReads` is ASGI middleware. A GET of ``/api/contacts/by_email/<email>`` or
``/api/contacts/by_id/<id>`` whose credentials are already in the credential cache is answered
here: one rate-limit slot, one read through `contacts.reader`, the JSON written out. Routing,
dependency solving and the exception middleware cost more than the read itself.

Everything else goes on to the app, including these paths when the credentials are not cached
yet (the route authenticates, then answers through `contact_response` like this does) and HEAD.
Errors get the same Ongage envelope as from the routes; an unexpected exception goes on to the
server-error handler like any route's.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from mailroom.accounts.schemas import Principal
from mailroom.contacts import service
from mailroom.contacts.reader import By, contact_reader
from mailroom.dialects.ongage import contacts_render as render
from mailroom.dialects.ongage.auth import cached_caller, call_slot
from mailroom.dialects.ongage.envelope import ok
from mailroom.dialects.ongage.scope import requested_list_id
from mailroom.errors import MailroomError
from mailroom.fields.cache import schema_cache
from mailroom.kit.jsonx import JSONResponse
from mailroom.web import errors
from mailroom.web.deps import get_ctx

BY_EMAIL = "/api/contacts/by_email/"
BY_ID = "/api/contacts/by_id/"


async def contact_response(
    request: Request, principal: Principal, by: By, key: str
) -> JSONResponse:
    """One contact of the requested list as Ongage's envelope, holding one call slot."""
    async with call_slot(request, principal):
        ctx = get_ctx(request)
        list_id = requested_list_id(request, principal)
        found = await contact_reader(ctx).get(by, principal.account_id, list_id, key)
        if found is None:  # which 404: the list's or the contact's (or it arrived meanwhile)
            get = service.get_by_email if by == "email" else service.get_by_uid
            with ctx.db.single() as conn:
                contact, version = get(conn, principal.account_id, list_id, key.strip())
                found = contact, schema_cache(ctx).get(conn, list_id, version)
        contact, schema = found
        return ok(render.contact_object(schema, contact))


def hot_key(path: str) -> tuple[By, str] | None:
    """Which hot read a (prefix- and slash-normalised) path is, and its key; None if neither."""
    if path.startswith(BY_EMAIL):
        email = render.path_email(path[len(BY_EMAIL) :])
        return ("email", email) if email else None
    if path.startswith(BY_ID):
        uid = path[len(BY_ID) :]
        return ("uid", uid) if uid and "/" not in uid else None
    return None


class HotContactReads:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "GET":
            wanted = hot_key(scope["path"])
            if wanted is not None:
                request = Request(scope, receive)
                principal = cached_caller(request)
                if principal is not None:
                    response: Response
                    try:
                        response = await contact_response(request, principal, *wanted)
                    except MailroomError as exc:
                        response = errors.error_response(request, exc)
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)
