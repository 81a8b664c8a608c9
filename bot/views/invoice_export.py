"""An invoice for accounting: one row per line and one per entry it bills, as CSV or XLSX."""

from __future__ import annotations

import csv
import io

from bot.services.invoices.document import Document

HEADER = ["invoice", "row", "kind", "date", "person", "project", "task", "description", "hours", "rate",
          "amount", "currency"]  # fmt: skip


def rows(doc: Document) -> list[list[object]]:
    number = doc.number or "draft"
    out: list[list[object]] = []
    for line in doc.lines:
        out.append([number, "line", line.kind, doc.issue_date.isoformat(), "", line.project, "",
                    line.description, line.hours, line.rate, line.amount, doc.currency])  # fmt: skip
    for label, amount in (("discount", -doc.discount), ("tax", doc.tax), ("total", doc.total)):
        if label == "total" or amount:
            said = doc.tax_label if label == "tax" else ""
            out.append([number, label, label, doc.issue_date.isoformat(), "", "", "", said, None, None,
                        amount, doc.currency])  # fmt: skip
    for entry in doc.timesheet:
        out.append([number, "entry", "time", entry.day.isoformat(), entry.person, entry.project, entry.task,
                    entry.description, entry.hours, None, None, doc.currency])  # fmt: skip
    return out


def csv_bytes(doc: Document) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    for row in rows(doc):
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(doc: Document) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = (doc.number or "draft")[:31]
    sheet.append(HEADER)
    for row in rows(doc):
        sheet.append(row)  # openpyxl writes a Decimal as a number, with its digits
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
