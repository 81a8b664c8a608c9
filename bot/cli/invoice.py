"""``punchcard invoice``: build a client's invoice for a period and write it as PDF, CSV, XLSX or
a LEDES 1998B file (clients with ``ebilling: ledes``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.config import Settings, open_db
from bot.errors import UserError
from bot.services.clock import utcnow
from bot.services.invoices import issue as issuing
from bot.services.invoices import ledes, posts
from bot.services.invoices.document import Document
from bot.services.invoices.read import document
from bot.views import invoice_export
from bot.views import ledes as ledes_view
from bot.views.invoice import pdf as render_pdf
from storage import invoice_runs
from storage import invoices as invoices_store
from storage.db import Database
from storage.models import OutboxStatus


def invoice(settings: Settings, args: argparse.Namespace) -> int:
    db = open_db(settings)
    if args.post:
        _can_post(db, args)
    if args.format == "ledes":
        _can_ledes(db, args)
    built = issuing.issue(db.transaction, client=args.client, start=args.first, end=args.last,
                          grouping=args.group, draft=args.draft, actor="cli", now=utcnow())  # fmt: skip
    if built is None:
        print(f"Nothing to bill for {args.client} from {args.first} to {args.last}: no approved, billable "
              "time, fee or milestone left unbilled.")  # fmt: skip
        return 0
    with db.transaction(read_only=True) as conn:  # the file is made outside any write
        doc = document(conn, built.invoice_id)
        lines = ledes.invoice(conn, built.invoice_id) if args.format == "ledes" else None
    content = ledes_view.file_bytes(lines) if lines is not None else _render(doc, args.format)
    out = Path(args.out)
    suffix = "txt" if args.format == "ledes" else args.format  # e-billing systems take LEDES as .txt
    try:
        out.mkdir(parents=True, exist_ok=True)
        path = out / f"{doc.number or f'draft-{built.invoice_id}'}.{suffix}"
        path.write_bytes(content)
    except OSError as err:
        raise UserError(f"cannot write the invoice to {out}: {err.strerror}") from None
    what = "Draft" if built.number is None else f"Invoice {built.number}"
    print(f"{what}: {doc.client.name}, {doc.period_start} to {doc.period_end}, {doc.hours} h, "
          f"total {doc.total} {doc.currency}, {built.entries} entries -> {path}")  # fmt: skip
    if lines is not None and lines.tax:
        print(f"LEDES 1998B carries no tax: the file totals {lines.total} {doc.currency} before the "
              f"{doc.tax} {doc.currency} of {doc.tax_label} the PDF shows.")  # fmt: skip
    if args.post:
        return _post(
            settings, db, built.invoice_id, doc, content if args.format == "pdf" else render_pdf(doc)
        )
    return 0


def _can_post(db: Database, args: argparse.Namespace) -> None:
    """--post is refused before anything is issued: a draft, or a client with no channel."""
    if args.draft:
        raise UserError("a draft is not posted: it has no number and bills nothing; leave out --draft")
    with db.transaction(read_only=True) as conn:
        client = invoices_store.client(conn, issuing.find_client(conn, args.client))
    if client is not None and not client.billing_channel:
        raise UserError(f"{client.name} has no billing_channel in the import, so there is nowhere to post; "
                        "add it, or leave out --post")  # fmt: skip


def _can_ledes(db: Database, args: argparse.Namespace) -> None:
    """A LEDES file is refused before anything is issued: for a draft, or a client not e-billed."""
    if args.draft:
        raise UserError("a draft has no invoice number, and an e-billing system needs one; leave out --draft")
    with db.transaction(read_only=True) as conn:
        client = invoices_store.client(conn, issuing.find_client(conn, args.client))
    if client is not None and client.ebilling != "ledes":
        raise UserError(f"{client.name} is not e-billed: --format ledes is for clients with ebilling: ledes "
                        "in the import; use pdf, csv or xlsx")  # fmt: skip


def _post(settings: Settings, db: Database, invoice_id: int, doc: Document, pdf: bytes) -> int:
    """The PDF and its summary to the client's billing channel, through the outbox (as the
    builder posts them from Slack), delivered before the command exits."""
    from bot.cli.ops import _sender
    from bot.views import ops as views

    with db.transaction() as conn:
        invoice_runs.save_document(conn, invoice_id, f"{doc.number}.pdf", pdf, now=utcnow())
        ids = posts.publish(conn, invoice_id, requester="cli", now=utcnow())
    rows = _sender(settings, db).deliver_until_done(ids, timeout=120)
    print(views.outbox_table(rows))
    return 0 if all(r.status == OutboxStatus.SENT for r in rows) else 1


def _render(doc: Document, fmt: str) -> bytes:
    if fmt == "csv":
        return invoice_export.csv_bytes(doc)
    if fmt == "xlsx":
        return invoice_export.xlsx_bytes(doc)
    return render_pdf(doc)
