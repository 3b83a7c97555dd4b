"""Ongage contacts endpoints (seed 001): read, create/update, status, email change, delete.

All calls act on one list (body, query, `/<list_id>/api` prefix, else the default list) except
`cross_account`. A contact id is `contacts.uid`, the same in every dialect. Single-object writes
with invalid data are a 412 naming the field; in an array the valid contacts are written and the
invalid ones reported in `failed_emails`, unless none succeeded (412).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from mailroom.accounts.schemas import Principal
from mailroom.contacts import bulk, service
from mailroom.contacts.schemas import NOT_FOUND, ContactInput
from mailroom.contacts.values import FieldIndex
from mailroom.context import Context
from mailroom.dialects.ongage import contacts_render as render
from mailroom.dialects.ongage.auth import ongage_caller, ongage_principal
from mailroom.dialects.ongage.envelope import ok
from mailroom.dialects.ongage.hot import contact_response
from mailroom.dialects.ongage.params import int_param
from mailroom.dialects.ongage.scope import resolve_list
from mailroom.errors import BadRequest, NotFound, PayloadTooLarge, ValidationFailed
from mailroom.fields import service as fields_service
from mailroom.kit.jsonx import JSONResponse
from mailroom.web.deps import get_ctx, read_json

router = APIRouter(tags=["ongage: contacts"])

DEFAULT_LIMIT = 50
MAX_LIMIT = 1000


def _path_param(name: str, description: str) -> dict[str, Any]:
    """OpenAPI text for a path parameter the handler reads itself (see `by_email`)."""
    parameter = {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
    return {"parameters": [{**parameter, "description": description}]}


@router.head("/api/contacts/by_email/{email:path}", include_in_schema=False)
@router.get(
    "/api/contacts/by_email/{email:path}",
    openapi_extra=_path_param("email", "The contact's email, raw or URL-encoded"),
)
async def by_email(request: Request) -> JSONResponse:
    """One contact of the list by email (raw or URL-encoded).

    The API's hottest read: with cached credentials `ongage.hot` answers it before routing.
    This route takes the rest (first calls, HEAD) and is what the OpenAPI page shows. The path
    parameter is read from the request: FastAPI's parameter solving costs as much as the query.
    """
    principal = await ongage_caller(request)
    email = render.path_email(request.path_params["email"])
    return await contact_response(request, principal, "email", email)


@router.head("/api/contacts/by_id/{contact_id}", include_in_schema=False)
@router.get(
    "/api/contacts/by_id/{contact_id}",
    openapi_extra=_path_param("contact_id", "The contact's 24-hex id"),
)
async def by_id(request: Request) -> JSONResponse:
    """One contact of the list by its 24-hex id; served like `by_email`."""
    principal = await ongage_caller(request)
    return await contact_response(request, principal, "uid", request.path_params["contact_id"])


@router.get("/api/contacts/cross_account")
def cross_account(
    request: Request,
    principal: Principal = Depends(ongage_principal),
) -> JSONResponse:
    """The contact of an email in every list of the account, each with its `list_id`."""
    ctx = get_ctx(request)
    email = request.query_params.get("email")
    if not email:
        raise ValidationFailed("email is required", errors=[{"field": "email"}])
    payload = []
    with ctx.db.read() as conn:
        schemas: dict[int, Any] = {}
        for contact in service.in_account(conn, principal.account_id, email):
            schema = schemas.get(contact.list_id)
            if schema is None:
                schema = schemas[contact.list_id] = fields_service.schema_of_list(
                    conn, contact.list_id
                )
            payload.append({**render.contact_object(schema, contact), "list_id": contact.list_id})
    return ok(payload, total=len(payload))


@router.get("/api/contacts")
def collection(
    request: Request,
    principal: Principal = Depends(ongage_principal),
) -> JSONResponse:
    """Legacy collection: `user_type`, `sort`, `order`, `offset`, `limit` (default 50, max 1000)."""
    ctx = get_ctx(request)
    query = request.query_params
    order = (query.get("order") or "ASC").upper()
    if order not in ("ASC", "DESC"):
        raise ValidationFailed("order must be ASC or DESC", errors=[{"field": "order"}])
    limit = min(int_param(request, "limit", DEFAULT_LIMIT), MAX_LIMIT)
    with ctx.db.read() as conn:
        lst = resolve_list(conn, request, principal)
        rows, total = service.page(
            conn,
            lst.id,
            user_type=query.get("user_type") or "all",
            sort=query.get("sort") or "id",
            descending=order == "DESC",
            offset=int_param(request, "offset", 0),
            limit=limit,
        )
        schema = fields_service.schema_of_list(conn, lst.id)
    return ok([render.contact_object(schema, c) for c in rows], total=total)


def _write(
    ctx: Context,
    request: Request,
    principal: Principal,
    body: Any,
    mode: bulk.Mode,
) -> JSONResponse:
    objects, single = render.items_of(body, ctx.settings.bulk_max_items)
    items = []
    for i, obj in enumerate(objects):
        email = obj.get("email")
        uid = obj.get("id") if mode == "update" else None
        key = email if isinstance(email, str) and email else str(uid or f"[{i}]")
        items.append(
            ContactInput(
                email=email,
                fields=render.split_fields(obj),
                overwrite=render.is_true(obj.get("overwrite")),
                uid=str(uid).strip().lower() if uid not in (None, "") else None,
                key=key,
            )
        )
    hint = objects[0] if single else render.list_hint(objects)
    with ctx.db.write() as conn:
        lst = resolve_list(conn, request, principal, hint)
        index = FieldIndex(fields_service.schema_of_list(conn, lst.id))
        result = bulk.write_contacts(conn, ctx.clock, principal.account_id, index, items, mode=mode)
        if result.invalid and (single or result.success == 0):
            raise render.invalid_error(result)  # rolls back: nothing of this call is written
        if single and mode == "update" and result.failed:
            raise NotFound(NOT_FOUND)
    return ok(render.write_payload(result))


@router.post("/api/v2/contacts")
@router.post("/api/contacts")
async def create(
    request: Request,
    principal: Principal = Depends(ongage_principal),
) -> JSONResponse:
    """Create one or many contacts; existing ones are updated only with `overwrite: true`."""
    ctx = get_ctx(request)
    body = await read_json(request, items=True)
    return await run_in_threadpool(_write, ctx, request, principal, body, "create")


@router.put("/api/v2/contacts")
@router.put("/api/contacts")
async def update(
    request: Request,
    principal: Principal = Depends(ongage_principal),
) -> JSONResponse:
    """Update existing contacts only, found by `email` or `id`."""
    ctx = get_ctx(request)
    body = await read_json(request, items=True)
    return await run_in_threadpool(_write, ctx, request, principal, body, "update")


@router.get("/api/contacts/add")
def add_tunnel(
    request: Request,
    principal: Principal = Depends(ongage_principal),
) -> JSONResponse:
    """GET tunnel for creating one contact: `email` plus list fields as query parameters."""
    ctx = get_ctx(request)
    params = {k: v for k, v in request.query_params.items() if k != "list_id"}
    return _write(ctx, request, principal, params, "create")


def _change_status(ctx: Context, request: Request, principal: Principal, body: Any) -> JSONResponse:
    if not isinstance(body, dict):
        raise BadRequest("Invalid data in request: expected a JSON object")
    emails = body.get("emails")
    if isinstance(emails, str):
        emails = [emails]
    if not isinstance(emails, list) or not emails:
        raise ValidationFailed(
            "emails is required (an array of email addresses)",
            errors=[{"field": "emails", "message": "required"}],
        )
    if len(emails) > ctx.settings.bulk_max_items:
        raise PayloadTooLarge(f"At most {ctx.settings.bulk_max_items} emails per call")
    change_to = body.get("change_to")
    if not isinstance(change_to, str) or not change_to:
        raise ValidationFailed(
            "change_to is required", errors=[{"field": "change_to", "message": "required"}]
        )
    with ctx.db.write() as conn:
        lst = resolve_list(conn, request, principal, body)
        result = service.change_status(
            conn,
            ctx.clock,
            principal.account_id,
            lst.id,
            emails,
            change_to.strip().lower(),
            mailing=body.get("ocx_child_id"),
            connection=body.get("ocx_connection_id"),
        )
    return ok(render.status_payload(result))


@router.post("/api/v2/contacts/change_status")
@router.post("/api/contacts/change_status")
@router.post("/api/contacts/remove")
async def change_status(
    request: Request,
    principal: Principal = Depends(ongage_principal),
) -> JSONResponse:
    """Unsubscribe, resubscribe, bounce, soft_bounce, complaint or remove many emails.

    `ocx_child_id` (a mailing id) and `ocx_connection_id` credit the change's event.
    """
    ctx = get_ctx(request)
    body = await read_json(request)
    return await run_in_threadpool(_change_status, ctx, request, principal, body)


def _change_email(ctx: Context, request: Request, principal: Principal, body: Any) -> JSONResponse:
    if not isinstance(body, dict):
        raise BadRequest("Invalid data in request: expected a JSON object")
    with ctx.db.write() as conn:
        lst = resolve_list(conn, request, principal, body)
        old = body.get("email")
        contact = service.change_email(
            conn,
            ctx.clock,
            lst.id,
            old,
            body.get("new_email"),
            ctx.settings.change_email_window_s,
        )
    old_key = old.strip() if isinstance(old, str) else str(old)
    return ok(
        {
            "success": 1,
            "success_emails": {old_key: contact.uid},
            "id": contact.uid,
            "email": contact.email,
        }
    )


@router.put("/api/contacts/change_email")
@router.post("/api/contacts/change_email")
async def change_email(
    request: Request,
    principal: Principal = Depends(ongage_principal),
) -> JSONResponse:
    """Change one contact's key email; again only after the re-change window (887 s)."""
    ctx = get_ctx(request)
    body = await read_json(request)
    return await run_in_threadpool(_change_email, ctx, request, principal, body)


