"""`mailroom`: serve, migrate, create accounts, import, generate demo data."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import click

from mailroom.cli import accounts as accounts_cli
from mailroom.cli import automation as automation_cli
from mailroom.cli import fields as fields_cli
from mailroom.cli import links as links_cli
from mailroom.cli import lists as lists_cli
from mailroom.cli import mailings as mailings_cli
from mailroom.cli.context import open_context
from mailroom.cli.types import ID
from mailroom.config import Settings
from mailroom.db.migrate import upgrade


@click.group()
@click.version_option(package_name="mailroom")
def cli() -> None:
    """mailroom: email-marketing contacts, engagement and automation (MAILROOM_DATABASE_URL)."""


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
@click.option(
    "--no-worker",
    is_flag=True,
    help="Run no job worker inside the server (when `mailroom worker` processes run apart).",
)
@click.option(
    "--access-log/--no-access-log",
    default=True,
    show_default=True,
    help="One line per request on stderr (benchmarks turn it off).",
)
def serve(host: str, port: int, workers: int, no_worker: bool, access_log: bool) -> None:
    """Migrate the database if needed and serve the HTTP APIs (and jobs, unless --no-worker)."""
    import os

    import uvicorn

    if no_worker:  # read by each server process's Settings.from_env
        os.environ["MAILROOM_INPROCESS_WORKER"] = "0"
    # Links in mail point at this server unless a public address is configured.
    os.environ.setdefault("MAILROOM_PUBLIC_URL", own_url(host, port))
    from mailroom.keys import service as keys

    ctx = open_context()
    try:
        ring = keys.key_ring(ctx)  # generated here on the first start, before any worker runs
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        ctx.db.dispose()
    click.echo(keys.announce(ring), err=True)
    url = ctx.db.engine.url.render_as_string(hide_password=True)
    click.echo(f"mailroom on http://{host}:{port} (database {url})", err=True)
    uvicorn.run(
        "mailroom.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        # uvicorn writes its access lines at INFO; without them only warnings are worth a line.
        log_level="info" if access_log else "warning",
        access_log=access_log,
    )


def own_url(host: str, port: int) -> str:
    """The address this server answers on, as a link: a wildcard host is this machine."""
    if host in ("", "0.0.0.0", "::"):
        host = "127.0.0.1"
    elif ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


@cli.group()
def secret() -> None:
    """The secret key that signs tracking links (kept in the database unless configured)."""


@secret.command("rotate")
def secret_rotate() -> None:
    """Sign new links with a new key; the old one verifies for MAILROOM_SECRET_GRACE_DAYS.

    Restart the servers afterwards: each process reads the keys when it starts.
    """
    from mailroom.keys import service as keys

    ctx = open_context()
    if ctx.settings.secret_key:
        raise click.ClickException(
            "MAILROOM_SECRET_KEY is set: rotate by setting a new one and moving the old one to "
            "MAILROOM_OLD_SECRET_KEYS"
        )
    with ctx.db.write() as conn:
        key_id = keys.rotate(conn, ctx.clock)
    click.echo(
        f"key {key_id} now signs; older keys verify for {ctx.settings.secret_grace_days} days."
        " Restart the servers.",
        err=True,
    )


@cli.command()
def worker() -> None:
    """Run background jobs and periodic tasks until interrupted (several may run at once)."""
    from mailroom.background import load_jobs
    from mailroom.jobs import worker as jobs_worker

    load_jobs()
    ctx = open_context()
    click.echo(f"worker {jobs_worker.worker_name()} on {ctx.settings.database_url}", err=True)
    with contextlib.suppress(KeyboardInterrupt):
        jobs_worker.run_forever(ctx)


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    settings = Settings.from_env()
    upgrade(settings.database_url, revision)
    click.echo(f"database at {revision}: {settings.database_url}", err=True)


@cli.group()
def accounts() -> None:
    """Tenants and their credentials."""


@accounts.command("create")
@click.argument("name")
@click.option("--username", default=None)
@click.option("--password", default=None)
def accounts_create(name: str, username: str | None, password: str | None) -> None:
    """Create an account with one API user; print its credentials as one JSON object."""
    from mailroom.accounts import service

    ctx = open_context()
    with ctx.db.write() as conn:
        new = service.create_account(conn, ctx.clock, name, username=username, password=password)
    click.echo(
        json.dumps(
            {
                "account_id": new.account_id,
                "account_code": new.account_code,
                "username": new.username,
                "password": new.password,
                "token": new.token,
                "default_list_id": new.default_list_id,
            }
        )
    )


accounts.add_command(accounts_cli.list_accounts)


@cli.group("import")
def import_() -> None:
    """Bulk loads from files (contacts, events)."""


@import_.command("contacts")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--list",
    "list_id",
    type=int,
    required=True,
    help="The list to import into (mailroom lists list).",
)
@click.option("--overwrite", is_flag=True, help="Update contacts that already exist.")
@click.option(
    "--create-fields",
    is_flag=True,
    help="Create columns that are not list fields as string fields.",
)
@click.option(
    "--field-type",
    "field_type_specs",
    multiple=True,
    metavar="NAME=TYPE[:FORMAT]",
    help="Create column NAME as a string, numeric or date field, e.g. birthday=date:%Y-%m-%d.",
)
@click.option(
    "--errors",
    "errors_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every failed row (line, email, reason) to this CSV file.",
)
@click.option("--batch", "batch_size", type=int, default=5000, show_default=True)
@click.option("--progress/--no-progress", default=True, show_default=True)
def import_contacts(
    path: Path,
    list_id: int,
    overwrite: bool,
    errors_path: Path | None,
    batch_size: int,
    progress: bool,
    create_fields: bool,
    field_type_specs: tuple[str, ...],
) -> None:
    """Import contacts from a CSV (header: email and list-field names) into one list.

    Exits 3 when some rows failed and 4 when nothing was imported.
    """
    from mailroom.cli import contacts_import

    types = contacts_import.field_types_of(field_type_specs)
    report = contacts_import.run(
        open_context(),
        path,
        list_id,
        overwrite=overwrite,
        errors_path=errors_path,
        batch_size=batch_size,
        progress=progress,
        create_fields=create_fields,
        field_types=types,
    )
    sys.exit(contacts_import.exit_status(report))


@cli.group()
def webhooks() -> None:
    """Endpoints that receive sending providers' event webhooks."""


