"""contact_totals: drop the list_id index

Only a list's purge used it, and that purge finds the list's totals through the list's contacts
(as it does for the contact x mailing totals). Every contact's first event paid for the index.

Revision ID: 0007_totals_no_list_index
Revises: 0006_byte_order_keys
"""

from __future__ import annotations

from alembic import op

revision = "0007_totals_no_list_index"
down_revision = "0006_byte_order_keys"
branch_labels = None
depends_on = None

INDEX = "ix_contact_totals_list_id"


def upgrade() -> None:
    op.drop_index(INDEX, table_name="contact_totals")


def downgrade() -> None:
    op.create_index(INDEX, "contact_totals", ["list_id"], unique=False)
