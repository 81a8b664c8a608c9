"""audit trail and locked entries

The audit log is append-only and approved or billed entries are locked, in the database
itself: triggers refuse the change whatever path (slash command, modal, CLI, import, SQL
console) tries it. While an entry is approved or billed only its status may change (reopen,
bill, void) and its frozen price may only be cleared when it leaves those states.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

LOCKED = "('approved', 'billed')"
CONTENT = (
    "person_id", "project_id", "task_id", "work_type_id", "date", "started_at", "ended_at",
    "duration_seconds", "description", "billable",
)  # fmt: skip
PRICE = ("billed_seconds", "rate", "amount", "cost_rate", "rate_rule")


def _changed(columns: tuple[str, ...], differ: str) -> str:
    return " OR ".join(f"NEW.{c} {differ} OLD.{c}" for c in columns)


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entry_id", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"], unique=False)
    op.create_index("ix_audit_log_entry", "audit_log", ["entry_id", "id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        _postgresql()
    else:
        _sqlite()


def _sqlite() -> None:
    for verb in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
            "BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END"
        )
    op.execute(
        f"CREATE TRIGGER time_entries_locked_update BEFORE UPDATE ON time_entries "
        f"WHEN OLD.status IN {LOCKED} AND (({_changed(CONTENT, 'IS NOT')}) "
        f"OR (NEW.status IN {LOCKED} AND ({_changed(PRICE, 'IS NOT')}))) "
        "BEGIN SELECT RAISE(ABORT, 'entry is locked: approved or billed'); END"
    )
    op.execute(
        "CREATE TRIGGER time_entries_locked_delete BEFORE DELETE ON time_entries "
        f"WHEN OLD.status IN {LOCKED} BEGIN SELECT RAISE(ABORT, 'entry is locked: approved or billed'); END"
    )


def _postgresql() -> None:
    op.execute(
        "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "BEGIN RAISE EXCEPTION 'audit records are append-only'; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
    )
    op.execute(
        "CREATE FUNCTION time_entries_locked() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF TG_OP = 'DELETE' THEN IF OLD.status IN {LOCKED} THEN "
        "RAISE EXCEPTION 'entry is locked: approved or billed'; END IF; RETURN OLD; END IF; "
        f"IF OLD.status IN {LOCKED} AND (({_changed(CONTENT, 'IS DISTINCT FROM')}) "
        f"OR (NEW.status IN {LOCKED} AND ({_changed(PRICE, 'IS DISTINCT FROM')}))) THEN "
        "RAISE EXCEPTION 'entry is locked: approved or billed'; END IF; RETURN NEW; END $$"
    )
    op.execute(
        "CREATE TRIGGER time_entries_locked BEFORE UPDATE OR DELETE ON time_entries "
        "FOR EACH ROW EXECUTE FUNCTION time_entries_locked()"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER time_entries_locked ON time_entries")
        op.execute("DROP FUNCTION time_entries_locked()")
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    else:
        for name in ("time_entries_locked_update", "time_entries_locked_delete", "audit_log_no_update",
                     "audit_log_no_delete"):  # fmt: skip
            op.execute(f"DROP TRIGGER {name}")
    op.drop_index("ix_audit_log_entry", table_name="audit_log")
    op.drop_index("ix_audit_log_at", table_name="audit_log")
    op.drop_table("audit_log")
