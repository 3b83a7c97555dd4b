"""`mailroom import contacts`: the file checked before the progress bar, messages naming flags.

Exit status: 0 when every row was imported, 3 when some rows failed, 4 when nothing was
imported (every row failed, or the file had no rows); 1 for an error that stops the import.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

import click
from tqdm import tqdm

from mailroom.contacts import service as contacts_service
from mailroom.contacts.schemas import ALREADY_EXISTS
from mailroom.context import Context
from mailroom.errors import MailroomError, NotFound
from mailroom.imports import columns
from mailroom.imports.columns import FieldType
from mailroom.imports.contacts import (
    FailureSink,
    ImportReport,
    UnknownColumns,
    csv_failure_sink,
    import_contacts,
)

EXIT_SOME_FAILED = 3
EXIT_NOTHING_IMPORTED = 4
ALREADY_EXISTS_CLI = "Contact already exists (pass --overwrite to update it)"


def cli_reason(reason: str) -> str:
    """A failure reason in the CLI's words (its flags, not the API's body keys)."""
    return ALREADY_EXISTS_CLI if reason == ALREADY_EXISTS else reason


def field_types_of(specs: Sequence[str]) -> dict[str, FieldType]:
    """The `--field-type NAME=TYPE[:FORMAT]` options, checked before anything is read."""
    types: dict[str, FieldType] = {}
    for spec in specs:
        try:
            name, kind = columns.parse_field_type(spec)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--field-type") from None
        types[name] = kind
    return types


def _check_list(ctx: Context, list_id: int) -> None:
    try:
        with ctx.db.read() as conn:
            contacts_service.owner_of_list(conn, list_id)
    except NotFound:
        raise click.ClickException(
            f"List {list_id} not found. See your lists with `mailroom lists list`,"
            " or create one with `mailroom lists create NAME`."
        ) from None


def _unknown_columns_hint(list_id: int, exc: UnknownColumns) -> str:
    first = exc.names[0]
    return (
        f"{exc.message}.\nAdd --create-fields to create them as string fields"
        f" (with --field-type {first}=date:%Y-%m-%d or {first}=numeric for other types),"
        f" or create each first: mailroom fields create --list {list_id} {first} string"
    )


def run(
    ctx: Context,
    path: Path,
    list_id: int,
    *,
    overwrite: bool,
    errors_path: Path | None,
    batch_size: int,
    progress: bool,
    create_fields: bool,
    field_types: dict[str, FieldType],
) -> ImportReport:
    """Import with a progress bar on stderr and a summary on stdout."""
    _check_list(ctx, list_id)
    with ExitStack() as stack:
        sink: FailureSink | None = None
        if errors_path is not None:
            out = stack.enter_context(errors_path.open("w", newline="", encoding="utf-8"))
            raw_sink = csv_failure_sink(out)

            def sink(line: int, email: str, reason: str) -> None:
                raw_sink(line, email, cli_reason(reason))

        bar = stack.enter_context(
            tqdm(
                total=path.stat().st_size,
                unit="B",
                unit_scale=True,
                file=sys.stderr,
                disable=not progress,
                desc="contacts",
            )
        )

        def advance(done: int) -> None:
            bar.update(done - bar.n)

        try:
            report = import_contacts(
                ctx,
                path,
                list_id,
                overwrite=overwrite,
                batch_size=batch_size,
                failures=sink,
                on_progress=advance,
                create_fields=create_fields,
                field_types=field_types,
            )
        except UnknownColumns as exc:
            bar.close()
            raise click.ClickException(_unknown_columns_hint(list_id, exc)) from None
        except MailroomError as exc:
            bar.close()
            raise click.ClickException(exc.message) from None
    _summary(report, errors_path)
    return report


def _summary(report: ImportReport, errors_path: Path | None) -> None:
    click.echo(
        f"{report.rows} rows in {report.seconds:.1f} s ({report.rows_per_second:,.0f} rows/s):"
        f" {report.created} created, {report.updated} updated, {report.failed} failed"
        f" (import id {report.import_id})"
    )
    for reason, count in report.reasons.most_common(10):
        click.echo(f"  {count} failed: {cli_reason(reason)}")
    if errors_path is not None and report.failed:
        click.echo(f"failed rows written to {errors_path}")


def exit_status(report: ImportReport) -> int:
    if report.created + report.updated == 0:
        return EXIT_NOTHING_IMPORTED
    return EXIT_SOME_FAILED if report.failed else 0
