"""Submit a period, approve or reject it: each decision made once, by someone allowed to.

The decision is claimed with a conditional UPDATE (``WHERE status = 'pending'``): of two
clicks, retries or approvers acting at once, exactly one changes the row; the others learn
who decided, and when.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, update

from bot.errors import UserError
from bot.services import audit, billing, policy
from storage import rows
from storage.models import (
    Client,
    EntryStatus,
    Person,
    Project,
    Role,
    Submission,
    SubmissionStatus,
    TimeEntry,
)
from storage.rows import EntryRow, PersonRow

SUBMITTABLE = (EntryStatus.DRAFT, EntryStatus.REJECTED)
_ENTRY_COLUMNS = rows._ENTRY_COLUMNS  # noqa: SLF001 - one definition of an entry snapshot


@dataclass(frozen=True)
class HeldBack:
    entry: EntryRow
    missing: list[str]


@dataclass(frozen=True)
class Sent:
    submission_id: int
    approver: PersonRow
    entries: list[EntryRow]


@dataclass(frozen=True)
class SubmitResult:
    first: date
    last: date
    sent: list[Sent]
    held_back: list[HeldBack]


def submit(conn: Connection, person: PersonRow, *, first: date, last: date, now: datetime) -> SubmitResult:
    """The person's draft (and rejected) entries of the period, grouped by approver: the
    project's approver, else its client's, else the firm's first partner. Entries the
    required-field policy would refuse stay behind, listed."""
    workspace = rows.workspace(conn)
    found = conn.execute(
        select(
            *_ENTRY_COLUMNS,
            func.coalesce(Project.approver_id, Client.approver_id),
            Project.code,
            Project.name,
            Project.billing_type,
            Project.required_fields,
        )  # fmt: skip
        .join(Project, Project.id == TimeEntry.project_id)
        .join(Client, Client.id == Project.client_id)
        .where(
            TimeEntry.person_id == person.id,
            TimeEntry.date >= first,
            TimeEntry.date <= last,
            TimeEntry.status.in_(SUBMITTABLE),
        )  # fmt: skip
        .order_by(TimeEntry.date, TimeEntry.id)
    ).all()
    fallback = conn.execute(
        select(Person.id)
        .where(Person.role == Role.PARTNER, Person.active.is_(True))
        .order_by(Person.id)
        .limit(1)
    ).scalar()
    groups: dict[int, list[EntryRow]] = defaultdict(list)
    held: list[HeldBack] = []
    n = len(_ENTRY_COLUMNS)
    for found_row in found:
        row: tuple[Any, ...] = tuple(found_row)
        entry = EntryRow(*row[:n])
        approver_id, code, name, billing_type, required = row[n:]
        project = rows.ProjectRow(entry.project_id, code, name, billing_type, required)
        missing = policy.missing_fields(workspace.required_fields, project, description=entry.description,
                                        work_type_id=entry.work_type_id, task_id=entry.task_id)  # fmt: skip
        if missing:
            held.append(HeldBack(entry, missing))
            continue
        target = approver_id or fallback
        if target is None:
            raise UserError(
                "Nobody can approve this time yet: the firm has no partner, and neither the project "
                "nor its client has an approver."
            )
        groups[target].append(entry)
    sent = []
    for approver_id, entries in groups.items():
        submission_id = conn.execute(
            Submission.__table__.insert().returning(Submission.id),  # type: ignore[attr-defined]
            {
                "person_id": person.id,
                "approver_id": approver_id,
                "period_start": first,
                "period_end": last,
                "status": SubmissionStatus.PENDING,
                "reason": "",
                "created_at": now,
                "updated_at": now,
            },  # fmt: skip
        ).scalar_one()
        ids = [e.id for e in entries]
        conn.execute(update(TimeEntry).where(TimeEntry.id.in_(ids)).values(
            status=EntryStatus.SUBMITTED, submission_id=submission_id, updated_at=now))  # fmt: skip
        for entry in entries:
            audit.record(conn, entry_id=entry.id, actor=person.slack_id, action="submit", now=now,
                         before=entry, comment=f"submission {submission_id}")  # fmt: skip
        approver = _person(conn, approver_id)
        sent.append(Sent(submission_id, approver, entries))
    return SubmitResult(first, last, sent, held)


def _person(conn: Connection, person_id: int) -> PersonRow:
    slack_id = conn.execute(select(Person.slack_id).where(Person.id == person_id)).scalar_one()
    found = rows.person(conn, slack_id)
    assert found is not None
    return found


@dataclass(frozen=True)
class Decision:
    submission: int
    status: SubmissionStatus
    decided_by: str
    decided_at: datetime
    reason: str
    submitter: PersonRow
    entries: int
    channel: str | None
    message_ts: str | None


class AlreadyDecided(UserError):
    pass


_DECIDE_ENTRIES = update(TimeEntry).where(
    TimeEntry.submission_id == bindparam("b_submission"), TimeEntry.status == EntryStatus.SUBMITTED
)


def decide(
    conn: Connection, submission_id: int, actor: PersonRow, *, approve: bool, now: datetime, reason: str = ""
) -> Decision:
    """Approve or reject a whole submission, once. Only its approver or an admin may."""
    sub = conn.execute(
        select(Submission.approver_id, Submission.person_id, Submission.channel, Submission.message_ts).where(
            Submission.id == submission_id
        )
    ).first()
    if sub is None:
        raise UserError("That submission does not exist.")
    if actor.id != sub.approver_id and actor.role != Role.ADMIN:
        raise UserError("Only this submission's approver or an admin can decide it; nothing was changed.")
    if not approve and not reason.strip():
        raise UserError("Say why, so the person can fix it.")
    status = SubmissionStatus.APPROVED if approve else SubmissionStatus.REJECTED
    claimed = conn.execute(
        update(Submission)
        .where(Submission.id == submission_id, Submission.status == SubmissionStatus.PENDING)
        .values(
            status=status, decided_by=actor.slack_id, decided_at=now, reason=reason.strip(), updated_at=now
        )
    ).rowcount
    if claimed != 1:
        done = conn.execute(
            select(Submission.status, Submission.decided_by, Submission.decided_at).where(
                Submission.id == submission_id
            )
        ).one()
        raise AlreadyDecided(f"Already {done[0].value} by <@{done[1]}> at {done[2]:%Y-%m-%d %H:%M} UTC.")
    in_it = select(TimeEntry.id).where(
        TimeEntry.submission_id == submission_id, TimeEntry.status == EntryStatus.SUBMITTED
    )
    ids = list(conn.execute(in_it).scalars())
    new_status = EntryStatus.APPROVED if approve else EntryStatus.REJECTED
    if approve:  # prices frozen (the rate in force now, from now on) with the status, in one UPDATE
        billing.freeze(conn, submission_id=submission_id, status=new_status, now=now)
    # One UPDATE and one batched INSERT, whatever the size: 500 entries and their 500
    # records commit together in milliseconds (bench/approval_load.py).
    conn.execute(_DECIDE_ENTRIES.values(status=new_status, updated_at=now), {"b_submission": submission_id})
    action = "approve" if approve else "reject"
    comment = reason.strip()
    audit.record_many(conn, [
        {"entry_id": entry_id, "actor": actor.slack_id, "at": now, "action": action, "comment": comment,
         "before": None, "after": None}
        for entry_id in ids
    ])  # fmt: skip
    submitter = _person(conn, sub.person_id)
    return Decision(submission_id, status, actor.slack_id, now, reason.strip(), submitter, len(ids),
                    sub.channel, sub.message_ts)  # fmt: skip


def remember_message(conn: Connection, submission_id: int, *, channel: str, ts: str) -> None:
    conn.execute(
        update(Submission).where(Submission.id == submission_id).values(channel=channel, message_ts=ts)
    )


@dataclass(frozen=True)
class Waiting:
    submission_id: int
    submitter: str  # Slack id
    first: date
    last: date
    entries: int
    seconds: int


def waiting_for(conn: Connection, person: PersonRow) -> list[Waiting]:
    """Submissions waiting for this approver (admins: every pending one), oldest first."""
    stmt = (
        select(
            Submission.id,
            Person.slack_id,
            Submission.period_start,
            Submission.period_end,
            func.count(TimeEntry.id),
            func.coalesce(func.sum(TimeEntry.duration_seconds), 0),
        )  # fmt: skip
        .join(Person, Person.id == Submission.person_id)
        .join(TimeEntry, TimeEntry.submission_id == Submission.id)
        .where(Submission.status == SubmissionStatus.PENDING)
        .group_by(Submission.id, Person.slack_id, Submission.period_start, Submission.period_end)
        .order_by(Submission.id)
    )
    if person.role != Role.ADMIN:
        stmt = stmt.where(Submission.approver_id == person.id)
    return [Waiting(*row) for row in conn.execute(stmt)]


def reopen(conn: Connection, entry_id: int, actor: PersonRow, *, reason: str, now: datetime) -> EntryRow:
    """Send an approved (or submitted) entry back to draft: partners and admins, with a reason."""
    if actor.role not in (Role.PARTNER, Role.ADMIN):
        raise UserError("Only partners and admins can reopen entries.")
    if not reason.strip():
        raise UserError("Say why it is reopened: `/track reopen <entry id> <reason>`.")
    found = conn.execute(select(*_ENTRY_COLUMNS).where(TimeEntry.id == entry_id)).first()
    if found is None:
        raise UserError(f"There is no entry {entry_id}.")
    before = EntryRow(*tuple(found))
    if before.status not in (EntryStatus.SUBMITTED, EntryStatus.APPROVED):
        raise UserError(
            f"Entry {entry_id} is {before.status.value}; only submitted or approved entries reopen."
        )
    conn.execute(
        update(TimeEntry)
        .where(TimeEntry.id == entry_id)
        .values(
            status=EntryStatus.DRAFT,
            submission_id=None,
            billed_seconds=None,
            rate=None,
            amount=None,
            cost_rate=None,
            rate_rule=None,
            updated_at=now,
        )  # fmt: skip
    )
    after = EntryRow(*tuple(conn.execute(select(*_ENTRY_COLUMNS).where(TimeEntry.id == entry_id)).one()))
    audit.record(conn, entry_id=entry_id, actor=actor.slack_id, action="reopen", now=now, before=before,
                 after=after, comment=reason.strip())  # fmt: skip
    return after