def _delete(ctx: Context, request: Request, principal: Principal, body: Any) -> JSONResponse:
    if not isinstance(body, dict):
        raise BadRequest("Missing contact ID(s)")
    ids = body.get("contact_ids")
    if ids in (None, "", []):
        ids = [body["contact_id"]] if body.get("contact_id") not in (None, "") else None
    if ids is None:
        raise BadRequest("Missing contact ID(s)")
    if isinstance(ids, str):
        ids = [ids]
    if not isinstance(ids, list) or not all(isinstance(i, str | int) for i in ids):
        raise ValidationFailed(
            "contact_ids must be an array of contact ids", errors=[{"field": "contact_ids"}]
        )
    if len(ids) > ctx.settings.bulk_max_items:
        raise PayloadTooLarge(f"At most {ctx.settings.bulk_max_items} contact ids per call")
    with ctx.db.write() as conn:
        lst = resolve_list(conn, request, principal, body)
        result = service.delete_contacts(conn, lst.id, [str(i) for i in ids])
    if not result.deleted:
        raise NotFound(NOT_FOUND)
    return ok(
        {
            "success": len(result.deleted),
            "deleted": len(result.deleted),
            "failed": len(result.missing),
            "deleted_ids": list(result.deleted),
            "failed_ids": dict.fromkeys(result.missing, NOT_FOUND),
        }
    )


@router.post("/api/contacts/delete")
async def delete(
    request: Request,
    principal: Principal = Depends(ongage_principal),
) -> JSONResponse:
    """Hard-delete contacts by `contact_id` or `contact_ids`; 400 when neither is given."""
    ctx = get_ctx(request)
    body = await read_json(request, required=False)
    return await run_in_threadpool(_delete, ctx, request, principal, body)
