"""`mailroom accounts list`: the accounts in the database, with their codes and API users."""

from __future__ import annotations

import click

from mailroom.cli.context import echo_table, open_context


@click.command("list")
def list_accounts() -> None:
    """Show every account: code, name, default list and API usernames (never passwords)."""
    from mailroom.accounts import service

    ctx = open_context()
    with ctx.db.read() as conn:
        rows = service.all_accounts(conn)
        users = service.usernames(conn)
    if not rows:
        click.echo("No accounts yet: create one with `mailroom accounts create NAME`.", err=True)
        return
    echo_table(
        ("code", "name", "default_list_id", "usernames"),
        [(r.code, r.name, r.default_list_id, ", ".join(users.get(r.id, []))) for r in rows],
    )
