"""Invoices' statements: taking the next number of a series, and which invoice bills an entry.

The next number is a row per series and year, moved by one UPDATE ... RETURNING in the
issuing transaction: on PostgreSQL the row's lock makes a second issuer wait until the first
commits (or rolls back, giving the number back); on SQLite the write lock does. Numbers are
therefore unique and gapless; no count of existing invoices is ever taken."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.exc import IntegrityError

from storage.models import (
    Client,
    EntryStatus,
    Invoice,
    InvoiceDocument,
    InvoiceEntry,
    InvoiceFee,
    InvoiceLine,
    InvoiceRun,
    InvoiceSeries,
    Person,
    Project,
    RunState,
    Task,
    TimeEntry,
    Workspace,
)

_S = InvoiceSeries
_NEW_SERIES = {
    name: module.insert(InvoiceSeries)
    .values(series=bindparam("series"), year=bindparam("year"), next_number=1)
    .on_conflict_do_nothing(index_elements=[_S.series, _S.year])
    for name, module in (("sqlite", sqlite_dialect), ("postgresql", postgresql_dialect))
}
_TAKE = (
    update(_S)
    .where(_S.series == bindparam("s"), _S.year == bindparam("y"))
    .values(next_number=_S.next_number + 1)
    .returning(_S.next_number - 1)
)


def take_number(conn: Connection, series: str, year: int) -> int:
    """The series' next number in ``year`` (1, 2, 3, ...), taken in the caller's transaction."""
    conn.execute(_NEW_SERIES[conn.dialect.name], {"series": series, "year": year})
    return int(conn.execute(_TAKE, {"s": series, "y": year}).scalar_one())


class AlreadyBilled(Exception):
    """An entry is on another invoice already (the database refused the second link)."""


def link_entries(conn: Connection, invoice_id: int, entry_ids: Iterable[int]) -> None:
    """Record that the invoice bills these entries; an entry billed elsewhere refuses all."""
    rows = [{"entry_id": e, "invoice_id": invoice_id} for e in entry_ids]
    if not rows:
        return
    _insert_or_refuse(conn, InvoiceEntry, rows)


def link_fees(conn: Connection, invoice_id: int, items: Iterable[tuple[int, str]]) -> None:
    """Record the fees, milestones and retainer months the invoice bills; one billed
    elsewhere refuses all."""
    rows = [{"project_id": p, "item": i, "invoice_id": invoice_id} for p, i in items]
    if rows:
        _insert_or_refuse(conn, InvoiceFee, rows)


def _insert_or_refuse(conn: Connection, model: Any, rows: list[dict[str, Any]]) -> None:
    try:
        with conn.begin_nested():
            conn.execute(insert(model), rows)
    except IntegrityError as err:
        raise AlreadyBilled(str(err.orig)) from None


class Firm(NamedTuple):
    timezone: str
    name: str
    address: str
    tax_id: str
    email: str
    logo: str | None
    currency: str
    locale: str
    payment_terms_days: int
    tax_rate: Decimal | None
    tax_label: str
    notes: str
    payment_instructions: str
    paper: str
    number_format: str
    credit_notes: bool
    credit_note_format: str
    country: str | None = None  # ISO 3166-1 alpha-2 (workspace.country): e-invoices' seller country


_W = Workspace
_FIRM = (_W.timezone, _W.name, _W.firm_address, _W.firm_tax_id, _W.firm_email, _W.firm_logo, _W.currency,
         _W.locale, _W.payment_terms_days, _W.tax_rate, _W.tax_label, _W.invoice_notes,
         _W.payment_instructions, _W.invoice_paper, _W.invoice_number_format, _W.credit_notes,
         _W.credit_note_number_format, _W.country)  # fmt: skip


def firm(conn: Connection) -> Firm:
    row = conn.execute(select(*_FIRM).where(_W.id == 1)).first()
    if row is None:
        return Firm("UTC", "", "", "", "", None, "USD", "en_US", 30, None, "Tax", "", "", "A4",
                    "INV-{year}-{seq:04d}", False, "CN-{year}-{seq:04d}")  # fmt: skip
    return Firm._make(row)


class ClientRow(NamedTuple):
    id: int
    name: str
    address: str
    tax_id: str
    email: str
    currency: str | None
    locale: str | None
    payment_terms_days: int | None
    tax_rate: Decimal | None
    tax_label: str | None
    discount_percent: Decimal | None
    notes: str | None
    billing_channel: str | None
    # e-billing (storage.models.Client): "" or None is off
    ebilling: str | None = None
    ledes_client_id: str | None = None
    einvoice: str | None = None
    country: str | None = None
    tax_category: str | None = None
    tax_exemption_reason: str | None = None


_C = Client
_CLIENT = (_C.id, _C.name, _C.address, _C.tax_id, _C.email, _C.currency, _C.locale, _C.payment_terms_days,
           _C.tax_rate, _C.tax_label, _C.discount_percent, _C.invoice_notes, _C.billing_channel, _C.ebilling,
           _C.ledes_client_id, _C.einvoice, _C.country, _C.tax_category, _C.tax_exemption_reason)  # fmt: skip


def client(conn: Connection, client_id: int) -> ClientRow | None:
    row = conn.execute(select(*_CLIENT).where(_C.id == client_id)).first()
    return ClientRow._make(row) if row else None


def client_named(conn: Connection, name: str) -> ClientRow | None:
    """A client by name, whatever the case."""
    row = conn.execute(select(*_CLIENT).where(func.lower(_C.name) == name.strip().lower())).first()
    return ClientRow._make(row) if row else None


def client_names(conn: Connection) -> list[str]:
    return list(conn.scalars(select(_C.name).where(_C.active).order_by(_C.name)))


class ProjectRow(NamedTuple):
    id: int
    name: str
    billing_type: str
    fee: Decimal | None
    milestones: list[dict[str, str]] | None
    included_hours: Decimal | None


def projects(conn: Connection, client_id: int) -> list[ProjectRow]:
    p = Project
    rows = conn.execute(
        select(p.id, p.name, p.billing_type, p.fee, p.milestones, p.included_hours)
        .where(p.client_id == client_id)
        .order_by(p.name)
    )
    return [ProjectRow(r[0], r[1], str(getattr(r[2], "value", r[2])), r[3], r[4], r[5]) for r in rows]


def billed_items(conn: Connection, project_ids: list[int]) -> set[tuple[int, str]]:
    if not project_ids:
        return set()
    rows = conn.execute(
        select(InvoiceFee.project_id, InvoiceFee.item).where(InvoiceFee.project_id.in_(project_ids))
    )
    return {(r[0], r[1]) for r in rows}


class EntryLine(NamedTuple):
    """An approved, billable entry not yet billed, with what its lines and appendix show."""

    id: int
    day: date
    person: str
    project_id: int
    project: str
    task: str
    description: str


_T = TimeEntry


def unbilled(conn: Connection, client_id: int, start: date, end: date) -> list[EntryLine]:
    """The client's approved, billable entries dated in [start, end] on no invoice, in order."""
    task = func.coalesce(Task.name, "")
    rows = conn.execute(
        select(_T.id, _T.date, Person.name, Project.id, Project.name, task, func.coalesce(_T.description, ""))
        .join(Project, Project.id == _T.project_id)
        .join(Person, Person.id == _T.person_id)
        .outerjoin(Task, Task.id == _T.task_id)
        .outerjoin(InvoiceEntry, InvoiceEntry.entry_id == _T.id)
        .where(Project.client_id == client_id, _T.date >= start, _T.date <= end, _T.billable,
               _T.status == EntryStatus.APPROVED, InvoiceEntry.entry_id.is_(None))
        .order_by(_T.date, _T.id)
    )  # fmt: skip
    return [EntryLine._make(r) for r in rows]


