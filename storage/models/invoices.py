"""Invoices: their numbering series, their headers, and which invoice bills each entry."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, Hours, Money, Timestamps, UTCDateTime, utcnow


class InvoiceStatus(StrEnum):
    DRAFT = "draft"  # no number yet; its entries are not billed
    ISSUED = "issued"
    SENT = "sent"
    PAID = "paid"
    VOID = "void"  # keeps its number; its entries are released


class InvoiceSeries(Base):
    """The next number of a series (``invoice``, ``credit_note``) in a year. Issuing locks
    the row and moves it in the issuing transaction: numbers are unique and gapless."""

    __tablename__ = "invoice_series"

    series: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    next_number: Mapped[int] = mapped_column(Integer)


class Invoice(Timestamps, Base):
    __tablename__ = "invoices"
    __table_args__ = (
        UniqueConstraint("number", name="uq_invoices_number"),
        UniqueConstraint("series", "sequence", name="uq_invoices_series_sequence"),
        Index("ix_invoices_client", "client_id", "period_start"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series: Mapped[str] = mapped_column(String(20))
    number: Mapped[str | None] = mapped_column(String(40))  # None while a draft
    sequence: Mapped[int | None] = mapped_column(Integer)  # the series' number it took
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    status: Mapped[str] = mapped_column(String(10))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    issue_date: Mapped[date | None] = mapped_column(Date)
    due_date: Mapped[date | None] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    total: Mapped[Decimal] = mapped_column(Money())
    created_by: Mapped[str] = mapped_column(String(32))
    void_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    grouping: Mapped[str] = mapped_column(String(10), default="task", server_default="task")
    hours: Mapped[Decimal] = mapped_column(Hours(), default=Decimal(0), server_default="0")
    subtotal: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0), server_default="0")
    discount_percent: Mapped[Decimal | None] = mapped_column(Money())
    discount: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0), server_default="0")
    tax_rate: Mapped[Decimal | None] = mapped_column(Money())
    tax_label: Mapped[str] = mapped_column(String(40), default="", server_default="")
    tax: Mapped[Decimal] = mapped_column(Money(), default=Decimal(0), server_default="0")
    locale: Mapped[str] = mapped_column(String(16), default="en_US", server_default="en_US")
    credit_for_id: Mapped[int | None] = mapped_column(Integer)  # a credit note's original invoice
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    channel: Mapped[str | None] = mapped_column(String(32))  # where its summary was posted
    ts: Mapped[str | None] = mapped_column(String(32))


class InvoiceEntry(Base):
    """An entry an invoice bills: one row per entry, so no entry is on two invoices."""

    __tablename__ = "invoice_entries"
    __table_args__ = (Index("ix_invoice_entries_invoice", "invoice_id"),)

    entry_id: Mapped[int] = mapped_column(ForeignKey("time_entries.id"), primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))


class LineKind(StrEnum):
    TIME = "time"  # hours x rate
    FEE = "fee"  # a fixed fee, whole
    MILESTONE = "milestone"
    RETAINER = "retainer"  # a month's retainer fee
    INCLUDED = "included"  # a retainer's hours, listed without price
    OVERAGE = "overage"  # a retainer's hours beyond those included, at the hourly rates


class InvoiceLine(Base):
    """A line as issued: ``hours x rate = amount`` to the cent for time lines."""

    __tablename__ = "invoice_lines"
    __table_args__ = (UniqueConstraint("invoice_id", "position", name="uq_invoice_lines_invoice_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
    position: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(12))
    project: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    hours: Mapped[Decimal | None] = mapped_column(Hours())
    rate: Mapped[Decimal | None] = mapped_column(Money())
    amount: Mapped[Decimal] = mapped_column(Money())


class InvoiceFee(Base):
    """A fee, milestone or retainer month billed (``fee``, ``milestone:<name>``,
    ``retainer:2026-11``): one row each, so none is billed twice."""

    __tablename__ = "invoice_fees"
    __table_args__ = (Index("ix_invoice_fees_invoice", "invoice_id"),)

    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"), primary_key=True)
    item: Mapped[str] = mapped_column(String(220), primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))


class RunState(StrEnum):
    PENDING = "pending"
    BUILDING = "building"  # claimed until lease_until
    DONE = "done"
    FAILED = "failed"


class InvoiceRun(Timestamps, Base):
    """A request to build an invoice (from Slack or an Issue click), built by a worker after
    the ack: durable across restarts, built once even with several processes."""

    __tablename__ = "invoice_runs"
    __table_args__ = (Index("ix_invoice_runs_state", "state", "lease_until"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    grouping: Mapped[str] = mapped_column(String(10))
    draft: Mapped[bool] = mapped_column(Boolean)
    requested_by: Mapped[str] = mapped_column(String(32))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))  # a draft to issue
    state: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(Text, default="", server_default="")


class InvoiceDocument(Base):
    """An invoice's rendered file (PDF), uploaded from the outbox."""

    __tablename__ = "invoice_documents"

    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), primary_key=True)
    filename: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
