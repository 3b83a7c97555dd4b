"""Segments with their counts, contact activity reports: their status, a form to make one from
a segment or a status and a date window, and the CSV of a completed one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from mailroom.console import session
from mailroom.console.params import path_id
from mailroom.console.render import page
from mailroom.errors import NotFound, ValidationFailed
from mailroom.lists import service as lists_service
from mailroom.reports import export
from mailroom.reports import service as reports_service
from mailroom.reports.schemas import STATUS_DESC, USER_TYPES
from mailroom.segments import service as segments_service
from mailroom.segments.schemas import SegmentQuery

router = APIRouter(include_in_schema=False)

REPORTS_PER_PAGE = 25
# What a report made here holds: the contact, its status and its engagement in the window.
SELECTED = (
    "email",
    "ocx_status",
    "sent",
    "opens",
    "clicks",
    "machine_opens",
    "machine_clicks",
    "bounces",
    "unsubscribe",
    "complains",
    "last_open_date",
    "last_click_date",
)
USER_TYPE_LABELS = {
    "all": "Every contact",
    "active": "Active",
    "nonactive": "Not active",
    "unsubscribed": "Unsubscribed",
    "bounced": "Bounced",
    "complaint": "Complained",
}


def _listing(request: Request, *, status: int = 200, error: Any = None,
             values: dict[str, str] | None = None) -> Response:  # fmt: skip
    user = session.current_user(request)
    ctx = session.context(request)
    with ctx.db.read() as conn:
        lists = lists_service.list_rows(conn, user.account_id)
        segments, _ = segments_service.find_segments(conn, user.account_id, SegmentQuery())
        reports, total = reports_service.find_reports(
            conn,
            user.account_id,
            None,
            sort="id",
            descending=True,
            offset=0,
            limit=REPORTS_PER_PAGE,
        )
    names = {row.id: row.name for row in lists}
    due = segments_service.counts_due(ctx.clock, segments)
    if due:
        with ctx.db.write() as conn:
            segments_service.request_counts(conn, ctx.clock, user.account_id, due)
    return page(
        request,
        "reports.html",
        status=status,
        user=user,
        csrf=user.csrf,
        section="reports",
        lists=[row for row in lists if row.type == "sending"],
        list_names=names,
        segments=segments,
        counting={int(s.id) for s in due},
        reports=reports,
        total=total,
        status_names=STATUS_DESC,
        user_types=[(key, USER_TYPE_LABELS.get(key, key)) for key in USER_TYPES],
        error=error,
        values=values or {},
    )


@router.get("/console/reports")
def reports(request: Request) -> Response:
    return _listing(request)


def _body(form: dict[str, str], segment_id: int | None) -> dict[str, Any]:
    """The Ongage contact activity request the form describes."""
    criteria = []
    if segment_id is not None:
        criteria.append(
            {"field_name": "segment", "type": "segment", "operator": "=", "operand": [segment_id]}
        )
    return {
        "title": form.get("title", "").strip(),
        "selected_fields": list(SELECTED),
        "include_machine": True,
        "filters": {
            "criteria": criteria,
            "user_type": form.get("user_type") or "all",
            "from_date": form.get("from") or None,
            "to_date": form.get("to") or None,
        },
    }


@router.post("/console/reports")
async def create_report(request: Request) -> Response:
    form = await session.read_form(request)
    session.check_csrf(request, form)
    user = session.current_user(request)
    ctx = session.context(request)
    try:
        with ctx.db.write() as conn:
            segment_id = None
            if form.get("segment"):
                segment = segments_service.get_segment(
                    conn, user.account_id, path_id(form["segment"])
                )
                segment_id, list_id = int(segment.id), int(segment.list_id)
            else:
                list_id = int(
                    lists_service.get_list(conn, user.account_id, path_id(form.get("list", ""))).id
                )
            reports_service.create_report(
                conn, ctx.clock, user.account_id, list_id, _body(form, segment_id)
            )
    except (ValidationFailed, NotFound) as exc:
        return _listing(request, status=exc.status, error=exc, values=form)
    return RedirectResponse("/console/reports", status_code=303)


@router.get("/console/reports/{report_id}.csv")
def report_csv(request: Request, report_id: str) -> Response:
    user = session.current_user(request)
    ctx = session.context(request)
    with ctx.db.read() as conn:
        report = reports_service.get_report(conn, user.account_id, path_id(report_id))
        reports_service.completed(report)
        fields = reports_service.list_fields(conn, report.row.list_id)
    name = f"contact_activity_{report.row.id}.csv"
    if report.row.store == reports_service.REPLICA:
        chunks = export.file_chunks(reports_service.export_file(ctx, report, fields))
    else:
        rows = reports_service.stored_rows(ctx, report, 0, None)
        chunks = export.report_csv(rows, report.spec.selected_fields, fields)
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return StreamingResponse(chunks, media_type="text/csv; charset=utf-8", headers=headers)
