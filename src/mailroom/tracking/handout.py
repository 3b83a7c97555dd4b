"""Signed open, click and unsubscribe URLs for one contact and mailing, handed to integrations.

For senders that deliver through their own provider but want mailroom's tracking: the CLI
(`mailroom links make`) and the API (`POST /mailroom/v1/links`) both come here, so a link is
made only for a contact and a mailing of the caller's own account.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection

from mailroom.contacts import lookup
from mailroom.context import Context
from mailroom.errors import NotFound, ValidationFailed
from mailroom.mailings import service as mailings_service
from mailroom.tracking.links import Recipient, TrackingLinks


@dataclass(frozen=True)
class RecipientLinks:
    contact_id: str
    mailing_id: int
    open_url: str
    unsubscribe_url: str
    list_unsubscribe: str
    list_unsubscribe_post: str
    click_url: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def make_links(
    ctx: Context,
    conn: Connection,
    account_id: int,
    contact_id: str,
    mailing_id: int,
    url: str | None,
) -> RecipientLinks:
    """The recipient's signed URLs; `url` (http or https) gets a click redirect when given."""
    if contact_id not in lookup.by_uid(conn, account_id, [contact_id]):
        message = f"Contact {contact_id} not found in this account"
        raise NotFound(message, code="contact_not_found", errors=[{"field": "contact_id"}])
    mailings_service.get_mailing(conn, account_id, mailing_id)
    links = TrackingLinks.for_context(ctx)
    to = Recipient(account_id, contact_id, mailing_id)
    click_url = None
    if url is not None:
        try:
            click_url = links.click_url(to, url)
        except ValueError as exc:
            raise ValidationFailed(
                str(exc), errors=[{"field": "url", "message": str(exc)}]
            ) from None
    headers = links.list_unsubscribe_headers(to)
    return RecipientLinks(
        contact_id=contact_id,
        mailing_id=mailing_id,
        open_url=links.open_url(to),
        unsubscribe_url=links.unsubscribe_url(to),
        list_unsubscribe=headers["List-Unsubscribe"],
        list_unsubscribe_post=headers["List-Unsubscribe-Post"],
        click_url=click_url,
    )
