"""entry decisions

Approvers may decide a submission entry by entry: each entry's outcome (who, when, why) is
kept per submission, one per entry (the primary key). A submission closed with some entries
approved and some rejected is "partial" (the status column is a plain string: no type to
alter).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "entry_decisions",
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "draft",
                "submitted",
                "approved",
                "rejected",
                "billed",
                name="decision_outcome",
                native_enum=False,
                length=20,
            ),  # fmt: skip
            nullable=False,
        ),
        sa.Column("decided_by", sa.String(length=32), nullable=False),
        sa.Column("decided_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["time_entries.id"],
            name=op.f("fk_entry_decisions_entry_id_time_entries"),
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.ForeignKeyConstraint(
            ["submission_id"], ["submissions.id"], name=op.f("fk_entry_decisions_submission_id_submissions")
        ),
        sa.PrimaryKeyConstraint("submission_id", "entry_id", name=op.f("pk_entry_decisions")),
    )


def downgrade() -> None:
    op.drop_table("entry_decisions")
