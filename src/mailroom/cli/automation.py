"""`mailroom events ...` and `mailroom accounts time-zone`: automation from the command line."""

from __future__ import annotations

import json

import click

from mailroom.cli.types import ID
from mailroom.errors import MailroomError


@click.group()
def events() -> None:
    """Ongage events and triggers."""


@events.command("preview")
@click.argument("event_id", type=ID)
@click.option("--account", "account_code", required=True, help="The account's code.")
@click.option("--from", "date_from", required=True, help="First day: YYYY-MM-DD or Unix seconds.")
@click.option("--to", "date_to", required=True, help="Last day (included): YYYY-MM-DD or Unix s.")
def events_preview(event_id: int, account_code: str, date_from: str, date_to: str) -> None:
    """Who would get which message when over the days given (nothing claimed or sent)."""
    from mailroom.accounts import service as accounts_service
    from mailroom.automation import preview
    from mailroom.cli.context import open_context

    ctx = open_context()
    try:
        with ctx.db.read() as conn:
            account = accounts_service.account_by_code(conn, account_code)
            items = preview.preview(conn, ctx.clock, account.id, event_id, date_from, date_to)
    except MailroomError as exc:
        raise click.ClickException(exc.message) from None
    for item in items:
        click.echo(json.dumps(item.as_json()))
    click.echo(json.dumps({"total": len(items)}), err=True)


@click.command("time-zone")
@click.argument("account_code")
@click.argument("zone", required=False)
def time_zone(account_code: str, zone: str | None) -> None:
    """Show, or set to ZONE (an IANA name such as Europe/Paris), an account's time zone."""
    from mailroom.accounts import service as accounts_service
    from mailroom.cli.context import open_context

    ctx = open_context()
    try:
        with ctx.db.write() as conn:
            account = accounts_service.account_by_code(conn, account_code)
            if zone is not None:
                accounts_service.set_time_zone(conn, account.id, zone)
            current = accounts_service.time_zone(conn, account.id).key
    except MailroomError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(json.dumps({"account": account_code, "time_zone": current}))
