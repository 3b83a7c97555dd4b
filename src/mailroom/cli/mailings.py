"""`mailroom mailings list`: mailing ids and names, for tracking links and event files."""

from __future__ import annotations

import click

from mailroom.cli.context import account_option, echo_table, open_context, resolve_account


@click.group()
def mailings() -> None:
    """Mailings (campaigns) of an account."""


@mailings.command("list")
@account_option
def list_mailings(account_code: str | None) -> None:
    """Show the account's mailings: id, name, list and when sent (Unix seconds)."""
    from mailroom.mailings import service

    ctx = open_context()
    account = resolve_account(ctx, account_code)
    with ctx.db.read() as conn:
        rows = service.account_mailings(conn, account.id)
    if not rows:
        click.echo(f"Account {account.code} has no mailings yet.", err=True)
        return
    echo_table(("id", "name", "list_id", "sent"), [(r.id, r.name, r.list_id, r.sent) for r in rows])
