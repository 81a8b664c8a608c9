"""outbox, job runs, entry events, profiles looked up after the ack

- ``outbox``: what the bot sends on its own, written with the change that causes it, under a
  unique key; approval DMs already sent are carried over from ``submissions`` (their channel
  and ts, so outcomes are still written back into them), and those two columns go.
- ``job_runs``: one row per run of a scheduled job; the unique key on (job, tick) makes each
  tick run once, whichever process claims it first.
- ``event_positions``: how far each consumer of entry changes has read the audit trail.
- ``audit_log`` records say which person, project and task a change touched and the seconds
  before and after (the entry-change events); on PostgreSQL each also carries the id of the
  transaction that wrote it, so consumers read records in commit order (a record whose id is
  lower may commit after one whose id is higher).
- ``people.profile_synced_at``: people registered from a request get their Slack profile
  after the ack; those already known are counted as looked up.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

UTC_DATETIME = storage.models.base.UTCDateTime(timezone=True)
EVENT_COLUMNS = ("person_id", "project_id", "task_id", "seconds_before", "seconds_after")


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("due_at", UTC_DATETIME, nullable=False),
        sa.Column("lease_until", UTC_DATETIME, nullable=True),
        sa.Column("uncertain", sa.Boolean(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.Column("ts", sa.String(length=32), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("sent_at", UTC_DATETIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_key")),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "due_at", "id"], unique=False)
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("tick", UTC_DATETIME, nullable=True),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("manual", sa.Boolean(), nullable=False),
        sa.Column("runner", sa.String(length=120), nullable=False),
        sa.Column("started_at", UTC_DATETIME, nullable=False),
        sa.Column("finished_at", UTC_DATETIME, nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
        sa.UniqueConstraint("job", "tick", name=op.f("uq_job_runs_job")),
    )
    op.create_table(
        "event_positions",
        sa.Column("consumer", sa.String(length=64), nullable=False),
        sa.Column("txid", sa.BigInteger(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("consumer", name=op.f("pk_event_positions")),
    )
    for column in EVENT_COLUMNS:
        op.add_column("audit_log", sa.Column(column, sa.Integer(), nullable=True))
    if postgresql:
        op.execute("ALTER TABLE audit_log ADD COLUMN txid xid8 NOT NULL DEFAULT pg_current_xact_id()")
        op.execute("CREATE INDEX ix_audit_log_txid ON audit_log (txid, id)")
    op.add_column("people", sa.Column("profile_synced_at", UTC_DATETIME, nullable=True))
    op.execute("UPDATE people SET profile_synced_at = updated_at WHERE name <> slack_id")
    # Approval DMs sent before the outbox: where they are, so decisions still redraw them.
    op.execute(
        "INSERT INTO outbox (key, kind, user_id, channel, payload, status, attempts, due_at, uncertain, "
        "last_error, ts, created_at, sent_at) "
        "SELECT 'approval-request:' || CAST(s.id AS VARCHAR(20)), 'approval_request', p.slack_id, "
        f"s.channel, {_json_object()}, 'sent', 1, s.created_at, {_false()}, '', s.message_ts, s.created_at, "
        "s.created_at "
        "FROM submissions s JOIN people p ON p.id = s.approver_id WHERE s.message_ts IS NOT NULL"
    )
    # SQLite 3.35 and later drop a column in place (no copy of the table and its keys).
    op.drop_column("submissions", "message_ts")
    op.drop_column("submissions", "channel")


def _json_object() -> str:
    if op.get_bind().dialect.name == "postgresql":
        return "json_build_object('submission', s.id)"
    return "json_object('submission', s.id)"


def _false() -> str:
    return "false" if op.get_bind().dialect.name == "postgresql" else "0"


def downgrade() -> None:
    op.add_column("submissions", sa.Column("channel", sa.String(length=32), nullable=True))
    op.add_column("submissions", sa.Column("message_ts", sa.String(length=32), nullable=True))
    op.execute(
        "UPDATE submissions SET channel = (SELECT o.channel FROM outbox o WHERE o.key = "
        "'approval-request:' || CAST(submissions.id AS VARCHAR(20))), "
        "message_ts = (SELECT o.ts FROM outbox o "
        "WHERE o.key = 'approval-request:' || CAST(submissions.id AS VARCHAR(20)))"
    )
    op.drop_column("people", "profile_synced_at")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_audit_log_txid")
        op.execute("ALTER TABLE audit_log DROP COLUMN txid")
    for column in reversed(EVENT_COLUMNS):
        op.drop_column("audit_log", column)
    op.drop_table("event_positions")
    op.drop_table("job_runs")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.drop_table("outbox")
