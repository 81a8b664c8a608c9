"""signed requests already seen

``seen_requests``: the first sight of each request signature, so that a request replayed
within the five minutes its signature is valid does not act twice (bot.signing); rows older
than that window are deleted as requests arrive.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "seen_requests",
        sa.Column("signature", sa.String(length=80), nullable=False),
        sa.Column("signed_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("signature"),
    )
    op.create_index("ix_seen_requests_signed_at", "seen_requests", ["signed_at"])


def downgrade() -> None:
    op.drop_index("ix_seen_requests_signed_at", table_name="seen_requests")
    op.drop_table("seen_requests")
