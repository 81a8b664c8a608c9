"""An issued invoice (or draft) as its Document: what the PDF and the Slack summary show,
read back from what was issued (its lines, the entries it bills), never recomputed."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection

from bot.errors import Refused
from bot.services.invoices.document import Document, Line, Party, TimesheetRow
from bot.services.money import shown_hours
from storage import invoices as store


def document(conn: Connection, invoice_id: int) -> Document:
    invoice = store.invoice(conn, invoice_id)
    if invoice is None:
        raise Refused("no_such_invoice")
    firm = store.firm(conn)
    client = store.client(conn, invoice.client_id)
    assert client is not None  # a foreign key
    original = store.invoice(conn, invoice.credit_for_id) if invoice.credit_for_id else None
    # A credit note lists no timesheet: its original's entries were released.
    rows = store.timesheet(conn, invoice_id) if invoice.series == "invoice" else []
    return Document(
        number=invoice.number,
        kind="credit_note" if invoice.series == "credit_note" else "invoice",
        credit_for=original.number if original else None,
        status=invoice.status,
        firm=Party(firm.name, firm.address, firm.tax_id, firm.email, firm.country or ""),
        client=Party(client.name, client.address, client.tax_id, client.email, client.country or ""),
        issue_date=invoice.issue_date or invoice.period_end,
        due_date=invoice.due_date or invoice.period_end,
        period_start=invoice.period_start,
        period_end=invoice.period_end,
        currency=invoice.currency,
        locale=invoice.locale,
        lines=tuple(Line(*line) for line in store.lines(conn, invoice_id)),
        timesheet=tuple(
            TimesheetRow(day, person, project, task, description, shown_hours(seconds or 0))
            for day, person, project, task, description, seconds in rows
        ),
        hours=invoice.hours,
        subtotal=invoice.subtotal,
        discount_percent=invoice.discount_percent,
        discount=invoice.discount,
        tax_rate=invoice.tax_rate,
        tax_label=invoice.tax_label,
        tax=invoice.tax,
        total=invoice.total,
        notes=client.notes if client.notes is not None else firm.notes,
        payment_instructions=firm.payment_instructions,
        logo=firm.logo,
        paper=firm.paper,
        einvoice=client.einvoice or "",
        tax_category=tax_category(invoice.tax_rate, client.tax_category),
        tax_exemption_reason=client.tax_exemption_reason or "",
    )


def tax_category(rate: Decimal | None, category: str | None) -> str:
    """The EN 16931 VAT category of an invoice's tax: S (standard) whenever tax was charged,
    whatever the client's setting says (the e-invoice describes the tax the invoice charged);
    else the client's category; Z (zero rated) when it has none (the import refuses an
    e-invoicing client without one, but the firm's rate may have changed since)."""
    if rate is not None and rate > 0:
        return "S"
    return category if category and category != "S" else "Z"
