"""The invoice builder: a worker thread that builds what ``/track invoice`` (or a draft's
Issue, or a void's credit note) asked for, after the ack.

One short write transaction issues the invoice (the number, the lines, the entries billed);
the PDF is printed outside any transaction, in a child process (``bot.printing``: on SQLite
the write lock is never held while WeasyPrint works, and the serving process keeps its GIL);
a second short transaction stores the file and queues its upload and summary in the outbox.
A builder that dies mid-run leaves its claim to expire; the next finds the invoice already
issued (``invoice_runs.invoice_id``) and only renders it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from bot.errors import Refused
from bot.printing import Printer
from bot.services.clock import utcnow
from bot.services.invoices import posts, runs
from bot.services.invoices.build import build
from bot.services.invoices.read import document
from storage import invoice_runs
from storage import invoices as store
from storage.db import Database
from storage.models import InvoiceStatus, RunState

logger = logging.getLogger(__name__)
ATTEMPTS = 5  # a run failing this often is given up, and its requester told
BACKOFF = 2.0  # seconds before a failed run is tried again, doubled per attempt


class Builder:
    def __init__(
        self,
        db: Database,
        *,
        printer: Printer | None = None,
        clock: Callable[[], datetime] = utcnow,
        lease: timedelta = timedelta(minutes=10),
    ) -> None:
        self.db, self.clock, self.lease = db, clock, lease
        self.printer = printer or Printer()
        self._wake = threading.Event()
        self._unwake = runs.on_request(db.engine, self._wake.set)

    def wake(self) -> None:
        self._wake.set()

    def run(self, stop: threading.Event, *, poll: float = 1.0) -> None:
        """Build until ``stop`` is set: at once when this process queues a run, else every
        ``poll`` seconds (runs other processes queued, claims whose builder died)."""
        while not stop.is_set():
            try:
                built = self.build_next()
            except Exception:
                logger.exception("building an invoice failed; trying again shortly")
                built = False
            if not built:
                self._wake.wait(poll)
                self._wake.clear()

    def close(self) -> None:
        self._unwake()
        self._wake.set()
        self.printer.close()

    def build_next(self) -> bool:
        """Build one waiting run; False when none waits."""
        now = self.clock()
        with self.db.transaction(read_only=True) as conn:
            if not invoice_runs.any_waiting(conn, now=now):
                return False
        with self.db.transaction() as conn:
            run = invoice_runs.claim(conn, now=now, lease_until=now + self.lease)
        if run is None:
            return False
        try:
            self._build(run)
        except Exception as err:
            logger.exception("invoice run %s failed (attempt %s)", run.id, run.attempts)
            now = self.clock()
            with self.db.transaction() as conn:
                if run.attempts >= ATTEMPTS:
                    invoice_runs.finish(conn, run.id, state=RunState.FAILED, outcome=repr(err), now=now)
                    issued = store.invoice(conn, invoice_runs.invoice_of(conn, run.id) or 0)
                    if issued is not None and issued.number:  # issued, never printed: say so
                        reason, facts = "invoice_print_failed", {"number": issued.number}
                    else:
                        reason, facts = "invoice_run_failed", {}
                    posts.nothing_to_bill(conn, run, reason=reason, facts=facts, now=now)
                else:
                    later = now + timedelta(seconds=BACKOFF * 2 ** (run.attempts - 1))
                    invoice_runs.put_back(conn, run.id, outcome=repr(err), now=now, until=later)
        return True

    def _build(self, run: invoice_runs.RunRow) -> None:
        invoice_id = self._issue(run)
        if invoice_id is None:
            return
        with self.db.transaction(read_only=True) as conn:
            doc = document(conn, invoice_id)
        content = self.printer.pdf(doc)  # outside any transaction: WeasyPrint takes seconds
        filename = f"{doc.number or f'draft-{invoice_id}'}.pdf"
        now = self.clock()
        with self.db.transaction() as conn:
            invoice_runs.save_document(conn, invoice_id, filename, content, now=now)
            posts.publish(conn, invoice_id, requester=run.requested_by, now=now)
            invoice_runs.finish(conn, run.id, state=RunState.DONE, outcome=doc.number or "draft", now=now)

    def _issue(self, run: invoice_runs.RunRow) -> int | None:
        """The invoice the run renders, issued (or drafted) first when it is not yet; None when
        it issued nothing (nothing to bill, or a refusal: the requester is told)."""
        for attempt in range(2):
            now = self.clock()
            try:
                with self.db.transaction() as conn:
                    existing = store.invoice(conn, run.invoice_id) if run.invoice_id else None
                    if run.invoice_id is not None and existing is None:  # a draft discarded meanwhile
                        invoice_runs.finish(conn, run.id, state=RunState.DONE, outcome="discarded", now=now)
                        return None
                    if existing is not None and (run.draft or existing.status != InvoiceStatus.DRAFT):
                        return existing.id  # built already (a retry, a credit note): render it
                    made = build(
                        conn,
                        client_id=run.client_id,
                        start=run.period_start,
                        end=run.period_end,
                        grouping=run.grouping,
                        draft=run.draft,
                        actor=run.requested_by,
                        now=now,
                        draft_id=run.invoice_id,
                    )
                    if made is None:
                        invoice_runs.finish(conn, run.id, state=RunState.DONE, outcome="nothing", now=now)
                        posts.nothing_to_bill(conn, run, reason="nothing_to_invoice", facts={}, now=now)
                        return None
                    invoice_runs.built(conn, run.id, made.invoice_id, now=now)
                    return made.invoice_id
            except store.AlreadyBilled:  # a racing run billed them first: look again
                if attempt:
                    raise
            except Refused as err:
                with self.db.transaction() as conn:
                    invoice_runs.finish(conn, run.id, state=RunState.FAILED, outcome=err.reason, now=now)
                    posts.nothing_to_bill(conn, run, reason=err.reason, facts=err.facts, now=now)
                return None
        return None
