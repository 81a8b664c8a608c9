"""What e-billing reads of an issued invoice: the entries it bills with what a LEDES line
says of each (UTBMS codes, timekeeper, frozen price), the client's matters, and the invoices
issued in a period for the accounting exports."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Connection, func, select

from storage.models import Client, Invoice, InvoiceEntry, Person, Project, Task, TimeEntry, WorkType


class BilledEntry(NamedTuple):
    id: int
    day: date
    project: str  # its name, as the invoice's lines name it
    task_code: str  # UTBMS, "" when none
    activity_code: str
    slack_id: str
    person: str
    role: str
    timekeeper_class: str | None
    description: str
    billed_seconds: int
    rate: Decimal | None  # frozen at approval


_T = TimeEntry


def billed_entries(conn: Connection, invoice_id: int) -> list[BilledEntry]:
    """The entries the invoice bills, by date and id (the timesheet's order)."""
    rows = conn.execute(
        select(_T.id, _T.date, Project.name, func.coalesce(Task.utbms, ""), func.coalesce(WorkType.utbms, ""),
               Person.slack_id, Person.name, Person.role, Person.timekeeper_class,
               func.coalesce(_T.description, ""), func.coalesce(_T.billed_seconds, 0), _T.rate)
        .join(InvoiceEntry, InvoiceEntry.entry_id == _T.id)
        .join(Project, Project.id == _T.project_id)
        .join(Person, Person.id == _T.person_id)
        .outerjoin(Task, Task.id == _T.task_id)
        .outerjoin(WorkType, WorkType.id == _T.work_type_id)
        .where(InvoiceEntry.invoice_id == invoice_id)
        .order_by(_T.date, _T.id)
    )  # fmt: skip
    return [BilledEntry._make((*r[:7], str(getattr(r[7], "value", r[7])), *r[8:])) for r in rows]


class Matter(NamedTuple):
    name: str
    code: str
    client_matter_id: str


def matters(conn: Connection, client_id: int) -> dict[str, Matter]:
    """The client's projects by name (unique within a client): their codes and the client's ids."""
    rows = conn.execute(
        select(Project.name, Project.code, func.coalesce(Project.client_matter_id, "")).where(
            Project.client_id == client_id
        )
    )
    return {r[0]: Matter(*r) for r in rows}


class Issued(NamedTuple):
    id: int
    number: str
    client: str
    client_email: str
    client_address: str
    client_country: str


def issued_between(conn: Connection, first: date, last: date) -> list[Issued]:
    """Invoices and credit notes issued in [first, last] (numbered; drafts never), in series
    and number order."""
    i = Invoice
    rows = conn.execute(
        select(i.id, i.number, Client.name, Client.email, Client.address, func.coalesce(Client.country, ""))
        .join(Client, Client.id == i.client_id)
        .where(i.number.is_not(None), i.issue_date >= first, i.issue_date <= last, i.status != "draft")
        .order_by(i.series.desc(), i.issue_date, i.sequence)
    )  # fmt: skip
    return [Issued._make(r) for r in rows]
