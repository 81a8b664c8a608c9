"""Submissions and per-entry decisions: the statements behind ``bot.services.approvals``.

A decision is claimed with a conditional UPDATE (``WHERE status = 'pending'``): of two
clicks, retries or approvers acting at once, exactly one changes the row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from storage.catalog import PROJECT_COLUMNS, ProjectRow
from storage.entries import ENTRY_COLUMNS, EntryRow
from storage.fast import cols, unpack
from storage.models import (
    Client,
    EntryDecision,
    EntryStatus,
    Person,
    Project,
    Role,
    Submission,
    SubmissionStatus,
    TimeEntry,
)


@dataclass(frozen=True)
class SubmissionRow:
    id: int
    person_id: int
    approver_id: int
    period_start: date
    period_end: date
    status: SubmissionStatus
    decided_by: str | None
    decided_at: datetime | None
    reason: str
    created_at: datetime


@dataclass(frozen=True)
class Submittable:
    entry: EntryRow
    project: ProjectRow
    approver_id: int | None  # the project's approver, else its client's


@dataclass(frozen=True)
class DecisionRow:
    outcome: EntryStatus
    decided_by: str
    decided_at: datetime


@dataclass(frozen=True)
class WaitingRow:
    submission_id: int
    submitter: str  # Slack id
    first: date
    last: date
    entries: int
    seconds: int


@dataclass(frozen=True)
class LineRow:
    """An entry of a submission with its own decision, if it was decided on its own."""

    entry_id: int
    day: date
    seconds: int
    project: str  # the project's code
    description: str
    status: EntryStatus
    outcome: EntryStatus | None
    decided_by: str | None
    decided_at: datetime | None
    reason: str | None


_S = Submission
_SUBMISSION_COLUMNS = cols(SubmissionRow, Submission)
_SUBMITTABLE = (EntryStatus.DRAFT, EntryStatus.REJECTED)


def submittable(conn: Connection, person_id: int, first: date, last: date) -> list[Submittable]:
    """The person's draft and rejected entries of the period, with their approvers."""
    found = conn.execute(
        select(*ENTRY_COLUMNS, *PROJECT_COLUMNS, func.coalesce(Project.approver_id, Client.approver_id))
        .join(Project, Project.id == TimeEntry.project_id)
        .join(Client, Client.id == Project.client_id)
        .where(
            TimeEntry.person_id == person_id,
            TimeEntry.date >= first,
            TimeEntry.date <= last,
            TimeEntry.status.in_(_SUBMITTABLE),
        )  # fmt: skip
        .order_by(TimeEntry.date, TimeEntry.id)
    )
    out = []
    for row in found:
        entry, project = unpack(tuple(row)[:-1], EntryRow, ProjectRow)
        out.append(Submittable(entry, project, row[-1]))
    return out


def first_partner(conn: Connection) -> int | None:
    return conn.execute(  # type: ignore[no-any-return]
        select(Person.id)
        .where(Person.role == Role.PARTNER, Person.active.is_(True))
        .order_by(Person.id)
        .limit(1)
    ).scalar()


def insert_submission(
    conn: Connection, *, person_id: int, approver_id: int, first: date, last: date, now: datetime
) -> int:
    return int(
        conn.execute(
            insert(_S).returning(_S.id),
            {
                "person_id": person_id,
                "approver_id": approver_id,
                "period_start": first,
                "period_end": last,
                "status": SubmissionStatus.PENDING,
                "reason": "",
                "created_at": now,
                "updated_at": now,
            },
        ).scalar_one()  # fmt: skip
    )


def submission(conn: Connection, submission_id: int) -> SubmissionRow | None:
    row = conn.execute(select(*_SUBMISSION_COLUMNS).where(_S.id == submission_id)).first()
    return SubmissionRow(*row) if row else None


def claim(
    conn: Connection, submission_id: int, *, status: SubmissionStatus, by: str, now: datetime, reason: str
) -> bool:
    """Decide the submission if it is still pending; False when another decision won."""
    return (
        conn.execute(
            update(_S)
            .where(_S.id == submission_id, _S.status == SubmissionStatus.PENDING)
            .values(status=status, decided_by=by, decided_at=now, reason=reason, updated_at=now)
        ).rowcount
        == 1
    )


