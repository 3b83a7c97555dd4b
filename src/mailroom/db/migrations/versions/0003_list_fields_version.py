"""lists: a fields_version counter, bumped by every change to the list's fields

Contact reads render through the list's field schema. With the version read in the same query
as the contact, a process can keep the schema in memory and know when it is stale, so the
hottest read (`by_email`) is one query on every backend and with any number of processes.

Revision ID: 0003_list_fields_version
Revises: 0002_events_contact_type
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_list_fields_version"
down_revision = "0002_events_contact_type"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("lists") as batch:
        batch.add_column(
            sa.Column("fields_version", sa.BigInteger(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("lists") as batch:
        batch.drop_column("fields_version")
