"""replica feeds and report rows: contact_changes (by triggers), event_deletions, report_rows

The columnar replica (`mailroom.replica`) follows three logs of the main database by their ids:
the events themselves, `contact_changes` (one row per inserted, updated or deleted contact,
written by triggers so no write path can forget it) and `event_deletions` (one row per purge,
retention chunk or account removal, written by the code that deletes). All-time reports store
their rows in `report_rows`; `reports` gains the event id it must see and the one it read.

Revision ID: 0014_replica_reports
Revises: 0011a_keys_replays_limits
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_replica_reports"
down_revision = "0011a_keys_replays_limits"
branch_labels = None
depends_on = None

COUNTERS = (
    "sent",
    "opens",
    "clicks",
    "machine_opens",
    "machine_clicks",
    "unsubscribe",
    "complains",
    "bounces",
)


Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_SQLITE_TRIGGERS = (
    "CREATE TRIGGER contacts_changed_insert AFTER INSERT ON contacts"
    " BEGIN INSERT INTO contact_changes (contact_id) VALUES (NEW.id); END",
    "CREATE TRIGGER contacts_changed_update AFTER UPDATE ON contacts"
    " BEGIN INSERT INTO contact_changes (contact_id) VALUES (NEW.id); END",
    "CREATE TRIGGER contacts_changed_delete AFTER DELETE ON contacts"
    " BEGIN INSERT INTO contact_changes (contact_id) VALUES (OLD.id); END",
)
# Statement-level with transition tables: an import of 5,000 contacts is one INSERT ... SELECT.
_PG_FUNCTIONS = (
    "CREATE FUNCTION contacts_changed_new() RETURNS trigger LANGUAGE plpgsql AS $$"
    " BEGIN INSERT INTO contact_changes (contact_id) SELECT id FROM changed_rows;"
    " RETURN NULL; END $$",
)
_PG_TRIGGERS = (
    "CREATE TRIGGER contacts_changed_insert AFTER INSERT ON contacts"
    " REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION contacts_changed_new()",
    "CREATE TRIGGER contacts_changed_update AFTER UPDATE ON contacts"
    " REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION contacts_changed_new()",
    "CREATE TRIGGER contacts_changed_delete AFTER DELETE ON contacts"
    " REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT"
    " EXECUTE FUNCTION contacts_changed_new()",
)


def upgrade() -> None:
    op.create_table(
        "contact_changes",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("contact_id", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "event_deletions",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.BigInteger, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),  # contacts | list | range | account
        sa.Column("list_id", sa.BigInteger, nullable=True),
        sa.Column("contact_ids", sa.JSON, nullable=True),
        sa.Column("id_low", sa.BigInteger, nullable=True),
        sa.Column("id_high", sa.BigInteger, nullable=True),
        sa.Column("before_ms", sa.BigInteger, nullable=True),
        sa.Column("events_max", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.create_table(
        "report_rows",
        sa.Column("report_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("contact_id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("fields", sa.Text, nullable=True),
        sa.Column("created", sa.BigInteger, nullable=True),
        sa.Column("unsubscribe_date", sa.BigInteger, nullable=True),
        sa.Column("resubscribe_date", sa.BigInteger, nullable=True),
        sa.Column("bounce_date", sa.BigInteger, nullable=True),
        sa.Column("complaint_date", sa.BigInteger, nullable=True),
        *(sa.Column(name, sa.BigInteger, nullable=False, server_default="0") for name in COUNTERS),
        sa.Column("last_sent_date", sa.BigInteger, nullable=True),
        sa.Column("last_open_date", sa.BigInteger, nullable=True),
        sa.Column("last_click_date", sa.BigInteger, nullable=True),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("events_high", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("data_through", sa.BigInteger, nullable=True))
        batch.add_column(sa.Column("store", sa.String(16), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        for statement in (*_PG_FUNCTIONS, *_PG_TRIGGERS):
            op.execute(statement)
    else:
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for name in ("insert", "update", "delete"):
        on = " ON contacts" if postgresql else ""
        op.execute(f"DROP TRIGGER IF EXISTS contacts_changed_{name}{on}")
    if postgresql:
        op.execute("DROP FUNCTION IF EXISTS contacts_changed_new()")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("store")
        batch.drop_column("data_through")
        batch.drop_column("events_high")
    op.drop_table("report_rows")
    op.drop_table("event_deletions")
    op.drop_table("contact_changes")
