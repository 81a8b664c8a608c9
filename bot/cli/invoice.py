"""``punchcard invoice``: build a client's invoice for a period and write it as PDF, CSV or XLSX."""

from __future__ import annotations

import argparse
from pathlib import Path

from bot.config import Settings, open_db
from bot.errors import UserError
from bot.services.clock import utcnow
from bot.services.invoices import issue as issuing
from bot.services.invoices import posts
from bot.services.invoices.document import Document
from bot.services.invoices.read import document
from bot.views import invoice_export
from bot.views.invoice import pdf as render_pdf
from storage import invoice_runs
from storage import invoices as invoices_store
from storage.db import Database
from storage.models import OutboxStatus


def invoice(settings: Settings, args: argparse.Namespace) -> int:
    db = open_db(settings)
    if args.post:
        _can_post(db, args)
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
