"""What the bot posts about invoices, queued in the outbox with the change that causes it:
the PDF (``invoice-file``, uploaded with ``files_upload_v2``) and a summary with its buttons
(``invoice-summary``) to the client's billing channel, a draft's to its requester; each
summary redrawn in place when the invoice moves on (``invoice-redraw``); and a word to the
requester when a run issued nothing (``invoice-nothing``). Summaries are rendered from the
invoice as it is when they go out (``summary``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from bot.errors import Refused
from storage import invoice_runs, outbox
from storage import invoices as store
from storage.models import InvoiceStatus

FILE, SUMMARY, REDRAW, NOTHING = "invoice-file", "invoice-summary", "invoice-redraw", "invoice-nothing"


def _key(invoice_id: int, number: str | None) -> str:
    return f"invoice:{invoice_id}:{number or 'draft'}"


def billing_channel(conn: Connection, invoice_id: int) -> str | None:
    invoice = store.invoice(conn, invoice_id)
    client = store.client(conn, invoice.client_id) if invoice else None
    return client.billing_channel if client else None


def publish(conn: Connection, invoice_id: int, *, requester: str, now: datetime) -> list[int]:
    """Queue the invoice's file and its summary: an issued invoice (or credit note) to the
    client's billing channel (the requester's DM when the client has none), a draft to the
    requester. Queued once per invoice and number, however often a run is retried; the
    two rows' ids."""
    invoice = store.invoice(conn, invoice_id)
    client = store.client(conn, invoice.client_id) if invoice else None
    if invoice is None or client is None:
        raise Refused("no_such_invoice")
    draft = invoice.status == InvoiceStatus.DRAFT
    channel = None if draft else client.billing_channel
    user = None if channel else requester
    key = _key(invoice_id, invoice.number)
    outbox.enqueue(
        conn,
        key=f"{key}:file",
        kind=FILE,
        payload={"invoice": invoice_id},
        channel=channel,
        user_id=user,
        now=now,
    )
    outbox.enqueue(
        conn,
        key=f"{key}:summary",
        kind=SUMMARY,
        payload={"invoice": invoice_id, "draft": draft, "file": f"{key}:file"},
        channel=channel,
        user_id=user,
        now=now,
    )
    if not draft:  # an issued draft: its DM now says where it went
        redraw(conn, invoice_id, now=now, draft_only=True)
    return [row.id for row in outbox.by_keys(conn, [f"{key}:file", f"{key}:summary"])]


def redraw(conn: Connection, invoice_id: int, *, now: datetime, draft_only: bool = False) -> None:
    """The invoice changed (sent, paid, void, issued from its draft, discarded): each summary
    posted about it is redrawn from its state when the redraw goes out."""
    invoice = store.invoice(conn, invoice_id)
    status = invoice.status if invoice else "discarded"
    keys = [f"{_key(invoice_id, None)}:summary"]
    if invoice is not None and invoice.number and not draft_only:
        keys.append(f"{_key(invoice_id, invoice.number)}:summary")
    for posted in outbox.by_keys(conn, keys):
        outbox.enqueue(
            conn,
            key=f"{posted.key}:redraw:{status}",
            kind=REDRAW,
            payload={**posted.payload, "summary": posted.key},
            now=now,
        )


def nothing_to_bill(
    conn: Connection, run: invoice_runs.RunRow, *, reason: str, facts: dict[str, Any], now: datetime
) -> None:
    """Tell the requester that the run issued nothing, and why (a refusal's code and facts)."""
    client = store.client(conn, run.client_id)
    outbox.enqueue(
        conn,
        key=f"invoice-run:{run.id}:nothing",
        kind=NOTHING,
        payload={
            "client": client.name if client else "",
            "first": run.period_start.isoformat(),
            "last": run.period_end.isoformat(),
            "draft": run.draft,
            "reason": reason,
            "facts": facts,
        },
        user_id=run.requested_by,
        now=now,
    )


@dataclass(frozen=True)
class Summary:
    """An invoice as its Slack summary shows it."""

    invoice_id: int
    number: str | None
    credit_note: bool
    credit_for: str | None  # a credit note's original
    credited_by: str | None  # a voided invoice's credit note
    status: str
    client: str
    channel: str | None  # the client's billing channel
    first: date
    last: date
    issue_date: date | None
    due_date: date | None
    hours: Decimal
    total: Decimal
    currency: str
    locale: str
    lines: int
    entries: int
    requested_by: str
    void_reason: str
    sent_at: datetime | None
    paid_at: datetime | None


def summary(conn: Connection, invoice_id: int) -> Summary | None:
    """The invoice as it is now; None once a draft was discarded."""
    invoice = store.invoice(conn, invoice_id)
    if invoice is None:
        return None
    client = store.client(conn, invoice.client_id)
    assert client is not None  # a foreign key
    original = store.invoice(conn, invoice.credit_for_id) if invoice.credit_for_id else None
    return Summary(
        invoice_id=invoice.id,
        number=invoice.number,
        credit_note=invoice.series == "credit_note",
        credit_for=original.number if original else None,
        credited_by=store.credit_note_of(conn, invoice.id),
        status=invoice.status,
        client=client.name,
        channel=client.billing_channel,
        first=invoice.period_start,
        last=invoice.period_end,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        hours=invoice.hours,
        total=invoice.total,
        currency=invoice.currency,
        locale=invoice.locale,
        lines=len(store.lines(conn, invoice.id)),
        entries=len(store.entry_ids(conn, invoice.id)),
        requested_by=invoice.created_by,
        void_reason=invoice.void_reason,
        sent_at=invoice.sent_at,
        paid_at=invoice.paid_at,
    )


def document_file(conn: Connection, invoice_id: int) -> tuple[str, bytes] | None:
    """The invoice's printed file (name, bytes), stored by the builder."""
    return invoice_runs.document(conn, invoice_id)
