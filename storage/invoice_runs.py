"""Requests to build an invoice, and the files built: a worker claims a pending run (or one
whose claim's lease ran out) with a guarded UPDATE, so each is built by one process at a time."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, insert, or_, select, update

from storage.models import InvoiceDocument, InvoiceRun, RunState

_R = InvoiceRun


class RunRow(NamedTuple):
    id: int
    client_id: int
    period_start: date
    period_end: date
    grouping: str
    draft: bool
    requested_by: str
    invoice_id: int | None
    attempts: int


_RUN = (
    _R.id,
    _R.client_id,
    _R.period_start,
    _R.period_end,
    _R.grouping,
    _R.draft,
    _R.requested_by,
    _R.invoice_id,
    _R.attempts,
)


class NewRun(NamedTuple):
    """What a run is asked to build: the client's period, or the invoice it names (a draft to
    issue, a credit note to print)."""

    client_id: int
    period_start: date
    period_end: date
    grouping: str
    draft: bool
    requested_by: str
    invoice_id: int | None = None


def add(conn: Connection, run: NewRun, *, now: datetime) -> int:
    values = {**run._asdict(), "state": RunState.PENDING, "attempts": 0, "created_at": now, "updated_at": now}
    return int(conn.execute(insert(_R).values(**values).returning(_R.id)).scalar_one())


def _waiting(now: datetime) -> Any:
    """Pending (a put-back run once its back-off is over), or claimed by a builder whose lease ran out."""
    due = or_(_R.lease_until.is_(None), _R.lease_until <= now)
    return or_((_R.state == RunState.PENDING) & due, (_R.state == RunState.BUILDING) & (_R.lease_until < now))


def any_waiting(conn: Connection, *, now: datetime) -> bool:
    """Whether a run waits (read-only: a builder's poll takes no write lock when none does)."""
    return conn.execute(select(_R.id).where(_waiting(now)).limit(1)).first() is not None


def claim(conn: Connection, *, now: datetime, lease_until: datetime) -> RunRow | None:
    """The oldest run waiting (or abandoned by a builder that died), now this caller's."""
    waiting = conn.execute(select(_R.id).where(_waiting(now)).order_by(_R.id).limit(5)).scalars().all()
    for run_id in waiting:
        moved = conn.execute(
            update(_R)
            .where(_R.id == run_id, _waiting(now))
            .values(
                state=RunState.BUILDING, lease_until=lease_until, attempts=_R.attempts + 1, updated_at=now
            )
        ).rowcount
        if moved == 1:
            row = conn.execute(select(*_RUN).where(_R.id == run_id)).one()
            return RunRow._make(row)
    return None


def open_for(conn: Connection, invoice_id: int) -> bool:
    """Whether a run for this invoice waits or is being built."""
    return (
        conn.execute(
            select(_R.id).where(
                _R.invoice_id == invoice_id, _R.state.in_((RunState.PENDING, RunState.BUILDING))
            )
        ).first()
        is not None
    )


def invoice_of(conn: Connection, run_id: int) -> int | None:
    return conn.scalar(select(_R.invoice_id).where(_R.id == run_id))


def built(conn: Connection, run_id: int, invoice_id: int, *, now: datetime) -> None:
    """The invoice is issued: a retry of this run renders it, never builds another."""
    conn.execute(update(_R).where(_R.id == run_id).values(invoice_id=invoice_id, updated_at=now))


def finish(conn: Connection, run_id: int, *, state: RunState, outcome: str, now: datetime) -> None:
    conn.execute(
        update(_R)
        .where(_R.id == run_id)
        .values(state=state, outcome=outcome[:2000], lease_until=None, updated_at=now)
    )


def put_back(conn: Connection, run_id: int, *, outcome: str, now: datetime, until: datetime) -> None:
    """Waiting again, but not before ``until`` (a failed attempt backs off)."""
    conn.execute(
        update(_R)
        .where(_R.id == run_id)
        .values(state=RunState.PENDING, outcome=outcome[:2000], lease_until=until, updated_at=now)
    )


def save_document(conn: Connection, invoice_id: int, filename: str, content: bytes, *, now: datetime) -> None:
    conn.execute(
        update(InvoiceDocument)
        .where(InvoiceDocument.invoice_id == invoice_id)
        .values(filename=filename, content=content, created_at=now)
    )
    if not conn.execute(
        select(InvoiceDocument.invoice_id).where(InvoiceDocument.invoice_id == invoice_id)
    ).first():
        conn.execute(
            insert(InvoiceDocument).values(
                invoice_id=invoice_id, filename=filename, content=content, created_at=now
            )
        )


def document(conn: Connection, invoice_id: int) -> tuple[str, bytes] | None:
    row = conn.execute(
        select(InvoiceDocument.filename, InvoiceDocument.content).where(
            InvoiceDocument.invoice_id == invoice_id
        )
    ).first()
    return (row[0], bytes(row[1])) if row else None
