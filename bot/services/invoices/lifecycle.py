"""After an invoice is issued: marked sent, marked paid, voided (its entries and fees
released back, its number kept, each entry's release on record; with ``credit_notes: true``
a sent invoice's void issues a credit note in its own series), and drafts discarded.
Partners and admins only, checked here from whoever asked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from bot.errors import Refused
from bot.services.entries import status as entry_status
from bot.services.invoices import numbering, posts, runs
from bot.services.invoices.issue import may_invoice
from storage import invoices as store
from storage.invoices import InvoiceRow
from storage.models import InvoiceStatus

S = InvoiceStatus


@dataclass(frozen=True)
class Voided:
    invoice: InvoiceRow
    released: int  # entries back to approved
    credit_note_id: int | None
    credit_note: str | None


def _invoice(conn: Connection, invoice_id: int, actor: str) -> InvoiceRow:
    may_invoice(conn, actor)
    found = store.invoice(conn, invoice_id, lock=True)
    if found is None:
        raise Refused("no_such_invoice")
    return found


def mark_sent(conn: Connection, invoice_id: int, *, actor: str, now: datetime) -> InvoiceRow:
    invoice = _invoice(conn, invoice_id, actor)
    if not store.set_status(conn, invoice_id, before=(S.ISSUED,), values={"status": S.SENT, "sent_at": now,
                                                                         "updated_at": now}):  # fmt: skip
        raise Refused("invoice_not_issued", number=invoice.number, status=invoice.status)
    posts.redraw(conn, invoice_id, now=now)
    return _reread(conn, invoice_id)


def mark_paid(conn: Connection, invoice_id: int, *, actor: str, now: datetime) -> InvoiceRow:
    invoice = _invoice(conn, invoice_id, actor)
    if not store.set_status(conn, invoice_id, before=(S.ISSUED, S.SENT),
                            values={"status": S.PAID, "paid_at": now, "updated_at": now}):  # fmt: skip
        raise Refused("invoice_not_payable", number=invoice.number, status=invoice.status)
    posts.redraw(conn, invoice_id, now=now)
    return _reread(conn, invoice_id)


def void(conn: Connection, invoice_id: int, *, actor: str, reason: str, now: datetime) -> Voided:
    """Void an issued or sent invoice: it keeps its number, bills nothing any more."""
    invoice = _invoice(conn, invoice_id, actor)
    reason = reason.strip()
    if not reason:
        raise Refused("void_reason_needed")
    if invoice.series != "invoice" or invoice.status not in (S.ISSUED, S.SENT):
        raise Refused("invoice_not_voidable", number=invoice.number, status=invoice.status)
    voided = {"status": S.VOID, "void_reason": reason[:2000], "updated_at": now}
    if not store.set_status(conn, invoice_id, before=(S.ISSUED, S.SENT), values=voided):
        raise Refused("invoice_not_voidable", number=invoice.number, status=invoice.status)
    ids = store.entry_ids(conn, invoice_id)
    store.unlink(conn, invoice_id)
    released = entry_status.release(
        conn, ids, invoice=str(invoice.number), actor=actor, reason=reason, now=now
    )
    firm = store.firm(conn)
    credit_id = credit_number = None
    if firm.credit_notes and invoice.status == S.SENT:
        credit_id, credit_number = _credit_note(conn, invoice, firm, actor=actor, now=now)
        # Printed and posted like an invoice, by the builder, after this commits.
        runs.queue_for(conn, invoice, actor, credit_id, now=now)
    posts.redraw(conn, invoice_id, now=now)
    return Voided(_reread(conn, invoice_id), released, credit_id, credit_number)


def void_form(conn: Connection, invoice_id: int, *, actor: str) -> posts.Summary:
    """What the void modal shows, once the clicker may void this invoice."""
    may_invoice(conn, actor)
    invoice = store.invoice(conn, invoice_id)
    if invoice is None:
        raise Refused("no_such_invoice")
    if invoice.series != "invoice" or invoice.status not in (S.ISSUED, S.SENT):
        raise Refused("invoice_not_voidable", number=invoice.number, status=invoice.status)
    found = posts.summary(conn, invoice_id)
    assert found is not None
    return found


def _credit_note(conn: Connection, invoice: InvoiceRow, firm: store.Firm, *, actor: str,
                 now: datetime) -> tuple[int, str]:  # fmt: skip
    """The credit note of a voided sent invoice: its lines and totals negated, numbered in
    its own series, linked to the original."""
    today = now.astimezone(ZoneInfo(firm.timezone or "UTC")).date()
    seq, number = numbering.issue_number(
        conn, series="credit_note", fmt=firm.credit_note_format, issue_date=today
    )
    values = invoice._asdict()
    for key in ("id", "void_reason", "sent_at", "paid_at"):
        values.pop(key)
    for key in ("subtotal", "discount", "tax", "total"):
        values[key] = -values[key]
    values.update(series="credit_note", number=number, sequence=seq, status=S.ISSUED, issue_date=today,
                  due_date=today, credit_for_id=invoice.id, created_by=actor, created_at=now,
                  updated_at=now)  # fmt: skip
    credit_id = store.insert_invoice(conn, values)
    store.insert_lines(conn, credit_id, [{**line._asdict(), "amount": -line.amount}
                                         for line in store.lines(conn, invoice.id)])  # fmt: skip
    return credit_id, number


def discard(conn: Connection, invoice_id: int, *, actor: str, now: datetime) -> InvoiceRow:
    invoice = _invoice(conn, invoice_id, actor)
    if invoice.status != S.DRAFT:
        raise Refused("invoice_not_draft", number=invoice.number, status=invoice.status)
    store.delete_invoice(conn, invoice_id)
    posts.redraw(conn, invoice_id, now=now)
    return invoice


def _reread(conn: Connection, invoice_id: int) -> InvoiceRow:
    found = store.invoice(conn, invoice_id)
    assert found is not None
    return found
