"""Ongage Contact Search (``/api/contact_search``: create, poll, result, export, collection,
delete) and Contact Counts (``/api/contact_counts``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import StreamingResponse

import mailroom.reports.jobs  # noqa: F401 (registers the search job with the worker)
from mailroom.accounts.schemas import Principal
from mailroom.contacts import service as contacts_service
from mailroom.contacts.schemas import Contact
from mailroom.context import Context
from mailroom.dialects.ongage.auth import ongage_principal
from mailroom.dialects.ongage.contacts_render import contact_object
from mailroom.dialects.ongage.envelope import ok
from mailroom.dialects.ongage.ids import path_id
from mailroom.dialects.ongage.params import json_body, paging
from mailroom.dialects.ongage.routing import route_list_id
from mailroom.dialects.ongage.scope import resolve_list
from mailroom.fields import service as fields_service
from mailroom.fields.service import FieldSchema
from mailroom.kit.jsonx import JSONResponse
from mailroom.kit.spreadsheet import FORMULA_STARTS
from mailroom.reports import search as service
from mailroom.reports.search_schemas import (
    COUNTS_NOT_FOUND,
    SEARCH_NOT_FOUND,
    SORTABLE,
    STATUS_DESC,
    Counts,
    SearchSpec,
)
from mailroom.web.deps import get_ctx

router = APIRouter(tags=["ongage: contact search and counts"])
BASE = "/api/contact_search"


def render_search(row: Any) -> dict[str, Any]:
    """A search without its contacts."""
    stored = SearchSpec.from_stored(row.request).stored()
    return {
        "id": row.id,
        "list_id": row.list_id,
        "title": row.title,
        "status": row.status,
        "status_desc": STATUS_DESC.get(row.status, str(row.status)),
        "error": row.error,
        "selected_fields": stored["selected_fields"],
        "filters": stored["filters"],
        "combined_as_and": stored["combined_as_and"],
        "include_behavior": stored["include_behavior"],
        "total": row.row_count,
        "created": row.created,
        "completed": row.completed,
    }


def _id(raw: str, message: str) -> int:
    return path_id(raw, message)


def _columns(schema: FieldSchema, selected: list[str]) -> list[str]:
    if selected:
        return selected
    return ["email", *(f.name for f in schema.custom()), "id", *_OCX]


_OCX = (
    "ocx_status",
    "ocx_created_date",
    "ocx_unsubscribe_date",
    "ocx_resubscribe_date",
    "ocx_bounce_date",
    "ocx_complaint_date",
    "ocx_import_id",
)


def _row(schema: FieldSchema, contact: Contact, selected: list[str]) -> dict[str, Any]:
    full = contact_object(schema, contact)
    return {name: full.get(name) for name in selected} if selected else full


@router.post(BASE)
def create_search(
    request: Request,
    principal: Principal = Depends(ongage_principal),
    body: Any = Depends(json_body),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.write() as conn:
        target = resolve_list(conn, request, principal, body)
        row = service.create_search(conn, ctx.clock, principal.account_id, target.id, body)
    return ok(render_search(row))


@router.get(BASE)
def get_searches(
    request: Request,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    page = paging(request, SORTABLE)
    with ctx.db.read() as conn:
        list_id = resolve_list(conn, request, principal).id if _names_list(request) else None
        rows, total = service.find_searches(
            conn,
            principal.account_id,
            list_id,
            sort=page.sort,
            descending=page.descending,
            offset=page.offset,
            limit=page.limit,
        )
    return ok([render_search(r) for r in rows], total=total)


def _names_list(request: Request) -> bool:
    """Whether the call names a list (query or path prefix); the collection spans all else."""
    return bool(request.query_params.get("list_id")) or route_list_id(request.scope) is not None


@router.get(BASE + "/{search_id}")
def get_search(
    search_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.read() as conn:
        row = service.get_search(conn, principal.account_id, _id(search_id, SEARCH_NOT_FOUND))
    return ok(render_search(row))


@router.delete(BASE + "/{search_id}")
def delete_search(
    search_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.write() as conn:
        row = service.delete_search(conn, principal.account_id, _id(search_id, SEARCH_NOT_FOUND))
    return ok({"id": row.id, "deleted": True})


@router.get(BASE + "/{search_id}/result")
def get_result(
    search_id: str,
    request: Request,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    page = paging(request, tuple(contacts_service.SORTABLE))
    with ctx.db.read() as conn:
        row, contacts, total = service.result_page(
            conn,
            principal.account_id,
            _id(search_id, SEARCH_NOT_FOUND),
            sort=page.sort,
            descending=page.descending,
            offset=page.offset,
            limit=page.limit,
        )
        schema = fields_service.schema_of_list(conn, row.list_id)
    selected = SearchSpec.from_stored(row.request).selected_fields
    return ok([_row(schema, c, selected) for c in contacts], total=total, fields={})


def csv_cell(value: Any) -> str:
    """A value as the JSON shows it, as CSV text that no spreadsheet runs."""
    if value is None:
        return ""
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    if text.startswith(FORMULA_STARTS) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@router.get(BASE + "/{search_id}/export")
def export_search(
    search_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> StreamingResponse:
    with ctx.db.read() as conn:
        row = service.get_search(conn, principal.account_id, _id(search_id, SEARCH_NOT_FOUND))
        service.completed(row)

    def body() -> Iterator[bytes]:
        # Its own connection: the response streams after the handler has returned.
        with ctx.db.read() as conn:
            schema = fields_service.schema_of_list(conn, row.list_id)
            selected = SearchSpec.from_stored(row.request).selected_fields
            columns = _columns(schema, selected)
            buffer = io.StringIO()
            writer = csv.writer(buffer, lineterminator="\r\n")
            writer.writerow(columns)
            for chunk in service.stream_results(conn, row):
                for contact in chunk:
                    full = contact_object(schema, contact)
                    writer.writerow([csv_cell(full.get(c)) for c in columns])
                yield buffer.getvalue().encode()
                buffer.seek(0)
                buffer.truncate()
            yield buffer.getvalue().encode()

    headers = {"Content-Disposition": f'attachment; filename="contact_search_{row.id}.csv"'}
    return StreamingResponse(body(), media_type="text/csv; charset=utf-8", headers=headers)


# --- contact counts ---------------------------------------------------------------------------


def render_counts(counts: Counts) -> dict[str, Any]:
    return {
        "id": counts.id,
        "list_id": counts.list_id,
        "segment_id": counts.segment_id,
        "status": 2,
        "status_desc": "Completed",
        "active": counts.active,
        "bounced": counts.bounced,
        "complaint": counts.complaint,
        "unsubscribed": counts.unsubscribed,
        "total": counts.total,
        "created": counts.created,
    }


@router.post("/api/contact_counts")
def create_counts(
    request: Request,
    principal: Principal = Depends(ongage_principal),
    body: Any = Depends(json_body),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.read() as conn:  # counting only reads: no writer waits on it
        target = resolve_list(conn, request, principal, body)
        counted = service.count_contacts(
            conn, ctx.clock, principal.account_id, target.id, body, ctx
        )
    with ctx.db.write() as conn:
        counts = service.store_counts(conn, ctx.clock, principal.account_id, counted)
    return ok(render_counts(counts), total=counts.total)


@router.get("/api/contact_counts/{counts_id}")
def get_counts(
    counts_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.read() as conn:
        counts = service.get_counts(conn, principal.account_id, _id(counts_id, COUNTS_NOT_FOUND))
    return ok(render_counts(counts), total=counts.total)
