"""invoices: what an invoice says, who it is from and to, how it is built and posted

- ``workspace``: the firm's address, tax id, e-mail and logo, payment terms, the default
  tax (rate and label), notes and payment instructions, paper size, and credit notes (on or
  off, and their own number format).
- ``clients``: address, tax id, billing e-mail, locale, payment terms, tax and discount
  overrides, notes on their invoices.
- ``projects.included_hours``: a retainer's hours per month (``billing: retainer`` with a
  monthly ``fee``).
- ``invoices``: grouping, hours, subtotal, discount, tax, locale, the credit note's original,
  when it was sent and paid, where it was posted.
- ``invoice_lines``: an invoice's lines as issued (hours x rate = amount, to the cent).
- ``invoice_fees``: fees, milestones and retainer months billed, one row each, so none is
  billed twice; voiding deletes them.
- ``invoice_runs``: requests to build an invoice, claimed by a worker (durable across
  restarts, one builder each).
- ``invoice_documents``: the rendered file, uploaded from the outbox.

Revision ID: 0018
Revises: 0017
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

import storage.models.base

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

UTC_DATETIME = storage.models.base.UTCDateTime(timezone=True)
MONEY = sa.Numeric(14, 4)  # storage.models.base.Money
HOURS = sa.Numeric(10, 2)  # storage.models.base.Hours

WORKSPACE: list[sa.Column[Any]] = [
    sa.Column("firm_address", sa.Text(), nullable=False, server_default=""),
    sa.Column("firm_tax_id", sa.String(length=64), nullable=False, server_default=""),
    sa.Column("firm_email", sa.String(length=200), nullable=False, server_default=""),
    sa.Column("firm_logo", sa.String(length=500), nullable=True),
    sa.Column("payment_terms_days", sa.Integer(), nullable=False, server_default="30"),
    sa.Column("tax_rate", MONEY, nullable=True),
    sa.Column("tax_label", sa.String(length=40), nullable=False, server_default="Tax"),
    sa.Column("invoice_notes", sa.Text(), nullable=False, server_default=""),
    sa.Column("payment_instructions", sa.Text(), nullable=False, server_default=""),
    sa.Column("invoice_paper", sa.String(length=10), nullable=False, server_default="A4"),
    sa.Column("credit_notes", sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.Column("credit_note_number_format", sa.String(length=60), nullable=False,
              server_default="CN-{year}-{seq:04d}"),
]  # fmt: skip
CLIENTS: list[sa.Column[Any]] = [
    sa.Column("address", sa.Text(), nullable=False, server_default=""),
    sa.Column("tax_id", sa.String(length=64), nullable=False, server_default=""),
    sa.Column("email", sa.String(length=200), nullable=False, server_default=""),
    sa.Column("locale", sa.String(length=16), nullable=True),
    sa.Column("payment_terms_days", sa.Integer(), nullable=True),
    sa.Column("tax_rate", MONEY, nullable=True),
    sa.Column("tax_label", sa.String(length=40), nullable=True),
    sa.Column("discount_percent", MONEY, nullable=True),
    sa.Column("invoice_notes", sa.Text(), nullable=True),
]
INVOICES: list[sa.Column[Any]] = [
    sa.Column("grouping", sa.String(length=10), nullable=False, server_default="task"),
    sa.Column("hours", HOURS, nullable=False, server_default="0"),
    sa.Column("subtotal", MONEY, nullable=False, server_default="0"),
    sa.Column("discount_percent", MONEY, nullable=True),
    sa.Column("discount", MONEY, nullable=False, server_default="0"),
    sa.Column("tax_rate", MONEY, nullable=True),
    sa.Column("tax_label", sa.String(length=40), nullable=False, server_default=""),
    sa.Column("tax", MONEY, nullable=False, server_default="0"),
    sa.Column("locale", sa.String(length=16), nullable=False, server_default="en_US"),
    sa.Column("credit_for_id", sa.Integer(), nullable=True),  # the invoice a credit note cancels
    sa.Column("sent_at", UTC_DATETIME, nullable=True),
    sa.Column("paid_at", UTC_DATETIME, nullable=True),
    sa.Column("channel", sa.String(length=32), nullable=True),
    sa.Column("ts", sa.String(length=32), nullable=True),
]


def upgrade() -> None:
    for column in WORKSPACE:
        op.add_column("workspace", column)
    for column in CLIENTS:
        op.add_column("clients", column)
    op.add_column("projects", sa.Column("included_hours", HOURS, nullable=True))
    for column in INVOICES:
        op.add_column("invoices", column)
    op.create_table(
        "invoice_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), sa.ForeignKey("invoices.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("project", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("hours", HOURS, nullable=True),
        sa.Column("rate", MONEY, nullable=True),
        sa.Column("amount", MONEY, nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invoice_id", "position", name="uq_invoice_lines_invoice_id"),
    )
    op.create_table(
        "invoice_fees",
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("projects.id"), nullable=False),
        sa.Column("item", sa.String(length=220), nullable=False),
        sa.Column("invoice_id", sa.Integer(), sa.ForeignKey("invoices.id"), nullable=False),
        sa.PrimaryKeyConstraint("project_id", "item"),
    )
    op.create_index("ix_invoice_fees_invoice", "invoice_fees", ["invoice_id"])
    op.create_table(
        "invoice_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("clients.id"), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("grouping", sa.String(length=10), nullable=False),
        sa.Column("draft", sa.Boolean(), nullable=False),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("invoice_id", sa.Integer(), sa.ForeignKey("invoices.id"), nullable=True),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("lease_until", UTC_DATETIME, nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False, server_default=""),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("updated_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_invoice_runs_state", "invoice_runs", ["state", "lease_until"])
    op.create_table(
        "invoice_documents",
        sa.Column("invoice_id", sa.Integer(), sa.ForeignKey("invoices.id"), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("invoice_id"),
    )


def downgrade() -> None:
    op.drop_table("invoice_documents")
    op.drop_index("ix_invoice_runs_state", table_name="invoice_runs")
    op.drop_table("invoice_runs")
    op.drop_index("ix_invoice_fees_invoice", table_name="invoice_fees")
    op.drop_table("invoice_fees")
    op.drop_table("invoice_lines")
    for column in reversed(INVOICES):
        op.drop_column("invoices", column.name)
    op.drop_column("projects", "included_hours")
    for column in reversed(CLIENTS):
        op.drop_column("clients", column.name)
    for column in reversed(WORKSPACE):
        op.drop_column("workspace", column.name)
