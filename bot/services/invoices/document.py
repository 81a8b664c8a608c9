"""What an invoice says, as plain values: built by ``bot.services.invoices.build`` from the
database, rendered by ``bot.views.invoice`` (HTML, then PDF) and by the Slack summary."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class Party:
    """The firm or the client as the invoice names them."""

    name: str
    address: str = ""  # lines separated by newlines
    tax_id: str = ""
    email: str = ""
    country: str = ""  # ISO 3166-1 alpha-2 (e-invoices)


@dataclass(frozen=True)
class Line:
    """One line: for time, ``hours x rate = amount`` to the cent; a fee has no hours or rate;
    a retainer's included hours have hours and no rate (amount 0)."""

    kind: str  # storage.models.LineKind value
    project: str
    description: str
    hours: Decimal | None
    rate: Decimal | None
    amount: Decimal


@dataclass(frozen=True)
class TimesheetRow:
    """One entry in the itemized appendix."""

    day: date
    person: str
    project: str
    task: str
    description: str
    hours: Decimal


@dataclass(frozen=True)
class Document:
    number: str | None  # None: a draft
    kind: str  # "invoice" or "credit_note"
    credit_for: str | None  # a credit note's original number
    status: str
    firm: Party
    client: Party
    issue_date: date
    due_date: date
    period_start: date
    period_end: date
    currency: str
    locale: str  # Babel locale of the client, e.g. en_US, de_DE
    lines: tuple[Line, ...]
    timesheet: tuple[TimesheetRow, ...]
    hours: Decimal  # billed hours of the time lines
    subtotal: Decimal
    discount_percent: Decimal | None
    discount: Decimal
    tax_rate: Decimal | None  # percent
    tax_label: str
    tax: Decimal
    total: Decimal
    notes: str = ""
    payment_instructions: str = ""
    logo: str | None = None  # a file path
    paper: str = "A4"  # or "Letter"
    # E-invoicing: "factur-x" makes the PDF a Factur-X (bot.views.facturx); the EN 16931 VAT
    # category of its tax (S when taxed) and, for an untaxed one, why no tax is due.
    einvoice: str = ""
    tax_category: str = ""
    tax_exemption_reason: str = ""

    @property
    def draft(self) -> bool:
        return self.number is None
