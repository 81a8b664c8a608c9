"""Invoices: their numbering series, their headers, and which invoice bills each entry."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, Money, Timestamps


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


class InvoiceEntry(Base):
    """An entry an invoice bills: one row per entry, so no entry is on two invoices."""

    __tablename__ = "invoice_entries"
    __table_args__ = (Index("ix_invoice_entries_invoice", "invoice_id"),)

    entry_id: Mapped[int] = mapped_column(ForeignKey("time_entries.id"), primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"))
