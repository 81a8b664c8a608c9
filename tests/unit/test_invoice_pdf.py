"""The invoice PDF: what it says (formatted in the client's locale), what each kind of line
reads as, its paper, a firm's own template, a long timesheet over several pages with its
column names on each, descriptions wrapped and never cut, and escaping."""

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


def _kinds(locale: str = "en_US") -> Document:
    lines = (Line("time", "Website", "Design", D("1.90"), D("300"), D("570.00")),
             Line("fee", "Brand", "", None, None, D("12000.00")),
             Line("milestone", "Brand", "Kickoff", None, None, D("3000.00")),
             Line("retainer", "Support", "2026-11", None, None, D("5000.00")),
             Line("included", "Support", "2026-11", D("10.00"), None, D("0")),
             Line("overage", "Support", "2026-11", D("2.50"), D("180"), D("450.00")))  # fmt: skip
    return _doc(rows=0, lines=lines, currency="USD", locale=locale)


def test_each_kind_of_line_says_what_it_bills() -> None:
    flat = _flat(_read(invoice.pdf(_kinds()))[1])
    assert "Website — Design 1.90 $300.00 $570.00" in flat
    assert "Brand — fixed fee $12,000.00" in flat
    assert "Brand — milestone: Kickoff $3,000.00" in flat
    assert "Support — retainer, November 2026 $5,000.00" in flat
    assert "Support — hours included in the retainer, November 2026 10.00 — $0.00" in flat  # no rate
    assert "Support — hours beyond the retainer, November 2026 2.50 $180.00 $450.00" in flat
    assert "2026-11" not in flat


def test_the_retainer_month_is_named_in_the_clients_language() -> None:
    flat = _flat(_read(invoice.pdf(_kinds("fr_FR")))[1])
    assert "Support — retainer, novembre 2026" in flat
    assert "Support — hours beyond the retainer, novembre 2026" in flat


def test_the_timesheet_repeats_its_column_names_and_numbers_its_pages_on_every_page() -> None:
    reader, _ = _read(invoice.pdf(_doc(rows=300)))
    pages = [_flat(page.extract_text()) for page in reader.pages]
    appendix = [text for text in pages if "Entry " in text]
    header = "DATE PERSON PROJECT / TASK DESCRIPTION HOURS"
    assert len(appendix) >= 5 and appendix[0].startswith("Timesheet") and header in appendix[0]
    assert all(text.startswith(header) for text in appendix[1:])  # at the top of every next page
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text


def test_a_long_description_wraps_and_nothing_of_it_is_cut() -> None:
    long = "Reviewed the whole data room, " * 20 + "https://example.com/" + "x" * 150 + "/end"
    doc = _doc(rows=2, timesheet=(TimesheetRow(date(2026, 11, 3), "Eleanor Hale", "Acme v. Globex", "Discovery",
                                               long, D("7.5")),))  # fmt: skip
    text = _read(invoice.pdf(doc))[1]
    assert "".join(long.split()) in "".join(text.split())
    assert "7,50" in text  # its hours, in the client's locale


def test_printing_leaves_the_garbage_collector_as_it_found_it() -> None:
    import gc

    assert gc.isenabled()
    invoice.pdf(_doc(rows=5))
    assert gc.isenabled()
    gc.disable()
    try:
        invoice.pdf(_doc(rows=5))
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_an_entry_longer_than_a_page_runs_on_under_the_column_names_of_each_page() -> None:
    words = " ".join(f"w{i:04d}" for i in range(1500))
    rows = _doc(rows=4).timesheet
    doc = _doc(timesheet=(*rows[:2], TimesheetRow(date(2026, 11, 9), "Eleanor Hale", "Acme v. Globex", "Discovery",
                                                  words, D(9)), *rows[2:]))  # fmt: skip
    reader, text = _read(invoice.pdf(doc))
    appendix = [_flat(page.extract_text()) for page in reader.pages][1:]
    assert len(appendix) >= 3 and all("DATE PERSON PROJECT / TASK DESCRIPTION HOURS" in t for t in appendix)
    assert all(f"w{i:04d}" in text for i in range(1500)) and "Entry 0003" in text


def test_a_tax_rate_is_shown_as_given() -> None:
    # New York City's sales tax is 8.875 %: rounding it to 8.88 would misstate the rate billed.
    page = invoice.html(_doc(rows=1, tax_rate=D("8.875"), locale="en_US", tax_label="Sales tax"))
    assert "Sales tax (8.875 %)" in page and "(20 %)" in invoice.html(_doc(rows=1, locale="en_US"))
