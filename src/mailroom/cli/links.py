"""`mailroom links make`: signed tracking URLs for one contact and mailing, without Python."""

from __future__ import annotations

import json

import click

from mailroom.cli.context import account_option, cli_errors, open_context, resolve_account
from mailroom.cli.types import ID


@click.group()
def links() -> None:
    """Signed open, click and unsubscribe links (MAILROOM_PUBLIC_URL is their base)."""


@links.command("make")
@click.option("--contact", "contact_id", required=True, help="The contact's 24-hex id.")
@click.option("--mailing", "mailing_id", type=ID, required=True, help="The mailing's id.")
@click.option("--url", default=None, help="A link in the mail to wrap in a click redirect.")
@account_option
def make_links(contact_id: str, mailing_id: int, url: str | None, account_code: str | None) -> None:
    """Print the contact's open, unsubscribe (and click) URLs as one JSON object."""
    from mailroom.tracking import handout

    ctx = open_context()
    account = resolve_account(ctx, account_code)
    with cli_errors(), ctx.db.read() as conn:
        made = handout.make_links(ctx, conn, account.id, contact_id, mailing_id, url)
    click.echo(json.dumps(made.as_dict()))
