"""Benchmark: an invoice PDF with a 1,000-row timesheet appendix.

Times ``bot.views.invoice.pdf`` (median of 3) against a baseline in the same run: WeasyPrint
printing the same 1,000 rows as a plain HTML <table> (same columns, minimal CSS). Targets: ours
at most 0.5x the table's time; peak RSS under 200 MB.

    python bench/invoice_pdf.py [--rows 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import html
import resource
import statistics
import sys
import time
from datetime import date, timedelta
from decimal import Decimal as D

import harness  # noqa: F401

sys.path.insert(0, str(harness.ROOT))

import weasyprint  # noqa: E402

from bot.services.invoices.document import Document, Line, Party, TimesheetRow  # noqa: E402
from bot.views import invoice  # noqa: E402


def build(rows: int) -> Document:
    ts = tuple(TimesheetRow(date(2026, 11, 2) + timedelta(days=i % 28), f"Person {i % 7}", f"Matter {i % 13}",
                            "Drafting", f"Entry {i}: review and revise documents, call with client" * (1 + i % 3),
                            D("0.5")) for i in range(rows))  # fmt: skip
    lines = (Line("time", "Matter 1", "Professional services", D(rows / 2), D(400), D(rows * 200)),)
    return Document(number="INV-2026-0001", kind="invoice", credit_for=None, status="issued",
                    firm=Party("Hale & Partners LLP", "London"), client=Party("Acme Corp", "1 Acme Way\nSF"),
                    issue_date=date(2026, 12, 2), due_date=date(2027, 1, 1), period_start=date(2026, 11, 1),
                    period_end=date(2026, 11, 30), currency="USD", locale="en_US", lines=lines, timesheet=ts,
                    hours=D(rows / 2), subtotal=D(rows * 200), discount_percent=None, discount=D(0), tax_rate=D(20),
                    tax_label="VAT", tax=D(rows * 40), total=D(rows * 240))  # fmt: skip


def table_html(doc: Document) -> str:
    rows = "".join(f"<tr><td>{r.day:%d %b %Y}</td><td>{html.escape(r.person)}</td><td>{html.escape(r.project)} / "
                   f"{html.escape(r.task)}</td><td>{html.escape(r.description)}</td><td>{r.hours}</td></tr>"
                   for r in doc.timesheet)  # fmt: skip
    return ("<style>@page{size:A4;margin:18mm}table{width:100%;border-collapse:collapse;font-size:8pt}"
            "thead{display:table-header-group}</style><table><thead><tr><th>Date</th><th>Person</th>"
            f"<th>Project / task</th><th>Description</th><th>Hours</th></tr></thead><tbody>{rows}</tbody></table>")  # fmt: skip


def timed(fn: object, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    doc = build(args.rows)
    invoice.pdf(build(5))  # warm up fonts and the template
    baseline_src = table_html(doc)
    base = timed(lambda: weasyprint.HTML(string=baseline_src).write_pdf(), args.rounds)
    ours = timed(lambda: invoice.pdf(doc), args.rounds)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows={args.rows} rounds={args.rounds}")
    print(f"baseline <table>:  {base * 1000:8.0f} ms")
    print(f"invoice.pdf:       {ours * 1000:8.0f} ms")
    print(f"ratio: {ours / base:.2f} (target <= 0.50)   peak RSS: {rss_mb:.0f} MB (target < 200)")


if __name__ == "__main__":
    main()
