"""e-billing: UTBMS codes, LEDES and Factur-X settings

- ``tasks.utbms``: the task's UTBMS task code (L110, C300, P210, B110, ...).
- ``work_types.utbms``: the work type's UTBMS activity code (A101..A111).
- ``people.timekeeper_class``: a LEDES timekeeper classification (PT, AS, OC, LA, OT).
- ``projects.client_matter_id``: the client's own id for the matter (LEDES CLIENT_MATTER_ID).
- ``clients``: ``ebilling`` (``ledes``), ``ledes_client_id`` (LEDES CLIENT_ID), ``einvoice``
  (``factur-x``), ``country`` (ISO 3166-1 alpha-2), ``tax_category`` and
  ``tax_exemption_reason`` (EN 16931 VAT category and the reason a zero-rated one is due no tax).

Revision ID: 0020
Revises: 0019
"""

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

COLUMNS = [
    ("tasks", sa.Column("utbms", sa.String(length=8), nullable=True)),
    ("work_types", sa.Column("utbms", sa.String(length=8), nullable=True)),
    ("people", sa.Column("timekeeper_class", sa.String(length=2), nullable=True)),
    ("projects", sa.Column("client_matter_id", sa.String(length=20), nullable=True)),
    ("clients", sa.Column("ebilling", sa.String(length=10), nullable=True)),
    ("clients", sa.Column("ledes_client_id", sa.String(length=20), nullable=True)),
    ("clients", sa.Column("einvoice", sa.String(length=10), nullable=True)),
    ("clients", sa.Column("country", sa.String(length=2), nullable=True)),
    ("clients", sa.Column("tax_category", sa.String(length=2), nullable=True)),
    ("clients", sa.Column("tax_exemption_reason", sa.String(length=200), nullable=True)),
]


def upgrade() -> None:
    for table, column in COLUMNS:
        op.add_column(table, column)


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+), as 0018 does: a batch copy of
    # ``clients`` would drop a table other rows point at.
    for table, column in reversed(COLUMNS):
        op.drop_column(table, column.name)
