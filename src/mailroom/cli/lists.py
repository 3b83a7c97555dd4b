"""`mailroom lists`: create lists, show them, choose the account's default list."""

from __future__ import annotations

import json

import click

from mailroom.cli.context import (
    account_option,
    cli_errors,
    echo_table,
    open_context,
    resolve_account,
)
from mailroom.cli.types import ID


@click.group()
def lists() -> None:
    """Lists of contacts: create, show, choose the default."""


@lists.command("create")
@click.argument("name")
@click.option("--default", "make_default", is_flag=True, help="Make it the account's default list.")
@click.option("--description", default="", help="Free text shown with the list.")
@click.option("--suppression", is_flag=True, help="A suppression list (addresses never sent to).")
@account_option
def create_list(
    name: str, make_default: bool, description: str, suppression: bool, account_code: str | None
) -> None:
    """Create a list (with its email field); print it as one JSON object."""
    from mailroom.lists import service

    ctx = open_context()
    account = resolve_account(ctx, account_code)
    data = {
        "name": name,
        "description": description,
        "type": "suppression" if suppression else "sending",
        "default": make_default,
    }
    with cli_errors(), ctx.db.write() as conn:
        made = service.create_list(conn, ctx.clock, account.id, data)
    list_id = int(made["id"])
    click.echo(
        json.dumps(
            {"id": list_id, "name": made["name"], "account": account.code, "default": make_default}
        )
    )
    click.echo(
        f"import into it: mailroom import contacts FILE.csv --list {list_id} --create-fields",
        err=True,
    )


@lists.command("list")
@account_option
def list_lists(account_code: str | None) -> None:
    """Show the account's lists with their contact counts; `*` marks the default."""
    from mailroom.lists import service
    from mailroom.lists.schemas import ListQuery

    ctx = open_context()
    account = resolve_account(ctx, account_code)
    with ctx.db.read() as conn:
        views, _ = service.find_lists(conn, account.id, ListQuery())
    echo_table(
        ("id", "name", "type", "contacts", "active", "default"),
        [
            (
                v.row.id,
                v.row.name,
                v.row.type,
                v.counts.total,
                v.counts.active,
                "*" if v.default else "",
            )
            for v in views
        ],
    )


@lists.command("default")
@click.argument("list_id", type=ID)
def default_list(list_id: int) -> None:
    """Make LIST_ID its account's default list (where API calls that name no list act)."""
    from mailroom.contacts import service as contacts_service
    from mailroom.lists import service

    ctx = open_context()
    with cli_errors(), ctx.db.write() as conn:
        account_id = contacts_service.owner_of_list(conn, list_id)
        previous = service.default_list_id(conn, account_id)
        service.make_default(conn, account_id, list_id)
    click.echo(json.dumps({"default_list_id": list_id, "previous": previous}))
    click.echo(
        f"running servers use it within {ctx.settings.auth_cache_s} s (their credential cache)",
        err=True,
    )