def insert_invoice(conn: Connection, values: dict[str, Any]) -> int:
    return int(conn.execute(insert(Invoice).values(**values).returning(Invoice.id)).scalar_one())


def update_invoice(conn: Connection, invoice_id: int, values: dict[str, Any]) -> None:
    conn.execute(update(Invoice).where(Invoice.id == invoice_id).values(**values))


def insert_lines(conn: Connection, invoice_id: int, lines: list[dict[str, Any]]) -> None:
    if lines:
        conn.execute(insert(InvoiceLine), [{**line, "invoice_id": invoice_id, "position": i}
                                           for i, line in enumerate(lines)])  # fmt: skip


class InvoiceRow(NamedTuple):
    id: int
    series: str
    number: str | None
    client_id: int
    status: str
    period_start: date
    period_end: date
    issue_date: date | None
    due_date: date | None
    currency: str
    grouping: str
    hours: Decimal
    subtotal: Decimal
    discount_percent: Decimal | None
    discount: Decimal
    tax_rate: Decimal | None
    tax_label: str
    tax: Decimal
    total: Decimal
    locale: str
    credit_for_id: int | None
    created_by: str
    void_reason: str
    sent_at: datetime | None
    paid_at: datetime | None


_I = Invoice
_INVOICE = (_I.id, _I.series, _I.number, _I.client_id, _I.status, _I.period_start, _I.period_end,
            _I.issue_date, _I.due_date, _I.currency, _I.grouping, _I.hours, _I.subtotal, _I.discount_percent,
            _I.discount, _I.tax_rate, _I.tax_label, _I.tax, _I.total, _I.locale, _I.credit_for_id,
            _I.created_by, _I.void_reason, _I.sent_at, _I.paid_at)  # fmt: skip


