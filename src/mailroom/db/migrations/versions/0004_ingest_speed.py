"""aggregates: fewer index writes per ingested event

Every ingest batch updates thousands of random rows of the aggregate tables, so each index and
each half-full page they keep costs writes:

* ``ix_contact_mailing_totals_recent`` goes: the contact's campaign summary sorts that
  contact's rows, which the primary key ``(contact_id, mailing_id)`` already finds, and the
  index changed on nearly every update (``last_at_ms``).
* SQLite: ``contact_totals`` keys its rows by ``contact_id`` itself (INTEGER PRIMARY KEY, the
  rowid) and the two tables with composite keys are WITHOUT ROWID, so each row lives in one
  B-tree instead of a table plus a primary-key index.
* PostgreSQL: the three tables keep 30% of each page free (fillfactor 70), so an update can
  stay on its page without touching the indexes (a HOT update).

Revision ID: 0004_ingest_speed
Revises: 0003_list_fields_version
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_ingest_speed"
down_revision = "0003_list_fields_version"
branch_labels = None
depends_on = None

TABLES = ("contact_totals", "contact_mailing_totals", "activity_hourly")
RECENT = "ix_contact_mailing_totals_recent"


def upgrade() -> None:
    op.drop_index(RECENT, table_name="contact_mailing_totals")
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} SET (fillfactor = 70)")
        return
    with op.batch_alter_table("contact_totals", recreate="always") as batch:
        batch.alter_column("contact_id", type_=sa.Integer(), existing_nullable=False)
    for table in TABLES[1:]:
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_with_rowid": False}
        ):
            pass


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"ALTER TABLE {table} RESET (fillfactor)")
    else:
        with op.batch_alter_table("contact_totals", recreate="always") as batch:
            batch.alter_column("contact_id", type_=sa.BigInteger(), existing_nullable=False)
        for table in TABLES[1:]:
            with op.batch_alter_table(table, recreate="always"):
                pass
    op.create_index(RECENT, "contact_mailing_totals", ["contact_id", "last_at_ms"], unique=False)
