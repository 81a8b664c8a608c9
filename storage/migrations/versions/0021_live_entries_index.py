"""reports: a partial index of the entries priced live

``ix_time_entries_live`` holds only the billable entries whose price is not frozen (drafts,
submitted and rejected ones): a report prices these a group at a time and finds them here
without reading the approved and billed history (storage.report.live).

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

# storage.models.time.LIVE_PRICED, as it was when this revision was written.
LIVE_PRICED = "billable AND (billed_seconds IS NULL OR status NOT IN ('approved', 'billed'))"
COLUMNS = ["date", "project_id", "person_id", "task_id", "work_type_id", "duration_seconds"]


def upgrade() -> None:
    where = sa.text(LIVE_PRICED)
    op.create_index(
        "ix_time_entries_live", "time_entries", COLUMNS, sqlite_where=where, postgresql_where=where
    )


def downgrade() -> None:
    op.drop_index("ix_time_entries_live", table_name="time_entries")
