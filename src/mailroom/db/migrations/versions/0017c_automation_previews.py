"""automation_previews: the console's copy of each event's preview of the next days

Computing a preview selects the contacts due on each day of the window; on a large list that is
seconds, too slow for a page. A job computes it and stores the totals per day and the first
messages due; the console's event page reads that row.

Revision ID: 0017c_automation_previews
Revises: 0013b_contacts_list_id
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017c_automation_previews"
down_revision = "0013b_contacts_list_id"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "automation_previews",
        sa.Column("event_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("first_day", sa.String(10), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("per_day", sa.JSON(), nullable=False),
        sa.Column("items", sa.JSON(), nullable=False),
        sa.Column("computed_ms", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["automation_events.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_automation_previews")),
    )


def downgrade() -> None:
    op.drop_table("automation_previews")
