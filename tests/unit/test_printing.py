"""PDFs printed in a child process: the bytes come back, and the child never outlives the
process that started it (a pool's worker would otherwise wait for work forever)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from datetime import date
from decimal import Decimal as D
from pathlib import Path

from bot.printing import Printer
from bot.services.invoices.document import Document, Line, Party, TimesheetRow

ROOT = Path(__file__).resolve().parents[2]


def document() -> Document:
    day = date(2026, 11, 3)
    return Document(
        number="INV-2026-0001", kind="invoice", credit_for=None, status="issued", firm=Party("Hale & Partners"),
        client=Party("Acme Corp"), issue_date=date(2026, 12, 2), due_date=date(2027, 1, 1), period_start=day,
        period_end=date(2026, 11, 30), currency="USD", locale="en_US",
        lines=(Line("time", "Website", "Design", D("1.50"), D(300), D("450.00")),),
        timesheet=(TimesheetRow(day, "Max Member", "Website", "Design", "Wireframes", D("1.50")),),
        hours=D("1.50"), subtotal=D("450.00"), discount_percent=None, discount=D(0), tax_rate=None, tax_label="",
        tax=D(0), total=D("450.00"),
    )  # fmt: skip


def test_a_pdf_printed_in_the_child_process_is_the_pdf() -> None:
    printer = Printer()
    try:
        data = printer.pdf(document())
    finally:
        printer.close()
    assert data.startswith(b"%PDF-")


def test_the_printer_process_exits_when_its_parent_is_killed() -> None:
    script = textwrap.dedent(
        """
        import os, sys
        from bot.printing import Printer
        from tests.unit.test_printing import document
        printer = Printer()
        printer.pdf(document())
        pool = printer._pool
        print(*[p.pid for p in pool._processes.values()], flush=True)
        os._exit(9)  # as SIGKILL would: no shutdown, no close
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    [child] = [int(pid) for pid in done.stdout.split()]
    deadline = time.monotonic() + 10
    while _alive(child):
        assert time.monotonic() < deadline, "the printer outlived its parent"
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split()[2] == "Z")
