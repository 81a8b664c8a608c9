"""The invoice PDF: what it says (formatted in the client's locale), its paper, a firm's own
template, a long timesheet over several pages, and escaping."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal as D
from pathlib import Path

import pypdf
import pytest

from bot.services.invoices.document import Document, Line, Party, TimesheetRow
from bot.views import invoice


def _doc(rows: int = 30, **kw: object) -> Document:
    lines = (Line("time", "Acme v. Globex", "Litigation support", D("10.5"), D("400"), D("4200.00")),
             Line("fee", "Acme v. Globex", "Filing fee", None, None, D("150.00")))  # fmt: skip
    ts = tuple(TimesheetRow(date(2026, 11, 2) + timedelta(days=i % 28), "Eleanor Hale", "Acme v. Globex", "Discovery",
                            f"Entry {i:04d} review of documents", D("0.5")) for i in range(rows))  # fmt: skip
    base = Document(number="INV-2026-0007", kind="invoice", credit_for=None, status="issued",
                    firm=Party("Hale & Partners LLP", "12 Lincoln's Inn Fields\nLondon", "GB123", "a@hale.example"),
                    client=Party("Acme Corp", "1 Acme Way\nSan Francisco, CA"), issue_date=date(2026, 12, 2),
                    due_date=date(2027, 1, 1), period_start=date(2026, 11, 1), period_end=date(2026, 11, 30),
                    currency="EUR", locale="de_DE", lines=lines, timesheet=ts, hours=D("10.5"), subtotal=D("4350.00"),
                    discount_percent=D(5), discount=D("217.50"), tax_rate=D(20), tax_label="VAT", tax=D("826.50"),
                    total=D("4959.00"), notes="Thanks", payment_instructions="IBAN DE00 1234")  # fmt: skip
    return replace(base, **kw)  # type: ignore[arg-type]


def _read(data: bytes) -> tuple[pypdf.PdfReader, str]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return reader, "\n".join(p.extract_text() for p in reader.pages)


def _flat(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


def test_german_invoice_shows_number_lines_amounts_total_and_page_numbers() -> None:
    reader, text = _read(invoice.pdf(_doc()))
    flat = _flat(text)
    assert "INV-2026-0007" in flat
    assert "Litigation support" in flat and "Filing fee" in flat
    assert "4.200,00 €" in flat and "150,00 €" in flat and "4.959,00 €" in flat
    assert "Discount (5 %)" in flat and "VAT (20 %)" in flat
    assert "Page 1 of" in flat
    assert "Entry 0029" in flat
    assert len(reader.pages) >= 2


def test_us_invoice_formats_dollars_and_us_dates() -> None:
    _, text = _read(invoice.pdf(_doc(currency="USD", locale="en_US")))
    flat = _flat(text)
    assert "$4,200.00" in flat and "$4,959.00" in flat and "Dec 2, 2026" in flat


def test_a_draft_is_labelled_and_a_credit_note_names_the_invoice_it_credits() -> None:
    _, draft = _read(invoice.pdf(_doc(number=None)))
    assert "DRAFT" in draft
    _, credit = _read(
        invoice.pdf(_doc(number="CN-2026-0001", kind="credit_note", credit_for="INV-2026-0007"))
    )
    assert "Credit note" in credit and "Credits invoice INV-2026-0007" in _flat(credit)


def test_paper_size_follows_the_document() -> None:
    a4, _ = _read(invoice.pdf(_doc(rows=0)))
    letter, _ = _read(invoice.pdf(_doc(rows=0, paper="Letter")))
    assert (round(float(a4.pages[0].mediabox.width)), round(float(a4.pages[0].mediabox.height))) == (595, 842)
    assert (round(float(letter.pages[0].mediabox.width)), round(float(letter.pages[0].mediabox.height))) == (
        612,
        792,
    )


def test_a_firms_own_template_folder_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "invoice.html").write_text(
        "<p>Custom {{ doc.number }} {{ doc.total | money(currency, locale) }}</p>"
    )
    monkeypatch.setenv("PUNCHCARD_TEMPLATES", str(tmp_path))
    invoice.clear_cache()
    try:
        _, text = _read(invoice.pdf(_doc()))
    finally:
        monkeypatch.delenv("PUNCHCARD_TEMPLATES")
        invoice.clear_cache()
    assert "Custom INV-2026-0007" in _flat(text)


def test_a_300_row_timesheet_runs_over_several_pages_with_every_row() -> None:
    reader, text = _read(invoice.pdf(_doc(rows=300)))
    assert len(reader.pages) >= 5
    flat = _flat(text)
    assert all(f"Entry {i:04d}" in flat for i in range(300))


def test_descriptions_are_escaped() -> None:
    doc = _doc(lines=(Line("time", "P", "<script>alert(1)</script>", D(1), D(1), D(1)),))
    out = invoice.html(doc)
    assert "<script>" not in out and "&lt;script&gt;" in out
