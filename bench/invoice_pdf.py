"""Benchmark: an invoice with a 1,000-row timesheet appendix, from the database to PDF bytes.

A fresh SQLite file (migrated, a firm imported) holds 1,000 approved billable entries of one
client in November 2026. Each round of "ours" times what ``punchcard invoice`` does: issue the
invoice (``invoices.build.build``: collect, price, lines, number, bill the entries), read it
back (``invoices.read.document``) and print it (``bot.views.invoice.pdf``); the invoice is then
voided, untimed, so the next round bills the same entries again (a draft would not do: a
draft links no entries, so its document has no timesheet). The baseline, in the same run:
WeasyPrint printing the same 1,000 rows, read from the same database, as a plain HTML <table>
(same columns, minimal CSS, WeasyPrint's defaults). Rounds alternate baseline / ours (a noisy
shared 2-core box); medians. Targets: ours at most 0.5x the baseline; peak RSS under 200 MB.

Each run starts on a collected heap and ends once its garbage is collected (see ``timed``):
plain WeasyPrint leaves its document, in reference cycles, for the collector's next run, while
``invoice.pdf`` has it collected before it returns; the times without that collection are
printed too. Peak memory is ours alone: one invoice end to end in a fresh process.

``invoice.pdf`` prints with the garbage collector paused and from a roomy stack frame (see
there); the baseline prints as WeasyPrint does by default. ``--fair`` also times the baseline
printed those two ways (with WeasyPrint's stock stylesheet), to show what the template and
``invoice.pdf``'s trimmed stylesheet gain by themselves.

    python bench/invoice_pdf.py [--rows 1000] [--rounds 5] [--fair]
"""

from __future__ import annotations

import argparse
import gc
import html
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import harness  # noqa: F401

sys.path.insert(0, str(harness.ROOT))

import weasyprint  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402

from bot.services.freeze import freeze  # noqa: E402
from bot.services.importer import import_yaml  # noqa: E402
from bot.services.invoices import lifecycle, read  # noqa: E402
from bot.services.invoices.build import build  # noqa: E402
from bot.services.invoices.document import Document  # noqa: E402
from bot.views import invoice  # noqa: E402
from storage.db import Database, make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Client, EntryStatus, Person, Project, Task, TimeEntry  # noqa: E402

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
START, END = date(2026, 11, 1), date(2026, 11, 30)
PARTNER = "U0PARTNER"
FIRM = """
workspace: {timezone: UTC, currency: USD, billing_increment_minutes: 6}
firm:
  name: Hale & Partners LLP
  address: "12 Lincoln's Inn Fields\\nLondon WC2A 3BP"
  tax_id: GB 123 4567 89
  email: billing@hale.example
  payment_terms_days: 30
  tax_rate: 20
  tax_label: VAT
  notes: Thank you for your business.
  payment_instructions: "Bank transfer to Hale & Partners LLP\\nIBAN GB00 HALE 1234 5678 9012 34"
people:
  - {slack_id: U0PARTNER, name: Eleanor Hale, role: partner, timezone: UTC, rate: 400}
  - {slack_id: U0SENIOR, name: Marcus Okafor, role: member, timezone: UTC, rate: 300}
  - {slack_id: U0ASSOC1, name: Priya Raghunathan, role: member, timezone: UTC, rate: 220}
  - {slack_id: U0ASSOC2, name: Tom Becker, role: member, timezone: UTC, rate: 200}
  - {slack_id: U0PARA, name: Sofia Lindqvist, role: member, timezone: UTC, rate: 120}
clients:
  - name: Acme Corp
    address: "1 Acme Way\\nSan Francisco, CA 94105"
    billing_channel: C0BILLING
    locale: en_US
    projects:
      - {name: Acme v. Globex, code: LIT, billing: hourly,
         tasks: [{name: Discovery}, {name: Depositions}, {name: Motions}]}
      - {name: Series B financing, code: FIN, billing: hourly, tasks: [{name: Due diligence}, {name: Drafting}]}
      - {name: Trademark portfolio, code: TM, billing: hourly}
"""
WORDS = ("Reviewed and annotated the production set; flagged privileged documents for the log",
         "Call with client", "Drafted the motion to compel and circulated it for comments",
         "Prepared the deposition outline, exhibits and a summary of prior testimony for the team "
         "meeting, including the chronology of the negotiations and the key correspondence",
         "Research", "Revised the term sheet mark-up", "Filed the renewal")  # fmt: skip


