"""contacts: an index on list_id alone, so a list's contacts are read in table order

Criteria scan a list's contacts. The only index leading with list_id was (list_id, email), and
SQLite fetched the rows in email order: one random page read per contact, 20 s for a segment
count over 750,000 contacts, against 2.7 s in table order (the index on list_id holds the rowid,
so its entries follow the table). PostgreSQL reads either index through a bitmap in table
order; there the narrower index serves small lists.

Revision ID: 0013b_contacts_list_id
Revises: 0017b_contacts_inactive
"""

from __future__ import annotations

from alembic import op

revision = "0013b_contacts_list_id"
down_revision = "0017b_contacts_inactive"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_contacts_list_id", "contacts", ["list_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_contacts_list_id", table_name="contacts")
