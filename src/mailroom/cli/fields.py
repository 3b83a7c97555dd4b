"""`mailroom fields`: a list's fields (the columns a contact import may carry)."""

from __future__ import annotations

import json

import click

from mailroom.cli.context import cli_errors, echo_table, open_context
from mailroom.cli.types import ID
from mailroom.fields.schemas import CUSTOM_TYPES


@click.group()
def fields() -> None:
    """List fields: create them, show them."""


@fields.command("create")
@click.option("--list", "list_id", type=ID, required=True, help="The list (mailroom lists list).")
@click.argument("name")
@click.argument("field_type", metavar="TYPE", type=click.Choice(CUSTOM_TYPES))
@click.option(
    "--format",
    "fmt",
    default=None,
    help="Date fields: yyyy-mm-dd, dd/mm/yyyy, ... or the same as strftime (%Y-%m-%d).",
)
@click.option("--title", default=None, help="Display title (default: from the name).")
@click.option("--default", "default_value", default=None, help="Value for contacts without one.")
def create_field(
    list_id: int,
    name: str,
    field_type: str,
    fmt: str | None,
    title: str | None,
    default_value: str | None,
) -> None:
    """Create field NAME of TYPE in a list; print it as one JSON object."""
    from mailroom.contacts import service as contacts_service
    from mailroom.fields import service
    from mailroom.imports.columns import ongage_date_format

    if field_type == "date":
        if not fmt:
            raise click.UsageError("a date field needs --format, e.g. --format %Y-%m-%d")
        try:
            fmt = ongage_date_format(fmt)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--format") from None
    elif fmt:
        raise click.UsageError("--format applies to date fields only")
    data: dict[str, object] = {"name": name, "type": field_type, "format": fmt or ""}
    if title is not None:
        data["title"] = title
    if default_value is not None:
        data["default"] = default_value
    ctx = open_context()
    with cli_errors(), ctx.db.write() as conn:
        account_id = contacts_service.owner_of_list(conn, list_id)
        row = service.create_field(conn, ctx.clock, account_id, list_id, data)
    click.echo(
        json.dumps(
            {
                "id": row.id,
                "list_id": row.list_id,
                "name": row.name,
                "type": row.type,
                "format": row.format,
            }
        )
    )


@fields.command("list")
@click.option("--list", "list_id", type=ID, required=True, help="The list (mailroom lists list).")
def list_fields(list_id: int) -> None:
    """Show a list's fields in order."""
    from mailroom.contacts import service as contacts_service
    from mailroom.fields import service

    ctx = open_context()
    with cli_errors(), ctx.db.read() as conn:
        contacts_service.owner_of_list(conn, list_id)
        rows = service.fields_of_list(conn, list_id)
    echo_table(
        ("id", "name", "type", "format", "mandatory"),
        [(r.id, r.name, r.type, r.format, "yes" if r.mandatory else "") for r in rows],
    )
