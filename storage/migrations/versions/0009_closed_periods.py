"""closed periods

A closed month locks every entry dated in it, in the database: no insert, update or delete
of such an entry, whatever the path. Reopening the month (deleting its row) lifts the lock.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

MESSAGE = "the period is closed"


def upgrade() -> None:
    op.create_table(
        "closed_periods",
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("closed_by", sa.String(length=64), nullable=False),
        sa.Column("closed_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("month", name=op.f("pk_closed_periods")),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION time_entries_closed_period() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (SELECT 1 FROM closed_periods "
            "WHERE month = to_char(OLD.date, 'YYYY-MM')) THEN "
            f"RAISE EXCEPTION '{MESSAGE}'; END IF; "
            "IF TG_OP IN ('INSERT', 'UPDATE') AND EXISTS (SELECT 1 FROM closed_periods "
            "WHERE month = to_char(NEW.date, 'YYYY-MM')) THEN "
            f"RAISE EXCEPTION '{MESSAGE}'; END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"
        )
        op.execute(
            "CREATE TRIGGER time_entries_closed_period BEFORE INSERT OR UPDATE OR DELETE ON time_entries "
            "FOR EACH ROW EXECUTE FUNCTION time_entries_closed_period()"
        )
        return
    closed = "EXISTS (SELECT 1 FROM closed_periods WHERE month = substr({row}.date, 1, 7))"
    for verb, rows in (("INSERT", ("NEW",)), ("UPDATE", ("OLD", "NEW")), ("DELETE", ("OLD",))):
        condition = " OR ".join(closed.format(row=r) for r in rows)
        op.execute(
            f"CREATE TRIGGER time_entries_closed_{verb.lower()} BEFORE {verb} ON time_entries "
            f"WHEN {condition} BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER time_entries_closed_period ON time_entries")
        op.execute("DROP FUNCTION time_entries_closed_period()")
    else:
        for verb in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER time_entries_closed_{verb}")
    op.drop_table("closed_periods")