@webhooks.command("create")
@click.option("--account", "account_code", required=True, help="The account's code.")
@click.option(
    "--provider", required=True, type=click.Choice(["ses", "sendgrid", "mailgun", "postmark"])
)
@click.option(
    "--secret",
    default=None,
    help="sendgrid: verification key; mailgun: signing key; postmark: user:password; "
    "ses: the SNS topic ARN to accept (optional).",
)
@click.option("--list", "list_id", type=ID, default=None, help="List to find addresses in.")
def webhooks_create(
    account_code: str, provider: str, secret: str | None, list_id: int | None
) -> None:
    """Create a webhook endpoint; print its URL as one JSON object."""
    from mailroom.accounts import service as accounts_service
    from mailroom.errors import MailroomError
    from mailroom.webhooks import service

    ctx = open_context()
    try:
        with ctx.db.write() as conn:
            account = accounts_service.account_by_code(conn, account_code)
            made = service.create_endpoint(
                conn, ctx.clock, account.id, provider, secret=secret, list_id=list_id
            )
    except MailroomError as exc:
        raise click.ClickException(exc.message) from None
    made["url"] = ctx.settings.public_url.rstrip("/") + made.pop("path")
    click.echo(json.dumps(made))


@import_.command("events")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--account", "account_code", required=True, help="The account's code.")
@click.option("--list", "list_id", type=ID, default=None, help="List of items named by email.")
@click.option("--format", "fmt", type=click.Choice(["csv", "ndjson"]), default=None)
@click.option("--errors", "errors_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--batch", "batch_size", type=int, default=5000, show_default=True)
@click.option(
    "--create-mailings",
    is_flag=True,
    help="Register mailings the file names but mailroom does not know (sent elsewhere).",
)
def import_events(
    path: Path,
    account_code: str,
    list_id: int | None,
    fmt: str | None,
    errors_path: Path | None,
    batch_size: int,
    create_mailings: bool,
) -> None:
    """Import engagement history (CSV with a header row, or NDJSON) through the ingest path."""
    from tqdm import tqdm

    from mailroom.accounts import service as accounts_service
    from mailroom.errors import MailroomError
    from mailroom.imports import events
    from mailroom.lists import service as lists_service

    ctx = open_context()
    try:
        with ctx.db.read() as conn:
            account = accounts_service.account_by_code(conn, account_code)
            if list_id is not None:  # another account's list is not found, as in the API
                lists_service.get_list(conn, account.id, list_id)
        kind = events.format_of(path, fmt)
    except (MailroomError, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
    with tqdm(total=path.stat().st_size, unit="B", unit_scale=True, file=sys.stderr) as bar:

        def progress(done: int) -> None:
            bar.update(done - bar.n)

        summary = events.import_events(
            ctx,
            path,
            account_id=account.id,
            list_id=list_id or account.default_list_id,
            fmt=kind,
            batch_size=batch_size,
            on_progress=progress,
            create_mailings=create_mailings,
        )
    if errors_path is not None:
        with errors_path.open("w") as out:
            for error in summary.errors:
                out.write(json.dumps(error.__dict__) + "\n")
    for error in summary.errors[:10]:
        click.echo(f"line {error.line}: {error.reason}", err=True)
    click.echo(
        json.dumps(
            {
                "accepted": summary.accepted,
                "duplicates": summary.duplicates,
                "rejected": summary.rejected,
            }
        )
    )


@cli.group()
def activity() -> None:
    """Engagement events and their retention."""


@activity.command("prune")
@click.option(
    "--days",
    type=click.IntRange(1, 36_600),
    default=None,
    help="Age in days (default: retention_days).",
)
def activity_prune(days: int | None) -> None:
    """Delete raw events older than N days; reports and charts keep every total."""
    from mailroom.activity import jobs as activity_jobs

    ctx = open_context()
    days = days if days is not None else ctx.settings.retention_days
    if days <= 0:
        click.echo("retention is off (MAILROOM_RETENTION_DAYS=0); pass --days N", err=True)
        return
    deleted = activity_jobs.prune(ctx, days)
    click.echo(json.dumps({"deleted": deleted, "older_than_days": days}))


@cli.command()
@click.option("--contacts", type=click.IntRange(min=0), default=1000, show_default=True)
@click.option(
    "--events",
    type=click.IntRange(min=0),
    default=None,
    help="About how many events to generate (default: 20 per contact).",
)
@click.option("--seed", type=int, default=1, show_default=True, help="Same seed, same data.")
@click.option("--account-name", default="Mailroom demo", show_default=True)
@click.option("--reset", is_flag=True, help="Delete an existing demo account first.")
@click.option("--progress/--no-progress", default=True, show_default=True)
def demo(
    contacts: int,
    events: int | None,
    seed: int,
    account_name: str,
    reset: bool,
    progress: bool,
) -> None:
    """Load a demo account (code `demo`) with a year of activity; print credentials as JSON."""
    from mailroom.demo.command import run
    from mailroom.demo.service import DemoSpec

    spec = DemoSpec(contacts, events, seed, account_name, reset)
    click.echo(json.dumps(run(open_context(), spec, progress=progress)))


@activity.command("rebuild")
@click.option("--account", "account_code", required=True, help="The account's code.")
@click.option("--allow-pruned", is_flag=True, help="Rebuild even though old events were pruned.")
def activity_rebuild(account_code: str, allow_pruned: bool) -> None:
    """Recompute an account's activity totals from its stored events (a repair tool)."""
    from mailroom.accounts import service as accounts_service
    from mailroom.activity import service as activity_service
    from mailroom.errors import MailroomError

    ctx = open_context()
    try:
        with ctx.db.write() as conn:
            account = accounts_service.account_by_code(conn, account_code)
            activity_service.rebuild_aggregates(conn, account.id, allow_pruned=allow_pruned)
    except MailroomError as exc:
        raise click.ClickException(exc.message) from None
    click.echo(json.dumps({"rebuilt": account_code}))


@cli.group()
def replica() -> None:
    """The columnar copy of the events that windowed reports read (MAILROOM_REPLICA_PATH)."""


@replica.command("rebuild")
@click.option("--progress/--no-progress", default=True, show_default=True)
def replica_rebuild(progress: bool) -> None:
    """Build the replica again from the main database, then replace the old one."""
    import time

    from tqdm import tqdm

    from mailroom.replica import service, store

    ctx = open_context()
    started = time.monotonic()
    total = service.events_in_main(ctx)
    with tqdm(
        total=total, unit=" events", unit_scale=True, file=sys.stderr, disable=not progress
    ) as bar:
        caught = service.rebuild(ctx, progress=bar.update)
    click.echo(
        json.dumps(
            {
                "replica": str(store.path_of(ctx.settings)),
                "events": caught.events,
                "through_event_id": caught.through,
                "seconds": round(time.monotonic() - started, 1),
            }
        )
    )


@replica.command("feed")
@click.option("--follow", is_flag=True, help="Keep feeding every --every seconds.")
@click.option("--every", type=float, default=1.0, show_default=True)
def replica_feed(follow: bool, every: float) -> None:
    """Bring the replica up to date with the main database (once, or continuously)."""
    import time

    from mailroom.replica import service

    ctx = open_context()
    with contextlib.suppress(KeyboardInterrupt):
        while True:
            caught = service.catch_up(ctx)
            if not follow:
                click.echo(
                    json.dumps({"events": caught.events, "through_event_id": caught.through})
                )
                return
            time.sleep(every)


@replica.command("status")
def replica_status() -> None:
    """The replica's watermarks beside the main database's newest ids."""
    from mailroom.replica import service

    click.echo(json.dumps(service.status(open_context())))


cli.add_command(lists_cli.lists)
cli.add_command(fields_cli.fields)
cli.add_command(mailings_cli.mailings)
cli.add_command(links_cli.links)
cli.add_command(automation_cli.events)
accounts.add_command(automation_cli.time_zone)
