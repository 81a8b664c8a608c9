"""the earliest day a firm takes time for, and how long a timer may run unasked

``workspace.earliest_entry_date``: entries dated before it are refused on every surface
(NULL: two years before today). ``workspace.timer_limit_minutes``: a timer that ran longer
(or past the person's midnight) is not saved by a plain stop; its owner says how long they
worked.

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
    op.add_column(
        "workspace", sa.Column("timer_limit_minutes", sa.Integer(), nullable=False, server_default="720")
    )


def downgrade() -> None:
    op.drop_column("workspace", "timer_limit_minutes")
    op.drop_column("workspace", "earliest_entry_date")
