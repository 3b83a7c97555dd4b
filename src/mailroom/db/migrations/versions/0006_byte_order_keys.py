"""contacts.uid and events.idem_key compare as bytes (PostgreSQL collation "C")

Both are opaque identifiers: nothing sorts them for people, and equality is the same under any
deterministic collation. Under the database's default collation (often a glibc locale, even
C.UTF-8) every comparison in their unique indexes goes through the locale's string compare;
under "C" it is a plain memcmp. Every ingested event probes `uq_contacts_uid` (contacts named by
id) and inserts into `ux_events_idem`: about a tenth of the lookup's and of the index's work.
The indexes are rebuilt; the tables are not rewritten. SQLite compares bytes already.

Revision ID: 0006_byte_order_keys
Revises: 0005_hourly_by_list_hour
"""

from __future__ import annotations

from alembic import op

revision = "0006_byte_order_keys"
down_revision = "0005_hourly_by_list_hour"
branch_labels = None
depends_on = None

COLUMNS = (("contacts", "uid", 24), ("events", "idem_key", 128))


def _collate(collation: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, length in COLUMNS:
        op.execute(
            f"ALTER TABLE {table} ALTER COLUMN {column} TYPE varchar({length}) COLLATE {collation}"
        )


def upgrade() -> None:
    _collate('"C"')


def downgrade() -> None:
    _collate('"default"')
