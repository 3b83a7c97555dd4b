"""What every `mailroom` command shares: the context, the account it acts for, its errors."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from mailroom.config import Settings
from mailroom.context import Context
from mailroom.db.database import Database
from mailroom.db.migrate import upgrade
from mailroom.errors import MailroomError


def open_context() -> Context:
    """The configured database, migrated to head (a first command on a new file just works)."""
    settings = Settings.from_env()
    upgrade(settings.database_url)
    return Context(settings=settings, db=Database(settings.database_url))


@contextmanager
def cli_errors() -> Iterator[None]:
    """A domain error as a one-line `Error: ...` and exit status 1, not a traceback."""
    try:
        yield
    except MailroomError as exc:
        raise click.ClickException(exc.message) from None


def account_option(func: Any) -> Any:
    """`--account CODE`, optional while the database holds a single account."""
    return click.option(
        "--account",
        "account_code",
        default=None,
        help="The account's code (see `mailroom accounts list`); optional with one account.",
    )(func)


def resolve_account(ctx: Context, account_code: str | None) -> Any:
    """The account named by `--account`, or the only one; a clear error otherwise."""
    from mailroom.accounts import service

    with ctx.db.read() as conn:
        if account_code:
            with cli_errors():
                return service.account_by_code(conn, account_code)
        rows = service.all_accounts(conn)
    if len(rows) == 1:
        return rows[0]
    if not rows:
        raise click.ClickException(
            "There is no account yet: create one with `mailroom accounts create NAME`"
            " (or load the demo with `mailroom demo`)."
        )
    codes = ", ".join(r.code for r in rows)
    raise click.ClickException(
        f"There are {len(rows)} accounts ({codes}): name one with --account CODE."
    )


def echo_table(header: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
    """Rows as aligned text columns under a header, for people reading a terminal."""
    cells = [
        tuple(str(v) for v in header),
        *[tuple("" if v is None else str(v) for v in r) for r in rows],
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for row in cells:
        click.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
