"""Lists, a list's contacts (search by email prefix, filter by status, keyset pages), a contact."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from mailroom.activity import history
from mailroom.activity.reads import contact_totals
from mailroom.activity.types import EventType
from mailroom.charts import rollups as charts
from mailroom.console import session
from mailroom.console.overview import freshness
from mailroom.console.params import event_cursor, path_id
from mailroom.console.render import page
from mailroom.contacts import service as contacts_service
from mailroom.contacts import status
from mailroom.contacts.schemas import Contact
from mailroom.fields import service as fields_service
from mailroom.lists import service as lists_service

router = APIRouter(include_in_schema=False)

CONTACTS_PER_PAGE = 50
EVENTS_PER_PAGE = 25
ALL_TYPES = tuple(EventType)


@router.get("/console/lists")
def lists(request: Request) -> Response:
    user = session.current_user(request)
    ctx = session.context(request)
    fresh = freshness(request, user)
    with ctx.db.read() as conn:
        rows = lists_service.list_rows(conn, user.account_id)
        counts = charts.status_counts(conn, user.account_id)
    return page(
        request,
        "lists.html",
        user=user,
        csrf=user.csrf,
        section="lists",
        fresh=fresh,
        lists=rows,
        counts=counts,
        statuses=status.OCX_STATUS,
    )


@router.get("/console/lists/{list_id}")
def list_contacts(request: Request, list_id: str) -> Response:
    user = session.current_user(request)
    ctx = session.context(request)
    query = request.query_params
    prefix = query.get("q", "").strip()[:320]
    state = query.get("status") or None
    if state not in (None, *status.OCX_STATUS):
        state = None
    after = query.get("after") or None
    fresh = freshness(request, user)
    with ctx.db.read() as conn:
        row = lists_service.get_list(conn, user.account_id, path_id(list_id))
        counts = charts.status_counts(conn, user.account_id).get(row.id)
        found, more = contacts_service.search(
            conn, row.id, prefix=prefix, state=state, after_email=after, limit=CONTACTS_PER_PAGE
        )
    return page(
        request,
        "list.html",
        user=user,
        csrf=user.csrf,
        section="lists",
        fresh=fresh,
        list=row,
        counts=counts,
        statuses=status.OCX_STATUS,
        contacts=found,
        more=more,
        q=prefix,
        state=state,
        after=after,
    )


@dataclass(frozen=True)
class StatusChange:
    at_s: int
    label: str


def status_history(contact: Contact) -> list[StatusChange]:
    """The status changes a contact's dates record, newest first."""
    stamps = [
        (contact.created, "Added (active)"),
        (contact.unsubscribe_date, "Unsubscribed"),
        (contact.resubscribe_date, "Resubscribed (active)"),
        (contact.bounce_date, "Bounced"),
        (contact.complaint_date, "Complained (spam report)"),
    ]
    found = [StatusChange(int(at), label) for at, label in stamps if at]
    return sorted(found, key=lambda c: c.at_s, reverse=True)


@router.get("/console/contacts/{uid}")
def contact(request: Request, uid: str) -> Response:
    user = session.current_user(request)
    ctx = session.context(request)
    before = event_cursor(request.query_params.get("before"))
    with ctx.db.read() as conn:
        found = contacts_service.by_uid(conn, user.account_id, uid)
        row = lists_service.get_list(conn, user.account_id, found.list_id)
        fields: list[Any] = [
            f for f in fields_service.fields_of_list(conn, row.id) if f.name != "email"
        ]
        totals = contact_totals(conn, user.account_id, found.id)
        events = history.event_page(conn, found.id, ALL_TYPES, limit=EVENTS_PER_PAGE, after=before)
    last = events.events[-1] if events.events else None
    return page(
        request,
        "contact.html",
        user=user,
        csrf=user.csrf,
        section="lists",
        contact=found,
        list=row,
        fields=fields,
        statuses=status.OCX_STATUS,
        history=status_history(found),
        totals=totals,
        events=events.events,
        next_cursor=f"{last.at_ms}.{last.id}" if events.more and last else None,
        paged=before is not None,
    )
