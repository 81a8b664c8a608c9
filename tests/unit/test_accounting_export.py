"""``punchcard accounting-export``: invoices and credit notes issued in a period as the
invoice-import CSVs of Xero and QuickBooks Online, with their documented headers, one row per
invoice line (and one for a discount), totals equal to the invoices', the status carried in
Xero's Reference and QuickBooks' Memo, credit notes negative, and a void invoice that no
credit note cancels left out and named."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.services.invoices import lifecycle
from bot.views.accounting import QUICKBOOKS, XERO
from storage import invoices as store
from storage.db import Database
from storage.models import Client, Invoice
from tests.unit.test_facturx import issue
from tests.unit.test_ledes import NOW, cli, entry, hale, november

__all__ = ["cli", "hale"]


def export(tmp_path: Path, fmt: str, *extra: str) -> list[dict[str, str]]:
    assert main(["accounting-export", "--format", fmt, "--from", "2026-01-01", "--to", "2026-12-31",
                 "--out", str(tmp_path), *extra]) == 0  # fmt: skip
    [path] = tmp_path.glob(f"{fmt}-invoices-*.csv")
    text = path.read_text()
    header = next(csv.reader(io.StringIO(text)))
    assert header == (XERO if fmt == "xero" else QUICKBOOKS)
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def books(db: Database, hale: int) -> dict[str, int]:
    """Three invoices: one paid, one sent then voided (a credit note), one voided unsent."""
    november(db)
    paid = issue(db, hale)
    with db.transaction() as conn:
        lifecycle.mark_sent(conn, paid, actor="U0PARTNER", now=NOW)
        lifecycle.mark_paid(conn, paid, actor="U0PARTNER", now=NOW)
        plain = int(conn.scalar(select(Client.id).where(Client.name == "Plain Co")))
    entry(db, "PLAIN", date(2026, 11, 3), "2")
    credited = issue(db, plain)
    with db.transaction() as conn:
        lifecycle.mark_sent(conn, credited, actor="U0PARTNER", now=NOW)
        lifecycle.void(conn, credited, actor="U0PARTNER", reason="duplicate", now=NOW)
    unsent = issue(db, plain)  # the released entry, billed again, then voided before it was sent
    with db.transaction() as conn:
        lifecycle.void(conn, unsent, actor="U0PARTNER", reason="typo", now=NOW)
    return {"paid": paid, "credited": credited, "unsent": unsent}


def invoices(db: Database) -> dict[str, tuple[int, Decimal, Decimal, Decimal, Decimal]]:
    """number -> (lines, subtotal - discount, tax, total, discount)"""
    with db.transaction(read_only=True) as conn:
        out = {}
        for (invoice_id,) in conn.execute(select(Invoice.id)):
            found = store.invoice(conn, invoice_id)
            assert found is not None and found.number
            out[found.number] = (len(store.lines(conn, invoice_id)), found.subtotal - found.discount, found.tax,
                                 found.total, found.discount)  # fmt: skip
        return out


def test_xero_rows_add_up_to_each_invoice_and_carry_its_status(
    db: Database, books: dict[str, int], cli: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = export(tmp_path, "xero")
    assert (
        "Left out, void without a credit note (never a receivable): INV-2026-0003" in capsys.readouterr().err
    )
    expected = invoices(db)
    by_number: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_number[row["*InvoiceNumber"]].append(row)
    assert set(by_number) == {"INV-2026-0001", "INV-2026-0002", "CN-2026-0001"}
    for number, mine in by_number.items():
        lines, net, tax, total, discount = expected[number]
        assert len(mine) == lines + (1 if discount else 0)  # a row per line, and the discount
        assert (
            sum(Decimal(r["*Quantity"]) * Decimal(r["*UnitAmount"]) for r in mine).quantize(Decimal("0.01"))
            == net
        )
        assert sum(Decimal(r["TaxAmount"]) for r in mine) == tax
        assert {Decimal(r["Total"]) for r in mine} == {total}
        assert {r["Currency"] for r in mine} == {"EUR"}
    assert {r["Reference"] for r in by_number["INV-2026-0001"]} == {"paid"}
    assert {r["Reference"] for r in by_number["INV-2026-0002"]} == {"void, credited by CN-2026-0001"}
    assert {r["Reference"] for r in by_number["CN-2026-0001"]} == {"credit note for INV-2026-0002"}
    assert all(Decimal(r["*UnitAmount"]) < 0 < Decimal(r["*Quantity"]) for r in by_number["CN-2026-0001"])
    first = by_number["INV-2026-0001"][0]
    assert (first["*ContactName"], first["EmailAddress"], first["POAddressLine1"], first["POCountry"],
            first["*AccountCode"], first["*TaxType"]) == (
        "Acme Corp", "ap@acme.example", "1 Acme Strasse", "DE", "200", "Tax on Sales")  # fmt: skip
    assert first["*InvoiceDate"].count("/") == 2  # DD/MM/YYYY by default


def test_quickbooks_rows_add_up_and_carry_the_status_in_the_memo(
    db: Database, books: dict[str, int], cli: None, tmp_path: Path
) -> None:
    rows = export(tmp_path, "quickbooks", "--item", "Legal services", "--date-format", "YYYY-MM-DD")
    expected = invoices(db)
    by_number: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        by_number[row["InvoiceNo"]].append(row)
    assert set(by_number) == {"INV-2026-0001", "INV-2026-0002", "CN-2026-0001"}
    for number, mine in by_number.items():
        lines, net, _tax, _total, discount = expected[number]
        assert len(mine) == lines + (1 if discount else 0)
        assert sum(Decimal(r["ItemAmount"]) for r in mine) == net
        for r in mine:
            product = Decimal(r["ItemQuantity"]) * Decimal(r["ItemRate"])
            assert product.quantize(Decimal("0.01")) == Decimal(r["ItemAmount"])
    assert {r["Memo"] for r in by_number["INV-2026-0001"]} == {"paid"}
    assert {r["Item(Product/Service)"] for r in rows} == {"Legal services"}
    assert {(r["Taxable"], r["TaxRate"]) for r in by_number["INV-2026-0001"]} == {("Y", "20%")}
    assert sum(Decimal(r["ItemAmount"]) for r in by_number["CN-2026-0001"]) < 0
    assert by_number["INV-2026-0001"][0]["InvoiceDate"].count("-") == 2
