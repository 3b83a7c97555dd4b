"""search_results: the contacts a contact search found, one row per report and contact

A contact search (``reports.kind = 'contact_search'``) stores the ids of the contacts it
matched, written by one INSERT ... SELECT inside the database; its result pages and exports
read them joined to the contacts.

Revision ID: 0013a_search_results
Revises: 0015b_chart_counters
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013a_search_results"
down_revision = "0015b_chart_counters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_results",
        sa.Column("report_id", sa.BigInteger(), nullable=False),
        sa.Column("contact_id", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["report_id"],
            ["reports.id"],
            name="fk_search_results_report_id_reports",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("report_id", "contact_id", name="pk_search_results"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("search_results")
