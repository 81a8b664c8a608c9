"""What the time-log quality checks and the partner metrics read: a period's entries with their
owner, project and when they were logged; billable seconds per person (utilization); time
billed per hour with its person's standard rate (realization); approved, unbilled time (work
in progress)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import NamedTuple

from sqlalchemy import Connection, func, select

from storage.models import Client, EntryStatus, Invoice, InvoiceEntry, Person, Project, TimeEntry

_T = TimeEntry


class Logged(NamedTuple):
    id: int
    person_id: int
    slack_id: str
    person: str
    timezone: str
    day: date
    code: str
    seconds: int
    description: str
    started_at: datetime | None
    ended_at: datetime | None
    created_at: datetime


def entries(conn: Connection, first: date, last: date) -> list[Logged]:
    """Every entry dated in the period (time sent back included: it is still to be fixed), by
    person, day and start."""
    rows = conn.execute(
        select(
            _T.id,
            Person.id,
            Person.slack_id,
            Person.name,
            Person.timezone,
            _T.date,
            Project.code,
            _T.duration_seconds,
            func.coalesce(_T.description, ""),
            _T.started_at,
            _T.ended_at,
            _T.created_at,
        )
        .join(Person, Person.id == _T.person_id)
        .join(Project, Project.id == _T.project_id)
        .where(_T.date >= first, _T.date <= last)
        .order_by(Person.id, _T.date, _T.started_at, _T.id)
    )
    return [Logged._make(r) for r in rows]


def billable_per_person(conn: Connection, first: date, last: date) -> dict[int, int]:
    """Each person's billable seconds in the period (time sent back excluded)."""
    rows = conn.execute(
        select(_T.person_id, func.sum(_T.duration_seconds))
        .where(_T.date >= first, _T.date <= last, _T.billable, _T.status != EntryStatus.REJECTED)
        .group_by(_T.person_id)
    )
    return {r[0]: int(r[1] or 0) for r in rows}


class Billed(NamedTuple):
    """Time billed per hour on an issued invoice: what it billed and its person's standard rate."""

    client: str
    project: str  # code
    billed_seconds: int
    amount: Decimal  # the entry's frozen amount
    discount_percent: Decimal | None  # its invoice's
    standard_rate: Decimal | None  # the person's rate in the import


def billed(conn: Connection, first: date, last: date) -> list[Billed]:
    """Entries dated in the period that an issued (not void) invoice bills per hour."""
    rows = conn.execute(
        select(
            Client.name,
            Project.code,
            func.coalesce(_T.billed_seconds, _T.duration_seconds),
            _T.amount,
            Invoice.discount_percent,
            Person.rate,
        )
        .join(Project, Project.id == _T.project_id)
        .join(Client, Client.id == Project.client_id)
        .join(Person, Person.id == _T.person_id)
        .join(InvoiceEntry, InvoiceEntry.entry_id == _T.id)
        .join(Invoice, Invoice.id == InvoiceEntry.invoice_id)
        .where(_T.date >= first, _T.date <= last, _T.amount.is_not(None), Invoice.status != "void")
    )
    return [Billed(r[0], r[1], int(r[2] or 0), Decimal(r[3] or 0), r[4], r[5]) for r in rows]


class Unbilled(NamedTuple):
    client: str
    currency: str | None
    day: date
    amount: Decimal


def work_in_progress(conn: Connection) -> list[Unbilled]:
    """Approved, billable, priced time on no invoice: its client, day and frozen amount."""
    rows = conn.execute(
        select(Client.name, Client.currency, _T.date, _T.amount)
        .join(Project, Project.id == _T.project_id)
        .join(Client, Client.id == Project.client_id)
        .outerjoin(InvoiceEntry, InvoiceEntry.entry_id == _T.id)
        .where(
            _T.status == EntryStatus.APPROVED,
            _T.billable,
            _T.amount.is_not(None),
            InvoiceEntry.entry_id.is_(None),
        )
    )
    return [Unbilled(r[0], r[1], r[2], Decimal(r[3] or 0)) for r in rows]
