"""Ongage's Contact Activity API: ``/api/contact_activity`` create, status, result, exports.

A report is created Pending (1) and completed (2) by a background job; a report that cannot be
computed ends Failed (3) with its reason in `error` rather than staying pending. `/result`
without `limit` streams every row; CSV exports are streamed too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends
from starlette.requests import Request
from starlette.responses import StreamingResponse

from mailroom.accounts.schemas import Principal
from mailroom.context import Context
from mailroom.dialects.ongage.auth import ongage_principal
from mailroom.dialects.ongage.envelope import ok
from mailroom.dialects.ongage.ids import path_id
from mailroom.dialects.ongage.params import int_param, json_body, paging
from mailroom.dialects.ongage.scope import resolve_list
from mailroom.jobs import worker
from mailroom.kit import jsonx
from mailroom.kit.jsonx import JSONResponse
from mailroom.reports import export, service
from mailroom.reports.render import json_row
from mailroom.reports.schemas import SORTABLE, STATUS_DESC
from mailroom.web.deps import get_ctx

router = APIRouter(tags=["ongage: contact activity"])
BASE = "/api/contact_activity"


def render_report(report: service.Report) -> dict[str, Any]:
    """A report without its rows."""
    row, spec = report.row, report.spec
    stored = spec.stored()
    return {
        "id": row.id,
        "list_id": row.list_id,
        "title": row.title,
        "status": row.status,
        "status_desc": STATUS_DESC.get(row.status, str(row.status)),
        "error": row.error,
        "selected_fields": stored["selected_fields"],
        "filters": stored["filters"],
        "include_behavior": spec.include_behavior,
        "include_machine": spec.include_machine,
        "combined_as_and": spec.combined_as_and,
        "total": row.row_count,
        "data_through_event_id": row.data_through,
        "created": row.created,
        "completed": row.completed,
    }


def _report_id(raw: str) -> int:
    return path_id(raw, service.NOT_FOUND)


def _ready(ctx: Context, principal: Principal, report_id: str) -> tuple[service.Report, Any]:
    with ctx.db.read() as conn:
        report = service.get_report(conn, principal.account_id, _report_id(report_id))
        service.completed(report)
        fields = service.list_fields(conn, report.row.list_id)
    return report, fields


@router.post(BASE)
def create_report(
    request: Request,
    principal: Principal = Depends(ongage_principal),
    body: Any = Depends(json_body),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.write() as conn:
        target = resolve_list(conn, request, principal, body)
        report = service.create_report(conn, ctx.clock, principal.account_id, target.id, body)
    worker.nudge()  # an in-process worker starts it now rather than after its idle sleep
    return ok(render_report(report))


@router.get(BASE)
def get_reports(
    request: Request,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    query = paging(request, SORTABLE)
    raw_list = request.query_params.get("list_id")
    with ctx.db.read() as conn:
        list_id = resolve_list(conn, request, principal).id if raw_list else None
        reports, total = service.find_reports(
            conn,
            principal.account_id,
            list_id,
            sort=query.sort,
            descending=query.descending,
            offset=query.offset,
            limit=query.limit,
        )
    return ok([render_report(r) for r in reports], total=total)


@router.get(BASE + "/{report_id}")
def get_report(
    report_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.read() as conn:
        report = service.get_report(conn, principal.account_id, _report_id(report_id))
    return ok(render_report(report))


@router.delete(BASE + "/{report_id}")
def delete_report(
    report_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> JSONResponse:
    with ctx.db.write() as conn:
        report = service.delete_report(conn, principal.account_id, _report_id(report_id))
    service.discard_files(ctx, report.row.id)
    return ok({"id": report.row.id, "deleted": True})


@router.get(BASE + "/{report_id}/result")
def get_result(
    report_id: str,
    request: Request,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> StreamingResponse:
    offset = int_param(request, "offset", 0)
    limit = int_param(request, "limit", None)
    report, fields = _ready(ctx, principal, report_id)
    total = int(report.row.row_count or 0)
    selected = report.spec.selected_fields

    def body() -> Iterator[bytes]:
        head = {"error": False, "fields": {}, "total": total}
        yield b'{"metadata":' + jsonx.dumps(head) + b',"payload":['
        first = True
        for rows in service.stored_rows(ctx, report, offset, limit):
            parts = [jsonx.dumps(json_row(r, selected, fields)) for r in rows]
            yield (b"" if first else b",") + b",".join(parts)
            first = False
        yield b"]}"

    return StreamingResponse(body(), media_type="application/json")


def _csv(chunks: Iterator[bytes], name: str) -> StreamingResponse:
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return StreamingResponse(chunks, media_type="text/csv; charset=utf-8", headers=headers)


@router.get(BASE + "/{report_id}/export")
def export_report(
    report_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> StreamingResponse:
    report, fields = _ready(ctx, principal, report_id)
    name = f"contact_activity_{report.row.id}.csv"
    if report.row.store == service.REPLICA:
        return _csv(export.file_chunks(service.export_file(ctx, report, fields)), name)
    chunks = service.stored_rows(ctx, report, 0, None)
    return _csv(export.report_csv(chunks, report.spec.selected_fields, fields), name)


@router.get(BASE + "/{report_id}/export_detailed")
def export_detailed(
    report_id: str,
    principal: Principal = Depends(ongage_principal),
    ctx: Context = Depends(get_ctx),
) -> StreamingResponse:
    report, _ = _ready(ctx, principal, report_id)
    name = f"contact_activity_{report.row.id}_detailed.csv"
    if report.row.store == service.REPLICA:
        return _csv(export.file_chunks(service.detailed_file(ctx, report)), name)
    return _csv(export.detailed_csv(service.detailed_rows(ctx, report)), name)