def invoice(conn: Connection, invoice_id: int, *, lock: bool = False) -> InvoiceRow | None:
    statement = select(*_INVOICE).where(_I.id == invoice_id)
    if lock and conn.dialect.name == "postgresql":
        statement = statement.with_for_update()
    row = conn.execute(statement).first()
    return InvoiceRow._make(row) if row else None


class LineRow(NamedTuple):
    kind: str
    project: str
    description: str
    hours: Decimal | None
    rate: Decimal | None
    amount: Decimal


def lines(conn: Connection, invoice_id: int) -> list[LineRow]:
    rows = conn.execute(
        select(InvoiceLine.kind, InvoiceLine.project, InvoiceLine.description, InvoiceLine.hours,
               InvoiceLine.rate, InvoiceLine.amount)
        .where(InvoiceLine.invoice_id == invoice_id)
        .order_by(InvoiceLine.position)
    )  # fmt: skip
    return [LineRow._make(r) for r in rows]


def timesheet(conn: Connection, invoice_id: int) -> list[tuple[date, str, str, str, str, int | None]]:
    """The billed entries' (day, person, project, task, description, billed seconds)."""
    rows = conn.execute(
        select(_T.date, Person.name, Project.name, func.coalesce(Task.name, ""),
               func.coalesce(_T.description, ""), _T.billed_seconds)
        .join(InvoiceEntry, InvoiceEntry.entry_id == _T.id)
        .join(Project, Project.id == _T.project_id)
        .join(Person, Person.id == _T.person_id)
        .outerjoin(Task, Task.id == _T.task_id)
        .where(InvoiceEntry.invoice_id == invoice_id)
        .order_by(_T.date, _T.id)
    )  # fmt: skip
    return [tuple(r) for r in rows]  # type: ignore[misc]


def credit_note_of(conn: Connection, invoice_id: int) -> str | None:
    """The number of the credit note that cancels this invoice, if one was issued."""
    return conn.scalar(select(_I.number).where(_I.credit_for_id == invoice_id))


def entry_ids(conn: Connection, invoice_id: int) -> list[int]:
    return list(conn.scalars(select(InvoiceEntry.entry_id).where(InvoiceEntry.invoice_id == invoice_id)))


def delete_lines(conn: Connection, invoice_id: int) -> None:
    conn.execute(delete(InvoiceLine).where(InvoiceLine.invoice_id == invoice_id))


def delete_invoice(conn: Connection, invoice_id: int) -> None:
    """A draft discarded: it billed nothing and has no number. Its file goes with it, and a
    run still waiting to issue it is done (nothing to issue)."""
    delete_lines(conn, invoice_id)
    conn.execute(delete(InvoiceDocument).where(InvoiceDocument.invoice_id == invoice_id))
    conn.execute(
        update(InvoiceRun)
        .where(InvoiceRun.invoice_id == invoice_id)
        .values(invoice_id=None, state=RunState.DONE, outcome="discarded", lease_until=None)
    )
    conn.execute(delete(_I).where(_I.id == invoice_id, _I.status == "draft"))


def billed_hundredths(conn: Connection, project_id: int, year: int, month: int) -> int:
    """Hundredths of hours of the project's month already on invoices (a retainer's used hours)."""
    first = date(year, month, 1)
    after = date(year + month // 12, month % 12 + 1, 1)
    seconds = conn.scalars(
        select(_T.billed_seconds)
        .join(InvoiceEntry, InvoiceEntry.entry_id == _T.id)
        .where(_T.project_id == project_id, _T.date >= first, _T.date < after)
    )
    return sum((s + 18) // 36 for s in seconds if s)


def unlink(conn: Connection, invoice_id: int) -> None:
    """The invoice bills nothing any more: its entries, fees and months are free again."""
    conn.execute(delete(InvoiceEntry).where(InvoiceEntry.invoice_id == invoice_id))
    conn.execute(delete(InvoiceFee).where(InvoiceFee.invoice_id == invoice_id))


def set_status(conn: Connection, invoice_id: int, *, before: tuple[str, ...], values: dict[str, Any]) -> bool:
    """The invoice moved if its status was one of ``before`` (a guarded UPDATE)."""
    moved = conn.execute(update(_I).where(_I.id == invoice_id, _I.status.in_(before)).values(**values))
    return moved.rowcount == 1


def invoice_numbers(conn: Connection, entry_ids: Iterable[int]) -> dict[int, str]:
    """Each billed entry's invoice number (the export's ``invoice`` column)."""
    ids = list(entry_ids)
    out: dict[int, str] = {}
    for start in range(0, len(ids), 500):
        rows = conn.execute(
            select(InvoiceEntry.entry_id, _I.number)
            .join(_I, _I.id == InvoiceEntry.invoice_id)
            .where(InvoiceEntry.entry_id.in_(ids[start : start + 500]))
        )
        out.update({r[0]: r[1] for r in rows if r[1]})
    return out
