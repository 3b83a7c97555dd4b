"""Mailings: each one's funnel, its opens and clicks over the first 72 hours, its top links."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from mailroom.charts import rollups as charts
from mailroom.console import session
from mailroom.console.overview import freshness
from mailroom.console.params import page_number, path_id
from mailroom.console.render import page

router = APIRouter(include_in_schema=False)

MAILINGS_PER_PAGE = 25


@router.get("/console/mailings")
def mailings(request: Request) -> Response:
    user = session.current_user(request)
    ctx = session.context(request)
    number = page_number(request.query_params.get("page"))
    fresh = freshness(request, user)
    with ctx.db.read() as conn:
        rows, total = charts.latest_mailings(
            conn, user.account_id, limit=MAILINGS_PER_PAGE, offset=(number - 1) * MAILINGS_PER_PAGE
        )
    return page(
        request,
        "mailings.html",
        user=user,
        csrf=user.csrf,
        section="mailings",
        fresh=fresh,
        mailings=rows,
        number=number,
        pages=max(1, -(-total // MAILINGS_PER_PAGE)),
        total=total,
    )


@router.get("/console/mailings/{mailing_id}")
def mailing(request: Request, mailing_id: str) -> Response:
    user = session.current_user(request)
    ctx = session.context(request)
    fresh = freshness(request, user)
    with ctx.db.read() as conn:
        found = charts.mailing(conn, user.account_id, path_id(mailing_id))
        curve = charts.first_hours(conn, found.id)
        links = charts.top_links(conn, found.id)
    chart = {
        "x": curve.hours,
        "axis": "hours",
        "series": [
            {"key": "opens", "label": "Opens (people)", "values": curve.opens},
            {"key": "machine_opens", "label": "Opens (machines)", "values": curve.machine_opens},
            {"key": "clicks", "label": "Clicks (people)", "values": curve.clicks},
            {"key": "machine_clicks", "label": "Clicks (machines)", "values": curve.machine_clicks},
        ],
    }
    return page(
        request,
        "mailing.html",
        user=user,
        csrf=user.csrf,
        section="mailings",
        fresh=fresh,
        mailing=found,
        funnel=found.funnel,
        curve=curve,
        chart=chart,
        links=links,
    )
