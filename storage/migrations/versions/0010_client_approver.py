"""client approver

A client may name an approver: time on its projects that have no approver of their own goes
to that person (else to the firm's partners).

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN on SQLite (no batch rebuild of the table), as in 0008.
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE clients ADD COLUMN approver_id INTEGER REFERENCES people (id)")
    else:
        op.add_column("clients", sa.Column("approver_id", sa.Integer(), nullable=True))
        op.create_foreign_key("fk_clients_approver_id_people", "clients", "people", ["approver_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("clients") as batch_op:
        batch_op.drop_column("approver_id")
