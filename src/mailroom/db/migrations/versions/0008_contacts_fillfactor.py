"""contacts: keep a tenth of each page free on PostgreSQL (fillfactor 90)

Status changes (hard bounces, complaints, opt-outs arriving with ingested events, and Ongage's
change_status) and field updates touch no indexed column, so PostgreSQL can update the row in
place of its page (a HOT update) if the page has room, instead of writing a new row version
elsewhere and an entry in each of the table's four indexes. Pages filled to the brim by an
import leave no room. Pages written before this migration keep their fill until rewritten.

Revision ID: 0008_contacts_fillfactor
Revises: 0007_totals_no_list_index
"""

from __future__ import annotations

from alembic import op

revision = "0008_contacts_fillfactor"
down_revision = "0007_totals_no_list_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE contacts SET (fillfactor = 90)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE contacts RESET (fillfactor)")
