"""share links: a client's hours on a page of its own, behind a random token

- ``share_links``: the token's SHA-256 (never the token), a hint to tell links apart, the
  client and optionally one project, whether descriptions show, the last day it opens, who
  made and revoked it, when it was last opened and how often.

Revision ID: 0019
Revises: 0018
"""

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

UTC_DATETIME = storage.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "share_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=8), nullable=False),
        sa.Column(
            "client_id",
            sa.Integer(),
            sa.ForeignKey("clients.id", name="fk_share_links_client_id_clients"),
            nullable=False,
        ),
        sa.Column(
            "project_id",
            sa.Integer(),
            sa.ForeignKey("projects.id", name="fk_share_links_project_id_projects"),
            nullable=True,
        ),
        sa.Column("descriptions", sa.Boolean(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("revoked_at", UTC_DATETIME, nullable=True),
        sa.Column("revoked_by", sa.String(length=32), nullable=True),
        sa.Column("last_opened_at", UTC_DATETIME, nullable=True),
        sa.Column("opens", sa.Integer(), nullable=False, server_default="0"),
        sa.UniqueConstraint("token_hash", name="uq_share_links_token_hash"),
    )
    op.create_index("ix_share_links_client", "share_links", ["client_id"])


def downgrade() -> None:
    op.drop_index("ix_share_links_client", table_name="share_links")
    op.drop_table("share_links")
