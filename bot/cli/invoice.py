"""``punchcard invoice``: build a client's invoice for a period and write it as PDF, CSV or XLSX."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.config import Settings, open_db
from bot.errors import UserError
from bot.services.clock import utcnow
from bot.services.invoices import issue as issuing
from bot.services.invoices.document import Document
from bot.services.invoices.read import document
from bot.views import invoice_export
from bot.views.invoice import pdf as render_pdf


def invoice(settings: Settings, args: argparse.Namespace) -> int:
    db = open_db(settings)
    built = issuing.issue(db.transaction, client=args.client, start=args.first, end=args.last,
                          grouping=args.group, draft=args.draft, actor="cli", now=utcnow())  # fmt: skip
    if built is None:
        print(f"Nothing to bill for {args.client} from {args.first} to {args.last}: no approved, billable "
              "time, fee or milestone left unbilled.")  # fmt: skip
        return 0
    with db.transaction(read_only=True) as conn:  # the file is made outside any write
        doc = document(conn, built.invoice_id)
    content = _render(doc, args.format)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{doc.number or f'draft-{built.invoice_id}'}.{args.format}"
        path.write_bytes(content)
    except OSError as err:
        raise UserError(f"cannot write the invoice to {out}: {err.strerror}") from None
    what = "Draft" if built.number is None else f"Invoice {built.number}"
    print(f"{what}: {doc.client.name}, {doc.period_start} to {doc.period_end}, {doc.hours} h, "
          f"total {doc.total} {doc.currency}, {built.entries} entries -> {path}")  # fmt: skip
    return 0


def _render(doc: Document, fmt: str) -> bytes:
    if fmt == "csv":
        return invoice_export.csv_bytes(doc)
    if fmt == "xlsx":
        return invoice_export.xlsx_bytes(doc)
    return render_pdf(doc)
