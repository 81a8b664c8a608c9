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

from sqlalchemy import Connection, bindparam, func, insert, select, update

from bot.errors import UserError
from bot.services import audit, policy
from bot.services.freeze import freeze
from storage import rows
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
    earlier: int = 0  # entries decided one by one before this decision on the rest
    # ``status`` is what this decision did; the submission closes partial when outcomes differ.


@dataclass(frozen=True)
class EntryDecided:
    """One entry approved or rejected on its own; ``closed`` when it was the last pending one."""

    submission: int
    entry: EntryRow
    status: EntryStatus
    decided_by: str
    decided_at: datetime
    reason: str
    submitter: PersonRow
    closed: SubmissionStatus | None
    channel: str | None
    message_ts: str | None


class AlreadyDecided(UserError):
    pass


_DECIDE_ENTRIES = update(TimeEntry).where(
    TimeEntry.submission_id == bindparam("b_submission"), TimeEntry.status == EntryStatus.SUBMITTED
)
_VERB = {SubmissionStatus.PARTIAL: "decided"}  # else the status itself: approved, rejected
_DECIDED = (EntryStatus.APPROVED, EntryStatus.REJECTED)
_NOT_ALLOWED = "Only this submission's approver or an admin can decide it; nothing was changed."


def _authorized(conn: Connection, submission_id: int, actor: PersonRow) -> Any:
    """The submission's row, if the actor may decide it (its approver or an admin)."""
    sub = conn.execute(
        select(Submission.approver_id, Submission.person_id, Submission.channel, Submission.message_ts).where(
            Submission.id == submission_id
        )
    ).first()
    if sub is None:
        raise UserError("That submission does not exist.")
    if actor.id != sub.approver_id and actor.role != Role.ADMIN:
        raise UserError(_NOT_ALLOWED)
    return sub


def _already(status: Any, by: str | None, at: datetime | None) -> AlreadyDecided:
    who = f" by <@{by}>" if by else ""
    when = f" at {at:%Y-%m-%d %H:%M} UTC" if at else ""
    return AlreadyDecided(f"Already {_VERB.get(status, getattr(status, 'value', status))}{who}{when}.")


def _submission_already(conn: Connection, submission_id: int) -> AlreadyDecided:
    done = conn.execute(
        select(Submission.status, Submission.decided_by, Submission.decided_at).where(
            Submission.id == submission_id
        )
    ).one()
    return _already(*done)


def decide(
    conn: Connection, submission_id: int, actor: PersonRow, *, approve: bool, now: datetime, reason: str = ""
) -> Decision:
    """Approve or reject a whole submission, once. Only its approver or an admin may.

    Entries already decided one by one keep their outcome: this decides the pending rest, and
    the submission closes as partial when the outcomes differ. The rest get no per-entry
    record: the submission's own (who, when, why) is theirs, which keeps this at a few
    statements for 500 entries (bench/approval_load.py)."""
    sub = _authorized(conn, submission_id, actor)
    if not approve and not reason.strip():
        raise UserError("Say why, so the person can fix it.")
    status = SubmissionStatus.APPROVED if approve else SubmissionStatus.REJECTED
    # The claim: of every decision on this submission (whole or per entry), one at a time
    # holds the row, and only while it is pending.
    claimed = conn.execute(
        update(Submission)
        .where(Submission.id == submission_id, Submission.status == SubmissionStatus.PENDING)
        .values(
            status=status, decided_by=actor.slack_id, decided_at=now, reason=reason.strip(), updated_at=now
        )
    ).rowcount
    if claimed != 1:
        raise _submission_already(conn, submission_id)
    in_it = select(TimeEntry.id).where(
        TimeEntry.submission_id == submission_id, TimeEntry.status == EntryStatus.SUBMITTED
    )
    ids = list(conn.execute(in_it).scalars())
    new_status, other = (EntryStatus.APPROVED, EntryStatus.REJECTED) if approve else (
        EntryStatus.REJECTED, EntryStatus.APPROVED)  # fmt: skip
    earlier = _outcomes(conn, submission_id)
    final = SubmissionStatus.PARTIAL if earlier.get(other) else status
    if final != status:
        conn.execute(update(Submission).where(Submission.id == submission_id).values(status=final))
    comment = reason.strip()
    if approve:  # prices frozen (the rate in force now, from now on) with the status, in one UPDATE
        freeze(conn, submission_id=submission_id, status=new_status, now=now)
    # One UPDATE and one batched INSERT, whatever the size: 500 entries and their 500
    # records commit together in milliseconds (bench/approval_load.py).
    conn.execute(_DECIDE_ENTRIES.values(status=new_status, updated_at=now), {"b_submission": submission_id})
    action = "approve" if approve else "reject"
    audit.record_each(conn, ids, actor=actor.slack_id, action=action, now=now, comment=comment)
    submitter = _person(conn, sub.person_id)
    return Decision(submission_id, status, actor.slack_id, now, comment, submitter, len(ids),
                    sub.channel, sub.message_ts, sum(earlier.values()))  # fmt: skip


