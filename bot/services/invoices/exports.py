"""Issued invoices and credit notes of a period, for the accounting exports (QuickBooks Online,
Xero: ``bot.views.accounting``): each with its lines as issued, its status, and its client's
contact details. Read only; nothing is recomputed.

A void invoice is exported when a credit note cancels it (the two net to zero in the books,
as they do in the firm's); one voided before it was sent never was a receivable and is left
out, named in ``left_out``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Connection

from bot.services.invoices.issue import check_period
from storage import ebilling
from storage import invoices as store
from storage.invoices import LineRow


@dataclass(frozen=True)
class Exported:
    number: str
    kind: str  # "invoice" or "credit_note"
    status: str  # issued, sent, paid, void
    credit_for: str | None  # a credit note's original
    credited_by: str | None  # a void invoice's credit note
    client: str
    email: str
    address: tuple[str, ...]
    country: str
    issue_date: date
    due_date: date
    currency: str
    lines: tuple[LineRow, ...]  # amounts as issued (a credit note's are negative)
    subtotal: Decimal
    discount_percent: Decimal | None
    discount: Decimal
    tax_rate: Decimal | None
    tax: Decimal
    total: Decimal


@dataclass(frozen=True)
class Period:
    documents: tuple[Exported, ...]
    left_out: tuple[str, ...]  # void invoices no credit note cancels


def issued(conn: Connection, first: date, last: date) -> Period:
    """Invoices and credit notes issued from ``first`` to ``last`` (issue dates, inclusive)."""
    check_period(first, last)
    out: list[Exported] = []
    left_out: list[str] = []
    for row in ebilling.issued_between(conn, first, last):
        invoice = store.invoice(conn, row.id)
        assert invoice is not None and invoice.number
        credited_by = store.credit_note_of(conn, row.id) if invoice.status == "void" else None
        if invoice.status == "void" and credited_by is None:
            left_out.append(invoice.number)
            continue
        original = store.invoice(conn, invoice.credit_for_id) if invoice.credit_for_id else None
        lines = tuple(store.lines(conn, row.id))
        out.append(Exported(
            number=invoice.number, kind="credit_note" if invoice.series == "credit_note" else "invoice",
            status=invoice.status, credit_for=original.number if original else None, credited_by=credited_by,
            client=row.client, email=row.client_email,
            address=tuple(a.strip() for a in row.client_address.splitlines() if a.strip()),
            country=row.client_country, issue_date=invoice.issue_date or invoice.period_end,
            due_date=invoice.due_date or invoice.period_end, currency=invoice.currency, lines=lines,
            subtotal=invoice.subtotal, discount_percent=invoice.discount_percent, discount=invoice.discount,
            tax_rate=invoice.tax_rate, tax=invoice.tax, total=invoice.total,
        ))  # fmt: skip
    return Period(tuple(out), tuple(left_out))
