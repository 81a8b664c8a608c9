"""invoice numbering: the series, invoices' headers, and which invoice bills an entry

- ``invoice_series``: one row per numbering series (``invoice``, later ``credit_note``) and
  year: the next number. Issuing takes the row's lock and moves it in the issuing
  transaction, so numbers are unique and gapless even when two runs race (a rollback gives
  the number back), never a count of existing invoices.
- ``invoices``: a draft has no number; an issued invoice's number is unique.
- ``workspace.invoice_number_format``: e.g. ``INV-{year}-{seq:04d}`` (``{year}``, ``{yy}``,
  ``{seq}``).
- ``invoice_entries``: the entries an invoice bills, one row per entry (the primary key):
  an entry can never be on two invoices at once; voiding deletes the rows.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

UTC_DATETIME = storage.models.base.UTCDateTime(timezone=True)
MONEY = sa.Numeric(14, 4)  # storage.models.base.Money


def upgrade() -> None:
    op.add_column(
        "workspace",
        sa.Column("invoice_number_format", sa.String(length=60), nullable=False,
                  server_default="INV-{year}-{seq:04d}"),
    )  # fmt: skip
    op.create_table(
        "invoice_series",
        sa.Column("series", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("next_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("series", "year"),
    )
    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("series", sa.String(length=20), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("total", MONEY, nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("void_reason", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number", name="uq_invoices_number"),
        sa.UniqueConstraint("series", "sequence", name="uq_invoices_series_sequence"),
    )
    op.create_index("ix_invoices_client", "invoices", ["client_id", "period_start"])
    op.create_table(
        "invoice_entries",
        sa.Column("entry_id", sa.Integer(), sa.ForeignKey("time_entries.id"), nullable=False),
        sa.Column("invoice_id", sa.Integer(), sa.ForeignKey("invoices.id"), nullable=False),
        sa.PrimaryKeyConstraint("entry_id"),
    )
    op.create_index("ix_invoice_entries_invoice", "invoice_entries", ["invoice_id"])


def downgrade() -> None:
    op.drop_index("ix_invoice_entries_invoice", table_name="invoice_entries")
    op.drop_table("invoice_entries")
    op.drop_index("ix_invoices_client", table_name="invoices")
    op.drop_table("invoices")
    op.drop_table("invoice_series")
    op.drop_column("workspace", "invoice_number_format")
