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

from sqlalchemy import Connection

from bot.errors import Refused
from storage import approvals as store
from storage import people
from storage.models import EntryStatus, Role, SubmissionStatus
from storage.people import PersonRow


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


def overview(conn: Connection, submission_id: int) -> Overview | None:
    """The submission and every entry in it (or decided in it), by date; None if unknown."""
    sub = store.submission(conn, submission_id)
    if sub is None:
        return None
    submitter = people.person_by_id(conn, sub.person_id)
    assert submitter is not None
    lines = []
    for row in store.lines(conn, submission_id):
        by, at, reason = row.decided_by, row.decided_at, row.reason
        if row.outcome is None and row.status in (EntryStatus.APPROVED, EntryStatus.REJECTED):
            by, at, reason = sub.decided_by, sub.decided_at, sub.reason  # decided with the submission
        lines.append(Line(row.entry_id, row.day, row.seconds, row.project, row.description,
                          row.outcome or row.status, by, at, reason or ""))  # fmt: skip
    return Overview(
        sub.id,
        submitter.slack_id,
        submitter.name,
        sub.approver_id,
        sub.period_start,
        sub.period_end,
        sub.status,
        sub.decided_by,
        sub.decided_at,
        sub.reason,
        lines,
    )


def for_viewer(conn: Connection, submission_id: int, viewer: PersonRow | None) -> Overview:
    """The overview, for its submitter, its approver or an admin only."""
    found = overview(conn, submission_id)
    if found is None:
        raise Refused("no_submission")
    allowed = viewer is not None and (
        viewer.role == Role.ADMIN or viewer.id == found.approver_id or viewer.slack_id == found.submitter
    )
    if not allowed:
        raise Refused("not_viewer")
    return found