def setup(url: str, rows: int) -> tuple[Database, int]:
    """A migrated database with the firm and ``rows`` approved billable entries in November."""
    engine = make_engine(url)
    upgrade(engine)
    db = Database(engine)
    with db.transaction() as conn:
        import_yaml(conn, FIRM, now=NOW)
    with db.transaction() as conn:
        client = int(conn.scalar(select(Client.id)))
        people = list(conn.scalars(select(Person.id).order_by(Person.id)))
        slots = [(p, t) for p, t in conn.execute(select(Project.id, Task.id).outerjoin(Task, Task.project_id ==
                                                 Project.id).order_by(Project.id, Task.id))]  # fmt: skip
        values = [{"person_id": people[i % len(people)], "project_id": slots[i % len(slots)][0],
                   "task_id": slots[i % len(slots)][1], "date": START + timedelta(days=i * 30 // rows),
                   "description": f"{WORDS[i % len(WORDS)]} ({i})", "duration_seconds": 900 * (1 + i % 11),
                   "billable": True, "status": EntryStatus.SUBMITTED, "created_at": NOW, "updated_at": NOW}
                  for i in range(rows)]  # fmt: skip
        ids = list(conn.scalars(insert(TimeEntry).returning(TimeEntry.id), values))
        freeze(conn, ids, status=EntryStatus.APPROVED, now=NOW)
    return db, client


def ours(db: Database, client: int, parts: list[float] | None = None) -> tuple[int, bytes, Document]:
    """Issue, read back, print: what ``punchcard invoice`` does (``parts``: the time to the document)."""
    start = time.perf_counter()
    with db.transaction() as conn:
        built = build(conn, client_id=client, start=START, end=END, grouping="task", draft=False,
                      actor=PARTNER, now=NOW)  # fmt: skip
    assert built is not None
    with db.transaction(read_only=True) as conn:
        doc = read.document(conn, built.invoice_id)
    if parts is not None:
        parts.append(time.perf_counter() - start)
    return built.invoice_id, invoice.pdf(doc), doc


def void(db: Database, invoice_id: int) -> None:
    with db.transaction() as conn:
        lifecycle.void(conn, invoice_id, actor=PARTNER, reason="bench", now=NOW)


def table_html(doc: Document) -> str:
    rows = "".join(f"<tr><td>{r.day:%d %b %Y}</td><td>{html.escape(r.person)}</td><td>{html.escape(r.project)} / "
                   f"{html.escape(r.task)}</td><td>{html.escape(r.description)}</td><td>{r.hours}</td></tr>"
                   for r in doc.timesheet)  # fmt: skip
    return ("<style>@page{size:A4;margin:18mm}table{width:100%;border-collapse:collapse;font-size:8pt}"
            "thead{display:table-header-group}</style><table><thead><tr><th>Date</th><th>Person</th>"
            f"<th>Project / task</th><th>Description</th><th>Hours</th></tr></thead><tbody>{rows}</tbody></table>")  # fmt: skip


def timed(fn: Callable[[], object]) -> tuple[float, float, float]:
    """(wall, CPU, wall with the garbage collected) of one run, started on a clean heap: each
    run pays for collecting its own garbage, none for another's. ``invoice.pdf`` collects its
    own before it returns (the collector is back on); plain WeasyPrint leaves its document
    (some 270,000 objects in reference cycles) to whichever code the collector next runs in."""
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    fn()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    gc.collect()
    return wall, cpu, time.perf_counter() - start


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(url: str) -> None:
    """``--peak URL``: one invoice end to end in this fresh process; print its peak RSS."""
    db = Database(make_engine(url))
    with db.transaction(read_only=True) as conn:
        client = int(conn.scalar(select(Client.id)))
    invoice_id, _, _ = ours(db, client)
    void(db, invoice_id)
    print(f"{peak_rss_mb():.0f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--fair", action="store_true", help="also time the baseline printed the way ours is")
    ap.add_argument("--peak", metavar="URL", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.peak:
        child(args.peak)
        return
    with tempfile.TemporaryDirectory(prefix="punchcard-bench-") as tmp:
        started = time.perf_counter()
        url = f"sqlite:///{Path(tmp) / 'punchcard.db'}"
        db, client = setup(url, args.rows)
        print(f"set-up: {args.rows} approved entries in {time.perf_counter() - started:.1f} s")
        # Ours alone in a fresh process, for its peak memory (this one also runs the baseline).
        peak = subprocess.run([sys.executable, __file__, "--peak", url], check=True, capture_output=True,
                              text=True).stdout.split()[-1]  # fmt: skip
        invoice_id, data, doc = ours(db, client)  # warm-up: fonts, template, statements
        void(db, invoice_id)
        assert len(doc.timesheet) == args.rows, len(doc.timesheet)
        source = table_html(doc)
        warm = table_html(replace(doc, timesheet=doc.timesheet[:20]))
        weasyprint.HTML(string=warm).write_pdf()  # the baseline's fonts
        to_doc: list[float] = []

        def baseline() -> None:
            weasyprint.HTML(string=source).write_pdf()

        def fair() -> None:  # as invoice.pdf prints (collector paused, roomy frame), stock stylesheet
            with invoice._collector_paused():
                invoice._roomy(lambda: weasyprint.HTML(string=source).render().write_pdf())

        def mine() -> None:
            nonlocal invoice_id, data
            invoice_id, data, _ = ours(db, client, to_doc)

        runs: dict[str, list[tuple[float, float, float]]] = {"base": [], "fair": [], "ours": []}
        for _ in range(args.rounds):
            runs["base"].append(timed(baseline))
            if args.fair:
                runs["fair"].append(timed(fair))
            runs["ours"].append(timed(mine))
            void(db, invoice_id)
        db.dispose()

    def med(name: str, i: int) -> float:
        return statistics.median(run[i] for run in runs[name])

    def show(label: str, name: str) -> None:
        print(f"{label:38s} {med(name, 2) * 1000:6.0f} ms  ({med(name, 0) * 1000:.0f} ms before its garbage "
              f"is collected, cpu {med(name, 1) * 1000:.0f} ms)")  # fmt: skip

    print(f"rows={args.rows} rounds={args.rounds} (alternating; medians) pdf={len(data) // 1024} KB")
    show("baseline <table> (WeasyPrint):", "base")
    if args.fair:
        show("baseline <table>, printed as ours:", "fair")
    show("ours: build + document + invoice.pdf:", "ours")
    print(f"  of which build + document: {statistics.median(to_doc) * 1000:.0f} ms")
    print(f"ratio: {med('ours', 2) / med('base', 2):.2f} (target <= 0.50; before the garbage is collected "
          f"{med('ours', 0) / med('base', 0):.2f}, cpu {med('ours', 1) / med('base', 1):.2f})")  # fmt: skip
    if args.fair:
        print(f"ratio to the baseline printed as ours: {med('ours', 2) / med('fair', 2):.2f}")
    print(f"peak RSS: {peak} MB (target < 200; a fresh process printing ours once; this one, which also "
          f"printed the baseline: {peak_rss_mb():.0f} MB)")  # fmt: skip


if __name__ == "__main__":
    main()
