"""What a submission looks like now: each entry with its outcome, for the approver's DM and
the "View all" modal.

Entries decided on their own carry their own record (``entry_decisions``); the rest were
decided with the submission (Approve all / Reject…) and take its decider, time and reason.
An entry sent back on its own and resubmitted belongs to a new submission, but its decision
stays part of this one's record, so it is still listed here, as sent back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, and_, or_, select

from bot.errors import UserError
from storage.models import (
    EntryDecision,
    EntryStatus,
    Person,
    Project,
    Role,
    Submission,
    SubmissionStatus,
    TimeEntry,
)
from storage.rows import PersonRow


@dataclass(frozen=True)
class Line:
    entry_id: int
    day: date
    seconds: int
    project: str  # the project's code
    description: str
    status: EntryStatus  # its outcome in this submission once decided
    decided_by: str | None  # Slack id
    decided_at: datetime | None
    reason: str

    @property
    def pending(self) -> bool:
        return self.status == EntryStatus.SUBMITTED


@dataclass(frozen=True)
class Overview:
    submission_id: int
    submitter: str  # Slack id
    submitter_name: str
    approver_id: int
    first: date
    last: date
    status: SubmissionStatus
    decided_by: str | None
    decided_at: datetime | None
    reason: str
    lines: list[Line]

    @property
    def pending(self) -> bool:
        return self.status == SubmissionStatus.PENDING

    @property
    def seconds(self) -> int:
        return sum(line.seconds for line in self.lines)

    def count(self, status: EntryStatus) -> int:
        return sum(1 for line in self.lines if line.status == status)


_SUBMISSION = select(
    Submission.id, Person.slack_id, Person.name, Submission.approver_id, Submission.period_start,
    Submission.period_end, Submission.status, Submission.decided_by, Submission.decided_at, Submission.reason,
).join(Person, Person.id == Submission.person_id)  # fmt: skip


def overview(conn: Connection, submission_id: int) -> Overview | None:
    """The submission and every entry in it (or decided in it), by date; None if unknown."""
    sub = conn.execute(_SUBMISSION.where(Submission.id == submission_id)).first()
    if sub is None:
        return None
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
    lines = []
    for entry_id, day, seconds, code, description, status, outcome, by, at, reason in found:
        if outcome is None and status in (EntryStatus.APPROVED, EntryStatus.REJECTED):
            by, at, reason = sub.decided_by, sub.decided_at, sub.reason  # decided with the submission
        lines.append(Line(entry_id, day, seconds, code, description, outcome or status, by, at, reason or ""))
    sub_id, submitter, name, approver_id, first, last, sub_status, decided_by, decided_at, sub_reason = sub
    return Overview(sub_id, submitter, name, approver_id, first, last, sub_status, decided_by, decided_at,
                    sub_reason, lines)  # fmt: skip


def for_viewer(conn: Connection, submission_id: int, viewer: PersonRow | None) -> Overview:
    """The overview, for its submitter, its approver or an admin only."""
    found = overview(conn, submission_id)
    if found is None:
        raise UserError("That submission does not exist.")
    allowed = viewer is not None and (
        viewer.role == Role.ADMIN or viewer.id == found.approver_id or viewer.slack_id == found.submitter
    )
    if not allowed:
        raise UserError("Only the submitter, the approver or an admin can see these entries.")
    return found
