"""Invoices asked for from Slack: each request is a row of ``invoice_runs``, written in the
request's own transaction (partners and admins only, the client and period checked first),
and built after the ack by a worker (``bot.invoicing``), never on Bolt's listener threads or
the serving loop. A run that names an invoice (a draft to issue, a credit note to post) is
built from it; a retried run finds its invoice already issued and only renders it."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, Engine

from bot.errors import Refused
from bot.services.invoices.issue import check_period, find_client, may_invoice
from storage import invoice_runs
from storage import invoices as store
from storage.db import on_commit
from storage.invoice_runs import NewRun
from storage.invoices import InvoiceRow
from storage.models import InvoiceStatus

_WAKERS: weakref.WeakKeyDictionary[Engine, list[Callable[[], None]]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def on_request(engine: Engine, wake: Callable[[], None]) -> Callable[[], None]:
    """Call ``wake`` after each commit in this process that queued a run; returns the undo."""
    with _lock:
        _WAKERS.setdefault(engine, []).append(wake)

    def undo() -> None:
        with _lock:
            if wake in _WAKERS.get(engine, []):
                _WAKERS[engine].remove(wake)

    return undo


def _wake(engine: Engine) -> None:
    with _lock:
        wakers = list(_WAKERS.get(engine, ()))
    for wake in wakers:
        wake()


def queue(conn: Connection, run: NewRun, *, now: datetime) -> int:
    """A run for the builder, woken once this transaction commits."""
    run_id = invoice_runs.add(conn, run, now=now)
    engine = conn.engine
    on_commit(conn, lambda: _wake(engine))
    return run_id


def queue_for(conn: Connection, invoice: InvoiceRow, actor: str, invoice_id: int, *, now: datetime) -> int:
    """A run to build ``invoice_id`` (a draft to issue, a credit note to print) for the
    client and period of ``invoice``."""
    spec = NewRun(invoice.client_id, invoice.period_start, invoice.period_end, invoice.grouping, False, actor)
    return queue(conn, spec._replace(invoice_id=invoice_id), now=now)


@dataclass(frozen=True)
class InvoiceQueued:
    client: str
    first: date
    last: date
    draft: bool
    channel: str | None  # where it will be posted (None: the requester's DM)


def request(
    conn: Connection,
    actor: str,
    *,
    client: str | int,
    first: date,
    last: date,
    draft: bool,
    now: datetime,
    grouping: str = "task",
) -> InvoiceQueued:
    """``/track invoice`` (a client's name) or the invoice modal (its id): queued for the
    builder, answered at once."""
    may_invoice(conn, actor)
    check_period(first, last)
    found = store.client(conn, client if isinstance(client, int) else find_client(conn, client))
    if found is None:
        raise Refused("no_such_client")
    queue(conn, NewRun(found.id, first, last, grouping, draft, actor), now=now)
    return InvoiceQueued(found.name, first, last, draft, None if draft else found.billing_channel)


def client_form(conn: Connection, actor: str, client_id: int) -> str:
    """The client's name for the invoice modal, once the clicker may invoice."""
    may_invoice(conn, actor)
    found = store.client(conn, client_id)
    if found is None:
        raise Refused("no_such_client")
    return found.name


def issue_draft(conn: Connection, actor: str, invoice_id: int, *, now: datetime) -> InvoiceQueued:
    """A draft's **Issue**: the builder issues it (numbered, its time billed as it is then)."""
    may_invoice(conn, actor)
    draft = store.invoice(conn, invoice_id, lock=True)
    if draft is None:
        raise Refused("no_such_invoice")
    if draft.status != InvoiceStatus.DRAFT:
        raise Refused("invoice_not_draft", status=draft.number or draft.status)
    client = store.client(conn, draft.client_id)
    assert client is not None  # a foreign key
    if invoice_runs.open_for(conn, invoice_id):  # a double click: the first run issues it
        return InvoiceQueued(client.name, draft.period_start, draft.period_end, False, client.billing_channel)
    queue_for(conn, draft, actor, invoice_id, now=now)
    return InvoiceQueued(client.name, draft.period_start, draft.period_end, False, client.billing_channel)
