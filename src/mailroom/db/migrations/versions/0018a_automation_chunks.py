"""automation chunks: the totals of one mailing read in contact order; the segment of a send

A not-opened follow-up after a large mailing claims its due sends in chunks of contact ids, each
read from the contact x mailing totals of that mailing: an index on (mailing_id, contact_id)
gives both the chunk bounds (a keyset) and each chunk's rows without reading other mailings'
totals. ``sends.segment_id`` keeps the included segment a recipient was chosen through, which a
message shows as ``{{ocx_segment_id}}``.

Revision ID: 0018a_automation_chunks
Revises: 0017c_automation_previews
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018a_automation_chunks"
down_revision = "0017c_automation_previews"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_contact_mailing_totals_mailing_contact",
        "contact_mailing_totals",
        ["mailing_id", "contact_id"],
    )
    with op.batch_alter_table("sends") as batch:
        batch.add_column(sa.Column("segment_id", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sends") as batch:
        batch.drop_column("segment_id")
    op.drop_index("ix_contact_mailing_totals_mailing_contact", table_name="contact_mailing_totals")
