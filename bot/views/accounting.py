"""Issued invoices and credit notes as the invoice-import CSVs of QuickBooks Online and Xero:
one file per run, one row per invoice line (and one for a discount), amounts as issued.

**Xero** (Business > Invoices > Import; its SalesInvoiceTemplate.csv): the columns below, in
that order (``*`` marks what Xero requires). Xero imports an invoice whose total is negative
as a credit note, so a credit note's rows carry negative unit amounts (quantities stay
positive). Xero has no status column: the status (sent, paid, void, and what credits what)
is written in ``Reference``. ``TaxAmount`` is each row's share of the invoice's tax (the
last taxed row takes the rounding), so the rows add up to the invoice's tax; ``AccountCode``
and ``TaxType`` come from the command (``--account-code``, ``--tax-type``,
``--exempt-tax-type``): they must exist in the Xero organisation.

**QuickBooks Online** (New > Import invoices; its sample invoice CSV): ``InvoiceNo``,
``Customer``, ``InvoiceDate``, ``DueDate``, ``Terms``, ``Location``, ``Memo``,
``Item(Product/Service)``, ``ItemDescription``, ``ItemQuantity``, ``ItemRate``, ``ItemAmount``,
``Taxable``, ``TaxRate``, ``Service Date``. QuickBooks computes sales tax itself from
``Taxable`` and ``TaxRate``; the amounts here are before tax. Its import has no status and no
credit memos: the status goes in ``Memo``, and a credit note is a row set with negative rates
and amounts (enter it as a credit memo if your QuickBooks refuses a negative invoice).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal

from bot.services.invoices.document import Line
from bot.services.invoices.exports import Exported
from bot.services.money import money, plain_rate
from bot.views.invoice import _describe

XERO = [
    "*ContactName", "EmailAddress", "POAddressLine1", "POAddressLine2", "POAddressLine3", "POAddressLine4",
    "POCity", "PORegion", "POPostalCode", "POCountry", "*InvoiceNumber", "Reference", "*InvoiceDate",
    "*DueDate", "Total", "InventoryItemCode", "*Description", "*Quantity", "*UnitAmount", "Discount",
    "*AccountCode", "*TaxType", "TaxAmount", "TrackingName1", "TrackingOption1", "TrackingName2",
    "TrackingOption2", "Currency", "BrandingTheme",
]  # fmt: skip
QUICKBOOKS = [
    "InvoiceNo", "Customer", "InvoiceDate", "DueDate", "Terms", "Location", "Memo", "Item(Product/Service)",
    "ItemDescription", "ItemQuantity", "ItemRate", "ItemAmount", "Taxable", "TaxRate", "Service Date",
]  # fmt: skip
DATE_FORMATS = {"YYYY-MM-DD": "%Y-%m-%d", "DD/MM/YYYY": "%d/%m/%Y", "MM/DD/YYYY": "%m/%d/%Y"}
QUICKBOOKS_TERMS = {0: "Due on receipt", 15: "Net 15", 30: "Net 30", 60: "Net 60"}  # its default terms


def status(doc: Exported) -> str:
    """What the invoice's state is, in words: the import formats have no column for it."""
    if doc.kind == "credit_note":
        return f"credit note for {doc.credit_for}" if doc.credit_for else "credit note"
    if doc.status == "void":
        return f"void, credited by {doc.credited_by}" if doc.credited_by else "void"
    return doc.status


def rows(doc: Exported) -> Iterator[tuple[str, Decimal, Decimal, Decimal]]:
    """(description, quantity, unit amount, amount) for each line and the discount; signed as
    issued (a credit note's are negative), ``quantity x unit amount = amount`` to the cent."""
    sign = Decimal(-1) if doc.kind == "credit_note" else Decimal(1)
    for line in doc.lines:
        what = _describe(Line(*line), "en_US")
        said = f"{line.project} — {what}" if what else line.project
        if line.hours is not None:
            yield said, line.hours, (line.rate or Decimal(0)) * sign, line.amount
        else:
            yield said, Decimal(1), line.amount, line.amount
    if doc.discount:
        percent = f" ({_percent(doc.discount_percent)} %)" if doc.discount_percent else ""
        yield f"Discount{percent}", Decimal(1), -doc.discount, -doc.discount


def _taxes(doc: Exported, amounts: list[Decimal]) -> list[Decimal]:
    """Each row's share of the invoice's tax: its amount x the rate, the last taxed row
    taking what rounding leaves, so the shares add up to the tax."""
    if not doc.tax or not doc.tax_rate:
        return [Decimal(0)] * len(amounts)
    shares = [money(a * doc.tax_rate / 100, doc.currency) for a in amounts]
    last = max((i for i, a in enumerate(amounts) if a), default=len(amounts) - 1)
    shares[last] += doc.tax - sum(shares, Decimal(0))
    return shares


def _text(value: object) -> str:
    return "" if value is None else f"{value:f}" if isinstance(value, Decimal) else str(value)


def _percent(value: Decimal) -> str:
    """20.0000 -> 20, 7.5000 -> 7.5."""
    return f"{value.normalize():f}"


def _cells(doc: Exported, quantity: Decimal, unit: Decimal, amount: Decimal) -> tuple[str, str, str]:
    """Quantity (2 decimals), unit amount (the rate as priced, up to 4), amount (the currency's)."""
    return f"{quantity:.2f}", plain_rate(unit), f"{money(amount, doc.currency):f}"


def xero(docs: tuple[Exported, ...], *, account_code: str, tax_type: str, exempt_tax_type: str,
         date_format: str = "DD/MM/YYYY") -> bytes:  # fmt: skip
    fmt = DATE_FORMATS[date_format]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(XERO)
    for doc in docs:
        found = list(rows(doc))
        taxes = _taxes(doc, [amount for *_, amount in found])
        address = (list(doc.address[:3]) + [", ".join(doc.address[3:])] + ["", "", ""])[:4]
        for (said, quantity, unit, amount), tax in zip(found, taxes, strict=True):
            count, each, _ = _cells(doc, quantity, unit, amount)
            writer.writerow([_text(v) for v in (
                doc.client, doc.email, *address, "", "", "", doc.country, doc.number, status(doc),
                doc.issue_date.strftime(fmt), doc.due_date.strftime(fmt), money(doc.total, doc.currency), "",
                said, count, each, "", account_code, tax_type if doc.tax else exempt_tax_type,
                money(tax, doc.currency), "", "", "", "", doc.currency, "",
            )])  # fmt: skip
    return out.getvalue().encode("utf-8")


def quickbooks(docs: tuple[Exported, ...], *, item: str, date_format: str = "MM/DD/YYYY") -> bytes:
    fmt = DATE_FORMATS[date_format]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(QUICKBOOKS)
    for doc in docs:
        terms = QUICKBOOKS_TERMS.get((doc.due_date - doc.issue_date).days, "")
        taxable = "Y" if doc.tax else "N"
        rate = f"{_percent(doc.tax_rate)}%" if doc.tax and doc.tax_rate else ""
        for said, quantity, unit, amount in rows(doc):
            writer.writerow([_text(v) for v in (
                doc.number, doc.client, doc.issue_date.strftime(fmt), doc.due_date.strftime(fmt), terms, "",
                status(doc), item, said, *_cells(doc, quantity, unit, amount), taxable, rate, "",
            )])  # fmt: skip
    return out.getvalue().encode("utf-8")
