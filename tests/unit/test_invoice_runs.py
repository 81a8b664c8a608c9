"""The invoice builder: a run is issued once, however often it is retried or whoever picks it
up after a builder died; a failing print backs off and, in the end, tells the requester."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot.errors import UserError
from bot.invoicing import ATTEMPTS, Builder
from bot.printing import Printer
from bot.services.invoices import runs
from bot.services.invoices.document import Document
from storage.db import Database
from storage.models import Invoice, InvoiceRun, OutboxMessage, RunState
from tests.conftest import Clock
from tests.unit.test_invoice_build import NOW, acme, approved

__all__ = ["acme"]


class FakePrinter(Printer):
    """Prints a stand-in PDF, or fails ``failures`` times first."""

    def __init__(self, failures: int = 0) -> None:
        super().__init__(in_process=True)
        self.failures, self.printed = failures, []

    def pdf(self, doc: Document) -> bytes:
        if self.failures:
            self.failures -= 1
            raise RuntimeError("the printer fell over")
        self.printed.append(doc.number)
        return b"%PDF-1.7 " + str(doc.number).encode()


def ask(db: Database, text_client: str = "Acme") -> None:
    with db.transaction() as conn:
        runs.request(conn, "U0PARTNER", client=text_client, first=date(2026, 11, 1), last=date(2026, 11, 30),
                     draft=False, now=NOW)  # fmt: skip


def outbox_keys(db: Database) -> list[str]:
    with db.transaction(read_only=True) as conn:
        return list(conn.scalars(select(OutboxMessage.key).order_by(OutboxMessage.id)))


def test_a_run_is_issued_printed_and_queued_once(db: Database, acme: int) -> None:
    approved(db, "WEB", date(2026, 11, 3), "1.5", task="Design")
    ask(db)
    printer = FakePrinter()
    builder = Builder(db, printer=printer, clock=lambda: NOW)
    assert builder.build_next() is True
    assert builder.build_next() is False  # nothing waits any more
    assert printer.printed == ["INV-2026-0001"]
    assert outbox_keys(db) == ["invoice:1:INV-2026-0001:file", "invoice:1:INV-2026-0001:summary"]


def test_a_builder_that_died_leaves_the_invoice_to_be_rendered_not_issued_again(
    db: Database, acme: int
) -> None:
    approved(db, "WEB", date(2026, 11, 3), "1.5", task="Design")
    ask(db)
    clock = Clock(NOW)
    dying = Builder(db, printer=FakePrinter(failures=1), clock=clock)
    invoice_id = dying._issue(dying_claim(db, clock))  # issued, then the process died before printing
    assert invoice_id is not None
    clock.advance(minutes=11)  # its claim's lease runs out
    printer = FakePrinter()
    assert Builder(db, printer=printer, clock=clock).build_next() is True
    with db.transaction(read_only=True) as conn:
        assert conn.scalar(select(Invoice.number)) == "INV-2026-0001"
        assert len(conn.scalars(select(Invoice.id)).all()) == 1
    assert printer.printed == ["INV-2026-0001"]


def dying_claim(db: Database, clock: Clock):  # type: ignore[no-untyped-def]
    from storage import invoice_runs

    with db.transaction() as conn:
        return invoice_runs.claim(conn, now=clock(), lease_until=clock() + timedelta(minutes=10))


def test_a_failing_print_backs_off_and_after_the_last_attempt_the_requester_is_told(
    db: Database, acme: int
) -> None:
    approved(db, "WEB", date(2026, 11, 3), "1.5", task="Design")
    ask(db)
    clock = Clock(NOW)
    builder = Builder(db, printer=FakePrinter(failures=ATTEMPTS), clock=clock)
    for attempt in range(1, ATTEMPTS + 1):
        assert builder.build_next() is True, attempt
        assert builder.build_next() is False  # backing off: not again at once
        clock.advance(seconds=2**attempt + 1)
    with db.transaction(read_only=True) as conn:
        state, attempts = conn.execute(select(InvoiceRun.state, InvoiceRun.attempts)).one()
    assert (state, attempts) == (RunState.FAILED, ATTEMPTS)
    assert outbox_keys(db) == ["invoice-run:1:nothing"]
    with db.transaction(read_only=True) as conn:  # told that it was issued, and what to do
        payload = conn.scalar(select(OutboxMessage.payload))
    assert payload["reason"] == "invoice_print_failed" and payload["facts"] == {"number": "INV-2026-0001"}


def test_a_member_cannot_queue_a_run_and_an_unknown_client_is_named(db: Database, acme: int) -> None:
    from bot.errors import Refused

    with db.transaction() as conn:
        try:
            runs.request(conn, "U0MEMBER", client="Acme", first=date(2026, 11, 1), last=date(2026, 11, 30),
                         draft=False, now=NOW)  # fmt: skip
        except Refused as err:
            assert err.reason == "invoices_for_partners"
        else:
            raise AssertionError("a member queued an invoice")
    try:
        ask(db, "Initech")
    except UserError as err:
        assert "No client is named 'Initech'; clients: Acme Corp." in err.message
    with db.transaction(read_only=True) as conn:
        assert conn.scalars(select(InvoiceRun.id)).all() == []
