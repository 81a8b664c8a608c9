"""nudges and alerts: holidays, time off, reminder settings, budget periods and thresholds

- ``workspace``: ``country`` and ``subdivision`` (public holidays, the ``holidays``
  package), ``forgotten_timer_minutes`` (a running timer is asked about past this),
  ``missing_hours_tolerance_minutes`` (a day short by more than this is nudged).
- ``people``: ``country`` and ``subdivision`` overriding the workspace's, ``reminders``
  (missing-hours nudges on or off) and ``reminder_minutes`` (the local time they come at).
- ``projects``: ``budget_period`` (total or monthly) and ``alert_thresholds`` (percent).
- ``time_off``: a person's day off, whole (``seconds`` NULL) or in part; one row per day.
- ``ix_time_entries_date_person``: everyone's logged seconds on a day, read from the index.
- ``budget_marks``: for each budget, period and threshold, whether consumption is at or
  above it now and how often it crossed: an alert is queued once per crossing.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

UTC_DATETIME = storage.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    # Plain ADD COLUMN: a batch (copy the table) would trip over the rows that refer to it.
    for table, column in (
        ("workspace", sa.Column("country", sa.String(length=2), nullable=True)),
        ("workspace", sa.Column("subdivision", sa.String(length=10), nullable=True)),
        (
            "workspace",
            sa.Column("forgotten_timer_minutes", sa.Integer(), nullable=False, server_default="600"),
        ),
        (
            "workspace",
            sa.Column("missing_hours_tolerance_minutes", sa.Integer(), nullable=False, server_default="30"),
        ),
        ("people", sa.Column("country", sa.String(length=2), nullable=True)),
        ("people", sa.Column("subdivision", sa.String(length=10), nullable=True)),
        ("people", sa.Column("reminders", sa.Boolean(), nullable=False, server_default=sa.true())),
        ("people", sa.Column("reminder_minutes", sa.Integer(), nullable=False, server_default="570")),
        (
            "projects",
            sa.Column("budget_period", sa.String(length=10), nullable=False, server_default="total"),
        ),
        ("projects", sa.Column("alert_thresholds", sa.JSON(), nullable=True)),
    ):
        op.add_column(table, column)
    op.create_table(
        "time_off",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), sa.ForeignKey("people.id"), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("seconds", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "date", name="uq_time_off_person_date"),
    )
    op.create_index("ix_time_off_date", "time_off", ["date"])
    # Everyone's logged seconds on a day, from the index alone (whom to nudge, the digest).
    op.create_index("ix_time_entries_date_person", "time_entries", ["date", "person_id", "duration_seconds"])
    op.create_table(
        "budget_marks",
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("above", sa.Boolean(), nullable=False),
        sa.Column("crossings", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("subject", "period", "threshold"),
    )


def downgrade() -> None:
    op.drop_table("budget_marks")
    op.drop_index("ix_time_entries_date_person", table_name="time_entries")
    op.drop_index("ix_time_off_date", table_name="time_off")
    op.drop_table("time_off")
    for table, names in (
        ("projects", ("alert_thresholds", "budget_period")),
        ("people", ("reminder_minutes", "reminders", "subdivision", "country")),
        (
            "workspace",
            ("missing_hours_tolerance_minutes", "forgotten_timer_minutes", "subdivision", "country"),
        ),
    ):
        for name in names:
            op.drop_column(table, name)
