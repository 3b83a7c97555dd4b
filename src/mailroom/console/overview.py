"""The overview page, and the button that asks for fresher figures."""

from __future__ import annotations

from fastapi import APIRouter
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mailroom.charts import rollups as charts
from mailroom.charts.schemas import DAILY_SERIES, Freshness
from mailroom.console import session
from mailroom.console.render import day_label, page
from mailroom.console.session import ConsoleUser
from mailroom.contacts import status
from mailroom.lists import service as lists_service

router = APIRouter(include_in_schema=False)

WINDOWS = (30, 90, 365)
LATEST_MAILINGS = 5
MANUAL_REFRESH_MS = 10_000  # the button queues at most one refresh per ten seconds


def freshness(request: Request, user: ConsoleUser) -> Freshness:
    """How old the account's rollups are; a refresh is queued when they are due one."""
    ctx = session.context(request)
    with ctx.db.read() as conn:
        fresh = charts.freshness(conn, ctx.clock, user.account_id)
    if fresh.due:
        with ctx.db.write() as conn:
            charts.request_refresh(conn, ctx.clock, user.account_id)
    return fresh


@router.get("/console")
def overview(request: Request) -> Response:
    user = session.current_user(request)
    ctx = session.context(request)
    try:
        days = int(request.query_params.get("days", "30"))
    except ValueError:
        days = 30
    if days not in WINDOWS:
        days = 30
    fresh = freshness(request, user)
    with ctx.db.read() as conn:
        lists = lists_service.list_rows(conn, user.account_id)
        counts = charts.status_counts(conn, user.account_id)
        series = charts.daily(conn, ctx.clock, user.account_id, days)
        mailings, _ = charts.latest_mailings(conn, user.account_id, limit=LATEST_MAILINGS)
    # The table under the chart, its cells made here: a year is 2,555 of them, and each holds
    # a formatted integer only (nothing to escape).
    rows = [
        (
            day_label(day),
            Markup(
                "".join(f'<td class="num">{series.values[k][i]:,}</td>' for k, _ in DAILY_SERIES)
            ),
        )
        for i, day in reversed(list(enumerate(series.days)))
    ]
    chart = {
        "x": series.days,
        "series": [
            {"key": k, "label": label, "values": series.values[k]} for k, label in DAILY_SERIES
        ],
    }
    return page(
        request,
        "overview.html",
        user=user,
        csrf=user.csrf,
        section="overview",
        fresh=fresh,
        lists=lists,
        counts=counts,
        statuses=status.OCX_STATUS,
        days=days,
        windows=WINDOWS,
        rows=rows,
        labels=DAILY_SERIES,
        totals=series.totals(),
        chart=chart,
        mailings=mailings,
    )


@router.post("/console/refresh")
async def refresh(request: Request) -> Response:
    """Queue a refresh of the account's figures now, then go back where the form was."""
    form = await session.read_form(request)
    session.check_csrf(request, form)
    user = session.current_user(request)
    ctx = session.context(request)
    with ctx.db.write() as conn:
        charts.request_refresh(conn, ctx.clock, user.account_id, every_ms=MANUAL_REFRESH_MS)
    return RedirectResponse(session.safe_next(form.get("next")), status_code=303)
