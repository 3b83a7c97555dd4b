"""Automation: events with their triggers and sends of the last 7 days, an event's preview of
the next 7 days (kept by the automation.preview job), and switching an event on or off after a
confirmation page."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mailroom.automation import preview_store
from mailroom.automation import service as automation_service
from mailroom.console import session
from mailroom.console.params import path_id
from mailroom.console.render import page
from mailroom.lists import service as lists_service

router = APIRouter(include_in_schema=False)

EVENTS_PER_PAGE = 50
DAYS = 7


def _days(today_s: int, forward: bool) -> list[int]:
    """The 7 UTC days ending today (or starting today), as Unix seconds of their starts."""
    step = 86_400
    if forward:
        return [today_s + i * step for i in range(DAYS)]
    return [today_s - (DAYS - 1 - i) * step for i in range(DAYS)]


@router.get("/console/automation")
def events(request: Request) -> Response:
    user = session.current_user(request)
    ctx = session.context(request)
    today_s = ctx.clock.now_ms() // 86_400_000 * 86_400
    with ctx.db.read() as conn:
        found = automation_service.page_events(
            conn,
            user.account_id,
            name=None,
            sort="id",
            descending=False,
            offset=0,
            limit=EVENTS_PER_PAGE,
        )
        triggers = [t for _, ts in found for t in ts]
        sent = automation_service.sends_per_day(conn, ctx.clock, triggers, DAYS)
        names = {row.id: row.name for row in lists_service.list_rows(conn, user.account_id)}
    days = _days(today_s, forward=False)
    per_event = {
        event.id: [sum(sent[t.id].get(d, 0) for t in ts) for d in days] for event, ts in found
    }
    return page(
        request,
        "automation.html",
        user=user,
        csrf=user.csrf,
        section="automation",
        events=found,
        list_names=names,
        days=days,
        per_event=per_event,
    )


@router.get("/console/automation/{event_id}")
def event(request: Request, event_id: str) -> Response:
    user = session.current_user(request)
    ctx = session.context(request)
    with ctx.db.read() as conn:
        row, triggers = automation_service.get_event(conn, user.account_id, path_id(event_id))
        kept = preview_store.stored(conn, ctx.clock, user.account_id, row.id)
        sent = automation_service.sends_per_day(conn, ctx.clock, triggers, DAYS)
        list_row = lists_service.get_list(conn, user.account_id, row.list_id)
    if kept is None or not kept.fresh:
        with ctx.db.write() as conn:
            preview_store.request(conn, ctx.clock, user.account_id, row.id)
    today_s = ctx.clock.now_ms() // 86_400_000 * 86_400
    return page(
        request,
        "automation_event.html",
        user=user,
        csrf=user.csrf,
        section="automation",
        event=row,
        triggers=triggers,
        list=list_row,
        past_days=_days(today_s, forward=False),
        sent=sent,
        preview=kept,
    )


def _confirm(request: Request, event_id: str) -> tuple[Any, Any]:
    user = session.current_user(request)
    ctx = session.context(request)
    with ctx.db.read() as conn:
        row, _ = automation_service.get_event(conn, user.account_id, path_id(event_id))
    return user, row


@router.get("/console/automation/{event_id}/toggle")
def confirm_toggle(request: Request, event_id: str) -> Response:
    """The confirmation page: what switching will do, and the one button that does it."""
    user, row = _confirm(request, event_id)
    return page(
        request,
        "automation_toggle.html",
        user=user,
        csrf=user.csrf,
        section="automation",
        event=row,
    )


@router.post("/console/automation/{event_id}/toggle")
async def toggle(request: Request, event_id: str) -> Response:
    form = await session.read_form(request)
    session.check_csrf(request, form)
    user = session.current_user(request)
    ctx = session.context(request)
    with ctx.db.write() as conn:
        row, _ = automation_service.get_event(conn, user.account_id, path_id(event_id))
        # The form says which way it meant: a second submit of a stale page changes nothing.
        if form.get("active") == ("off" if row.active else "on"):
            automation_service.toggle_event(conn, ctx.clock, user.account_id, row.id)
    return RedirectResponse("/console/automation", status_code=303)