def _outcomes(conn: Connection, submission_id: int) -> dict[EntryStatus, int]:
    """How many entries of the submission were decided each way so far."""
    found = conn.execute(
        select(EntryDecision.outcome, func.count())
        .where(EntryDecision.submission_id == submission_id)
        .group_by(EntryDecision.outcome)
    )
    return {EntryStatus(outcome): int(n) for outcome, n in found}


def decide_entry(
    conn: Connection,
    submission_id: int,
    entry_id: int,
    actor: PersonRow,
    *,
    approve: bool,
    now: datetime,
    reason: str = "",
) -> EntryDecided:
    """Approve or reject one entry of a submission, once; the submission closes with its
    last pending entry. Only the submission's approver or an admin may."""
    sub = _authorized(conn, submission_id, actor)
    if not approve and not reason.strip():
        raise UserError("Say why, so the person can fix it.")
    # Hold the submission (as a whole decision does) while it is pending: per-entry and
    # whole decisions on one submission take turns, so the counts below are exact.
    held = conn.execute(
        update(Submission)
        .where(Submission.id == submission_id, Submission.status == SubmissionStatus.PENDING)
        .values(updated_at=now)
    ).rowcount
    found = conn.execute(
        select(*_ENTRY_COLUMNS).where(TimeEntry.id == entry_id, TimeEntry.submission_id == submission_id)
    ).first()
    decided = conn.execute(
        select(EntryDecision.outcome, EntryDecision.decided_by, EntryDecision.decided_at).where(
            EntryDecision.submission_id == submission_id, EntryDecision.entry_id == entry_id
        )
    ).first()
    if decided is not None:
        raise _already(*decided)
    if held != 1:  # closed by a whole decision: this entry's outcome is the submission's
        done = conn.execute(
            select(Submission.status, Submission.decided_by, Submission.decided_at).where(
                Submission.id == submission_id
            )
        ).one()
        decided_as = found.status if found is not None and found.status in _DECIDED else done.status
        raise _already(decided_as, done.decided_by, done.decided_at)
    if found is None:
        raise UserError("That entry is no longer part of this submission; nothing was changed.")
    entry = EntryRow(*tuple(found))
    new_status = EntryStatus.APPROVED if approve else EntryStatus.REJECTED
    if approve:  # priced first, while still submitted (approved prices are locked); status kept
        freeze(conn, [entry_id], submission_id=submission_id, now=now)
    # The claim: a conditional UPDATE, so the entry is decided exactly once.
    claimed = conn.execute(
        update(TimeEntry)
        .where(TimeEntry.id == entry_id, TimeEntry.submission_id == submission_id,
               TimeEntry.status == EntryStatus.SUBMITTED)
        .values(status=new_status, updated_at=now)
    ).rowcount  # fmt: skip
    if claimed != 1:
        raise _already(entry.status, None, None)
    comment = reason.strip()
    conn.execute(insert(EntryDecision).values(
        submission_id=submission_id, entry_id=entry_id, outcome=new_status, decided_by=actor.slack_id,
        decided_at=now, reason=comment))  # fmt: skip
    audit.record(conn, entry_id=entry_id, actor=actor.slack_id, action="approve" if approve else "reject",
                 now=now, comment=comment)  # fmt: skip
    closed = _close_if_done(conn, submission_id, actor, now=now)
    return EntryDecided(submission_id, entry, new_status, actor.slack_id, now, comment,
                        _person(conn, sub.person_id), closed, sub.channel, sub.message_ts)  # fmt: skip


def _close_if_done(
    conn: Connection, submission_id: int, actor: PersonRow, *, now: datetime
) -> SubmissionStatus | None:
    """Once no entry of the submission waits, it is closed: approved, rejected or partial.
    It keeps no reason of its own: each entry sent back has its own."""
    waiting = conn.execute(
        select(func.count()).where(
            TimeEntry.submission_id == submission_id, TimeEntry.status == EntryStatus.SUBMITTED
        )
    ).scalar_one()
    if waiting:
        return None
    outcomes = _outcomes(conn, submission_id)
    if outcomes.get(EntryStatus.APPROVED) and outcomes.get(EntryStatus.REJECTED):
        status = SubmissionStatus.PARTIAL
    elif outcomes.get(EntryStatus.REJECTED):
        status = SubmissionStatus.REJECTED
    else:
        status = SubmissionStatus.APPROVED
    conn.execute(update(Submission).where(Submission.id == submission_id).values(
        status=status, decided_by=actor.slack_id, decided_at=now, updated_at=now))  # fmt: skip
    return status


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
    """Submissions waiting for this approver (admins: every pending one), oldest first, with
    their entries still waiting."""
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
        # Entries already decided on their own no longer wait.
        .where(Submission.status == SubmissionStatus.PENDING, TimeEntry.status == EntryStatus.SUBMITTED)
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