def hold(conn: Connection, submission_id: int, *, now: datetime) -> bool:
    """Take the submission's row while it is pending (per-entry and whole decisions on one
    submission take turns); False when it is closed."""
    held = (
        update(_S).where(_S.id == submission_id, _S.status == SubmissionStatus.PENDING).values(updated_at=now)
    )
    return conn.execute(held).rowcount == 1


def set_status(conn: Connection, submission_id: int, status: SubmissionStatus) -> None:
    conn.execute(update(_S).where(_S.id == submission_id).values(status=status))


def close(conn: Connection, submission_id: int, *, status: SubmissionStatus, by: str, now: datetime) -> None:
    conn.execute(
        update(_S)
        .where(_S.id == submission_id)
        .values(status=status, decided_by=by, decided_at=now, updated_at=now)
    )


def outcomes(conn: Connection, submission_id: int) -> dict[EntryStatus, int]:
    """How many entries of the submission were decided each way on their own so far."""
    found = conn.execute(
        select(EntryDecision.outcome, func.count())
        .where(EntryDecision.submission_id == submission_id)
        .group_by(EntryDecision.outcome)
    )
    return {EntryStatus(outcome): int(n) for outcome, n in found}


def entry_decision(conn: Connection, submission_id: int, entry_id: int) -> DecisionRow | None:
    row = conn.execute(
        select(EntryDecision.outcome, EntryDecision.decided_by, EntryDecision.decided_at).where(
            EntryDecision.submission_id == submission_id, EntryDecision.entry_id == entry_id
        )
    ).first()
    return DecisionRow(*row) if row else None


def insert_entry_decision(
    conn: Connection,
    *,
    submission_id: int,
    entry_id: int,
    outcome: EntryStatus,
    by: str,
    now: datetime,
    reason: str,
) -> None:
    conn.execute(insert(EntryDecision).values(
        submission_id=submission_id, entry_id=entry_id, outcome=outcome, decided_by=by, decided_at=now,
        reason=reason))  # fmt: skip


def waiting(conn: Connection, *, approver_id: int | None) -> list[WaitingRow]:
    """Pending submissions with the entries still waiting in them, oldest first: those of
    one approver, or every one (``approver_id`` None)."""
    stmt = (
        select(
            _S.id,
            Person.slack_id,
            _S.period_start,
            _S.period_end,
            func.count(TimeEntry.id),
            func.coalesce(func.sum(TimeEntry.duration_seconds), 0),
        )  # fmt: skip
        .join(Person, Person.id == _S.person_id)
        .join(TimeEntry, TimeEntry.submission_id == _S.id)
        # Entries already decided on their own no longer wait.
        .where(_S.status == SubmissionStatus.PENDING, TimeEntry.status == EntryStatus.SUBMITTED)
        .group_by(_S.id, Person.slack_id, _S.period_start, _S.period_end)
        .order_by(_S.id)
    )
    if approver_id is not None:
        stmt = stmt.where(_S.approver_id == approver_id)
    return [WaitingRow(*row) for row in conn.execute(stmt)]


def pending(conn: Connection) -> list[SubmissionRow]:
    """Every pending submission, oldest first."""
    stmt = select(*_SUBMISSION_COLUMNS).where(_S.status == SubmissionStatus.PENDING).order_by(_S.id)
    return [SubmissionRow(*row) for row in conn.execute(stmt)]


def lines(conn: Connection, submission_id: int) -> list[LineRow]:
    """Every entry in the submission, or decided in it, by date, with its own decision."""
    d = EntryDecision
    decided_here = select(d.entry_id).where(d.submission_id == submission_id)
    found = conn.execute(
        select(
            TimeEntry.id,
            TimeEntry.date,
            TimeEntry.duration_seconds,
            Project.code,
            TimeEntry.description,
            TimeEntry.status,
            d.outcome,
            d.decided_by,
            d.decided_at,
            d.reason,
        )  # fmt: skip
        .join(Project, Project.id == TimeEntry.project_id)
        .outerjoin(d, and_(d.entry_id == TimeEntry.id, d.submission_id == submission_id))
        .where(or_(TimeEntry.submission_id == submission_id, TimeEntry.id.in_(decided_here)))
        .order_by(TimeEntry.date, TimeEntry.id)
    )
    return [LineRow(*tuple(row)) for row in found]
