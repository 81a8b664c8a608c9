"""the earliest day a firm takes time for

``workspace.earliest_entry_date``: entries dated before it are refused on every surface
(NULL: two years before today).

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("workspace", sa.Column("earliest_entry_date", sa.Date(), nullable=True))


def downgrade() -> None:
    op.drop_column("workspace", "earliest_entry_date")
