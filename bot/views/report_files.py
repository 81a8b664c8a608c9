"""A report as a table: one row per group (all of them) and a total, as CSV or XLSX. Pure
functions of the service's ``Report``; the value columns (one per currency) only when the
reader may see rates."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from bot.services.report import Figures, Report

NAMES = {"client": "client", "project": "project", "task": "task", "person": "person",
         "work-type": "work_type", None: "week"}  # fmt: skip
DETAILS = {"project": "project_name", "task": "project_name", "person": "slack_id"}
Cell = str | int | Decimal | None


def header(report: Report) -> list[str]:
    columns = [NAMES[report.grouping]]
    if report.grouping in DETAILS:
        columns.append(DETAILS[report.grouping])
    columns += ["entries", "hours", "billable_hours", "billable_share"]
    return columns + [f"value_{currency}" for currency in _currencies(report)]


def rows(report: Report) -> list[list[Cell]]:
    """Each group's row, then the total's (its value is the period's: by week, the only one)."""
    detail = report.grouping in DETAILS
    out = []
    for group in report.groups:
        out.append([group.label, *([group.detail] if detail else []), *_figures(report, group.figures)])
    out.append(["Total", *([""] if detail else []), *_figures(report, report.total)])
    return out


def _currencies(report: Report) -> list[str]:
    return list(report.total.value) if report.show_value else []


def _figures(report: Report, figures: Figures) -> list[Cell]:
    found = figures.billable_share
    cells: list[Cell] = [figures.entries, figures.hours, figures.billable_hours,
                         None if found is None else found.quantize(Decimal("0.0001"))]  # fmt: skip
    return cells + [figures.value.get(currency) for currency in _currencies(report)]


def csv_bytes(report: Report) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header(report))
    for row in rows(report):
        writer.writerow(["" if cell is None else cell for cell in row])
    return buffer.getvalue().encode("utf-8")


def xlsx_bytes(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Report"
    columns = header(report)
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows(report):
        sheet.append(row)  # a Decimal is written as a number, with its digits
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    formats = {"hours": "#,##0.00", "billable_hours": "#,##0.00", "billable_share": "0.0%"}
    for index, name in enumerate(columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = 28 if index <= 2 else 16
        number = formats.get(name) or ("#,##0.00" if name.startswith("value_") else None)
        if number:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def table(report: Report) -> str:
    """The rows as a plain text table, for the terminal: numbers right-aligned, a rule above
    the total."""
    columns = header(report)
    shown = [columns] + [[_plain(name, cell) for name, cell in zip(columns, row, strict=True)]
                         for row in rows(report)]  # fmt: skip
    widths = [max(len(row[i]) for row in shown) for i in range(len(columns))]
    names = 2 if report.grouping in DETAILS else 1  # left-aligned
    lines = ["  ".join(_cell(row[i], w, i < names) for i, w in enumerate(widths)) for row in shown]
    lines.insert(len(lines) - 1, "-" * max(len(line) for line in lines))
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _cell(text: str, width: int, left: bool) -> str:
    return text.ljust(width) if left else text.rjust(width)


def _plain(column: str, cell: Cell) -> str:
    if cell is None:
        return ""
    if column == "billable_share" and isinstance(cell, Decimal):
        return f"{cell:.1%}"
    if isinstance(cell, int | Decimal):
        return f"{cell:,}"  # a Decimal keeps its places: hours 2, yen 0, dinars 3
    return cell
