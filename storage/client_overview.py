"""Per client at a glance (``/track clients``): approved time not yet billed and its value,
time awaiting approval, the last invoice. Three grouped statements over the whole firm, never
a query per client."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Connection, func, select

from storage.models import Client, EntryStatus, Invoice, InvoiceEntry, Project, TimeEntry

_T = TimeEntry


class ClientRow(NamedTuple):
    id: int
    name: str
    currency: str | None


class Unbilled(NamedTuple):
    seconds: int  # billed seconds (frozen at approval)
    amount: Decimal  # their frozen amounts
    entries: int
    unpriced: int  # approved entries without a frozen amount (a missing rate)


class LastInvoice(NamedTuple):
    id: int
    number: str | None
    issue_date: date | None
    total: Decimal
    currency: str
    status: str


def clients(conn: Connection) -> list[ClientRow]:
    rows = conn.execute(
        select(Client.id, Client.name, Client.currency).where(Client.active).order_by(Client.name)
    )
    return [ClientRow._make(r) for r in rows]


def unbilled(conn: Connection) -> dict[int, Unbilled]:
    """Approved, billable entries on no invoice, per client."""
    rows = conn.execute(
        select(
            Project.client_id,
            func.sum(func.coalesce(_T.billed_seconds, _T.duration_seconds)),
            func.sum(_T.amount),
            func.count(),
            func.count() - func.count(_T.amount),
        )
        .join(Project, Project.id == _T.project_id)
        .outerjoin(InvoiceEntry, InvoiceEntry.entry_id == _T.id)
        .where(_T.status == EntryStatus.APPROVED, _T.billable, InvoiceEntry.entry_id.is_(None))
        .group_by(Project.client_id)
    )
    return {r[0]: Unbilled(int(r[1] or 0), Decimal(r[2] or 0), int(r[3]), int(r[4])) for r in rows}


def awaiting(conn: Connection) -> dict[int, int]:
    """Seconds submitted and not yet decided, per client."""
    rows = conn.execute(
        select(Project.client_id, func.sum(_T.duration_seconds))
        .join(Project, Project.id == _T.project_id)
        .where(_T.status == EntryStatus.SUBMITTED)
        .group_by(Project.client_id)
    )
    return {r[0]: int(r[1] or 0) for r in rows}


def last_invoices(conn: Connection) -> dict[int, LastInvoice]:
    """Each client's latest issued invoice (drafts and credit notes aside), whatever its status."""
    latest = (
        select(func.max(Invoice.id))
        .where(Invoice.series == "invoice", Invoice.status != "draft")
        .group_by(Invoice.client_id)
    )
    rows = conn.execute(
        select(
            Invoice.client_id,
            Invoice.id,
            Invoice.number,
            Invoice.issue_date,
            Invoice.total,
            Invoice.currency,
            Invoice.status,
        ).where(Invoice.id.in_(latest.scalar_subquery()))
    )
    return {r[0]: LastInvoice(*r[1:]) for r in rows}
