"""Approving or rejecting a submission, or one entry of it: each decision made once, by
someone allowed to, with what it tells people queued (the outbox) in the same transaction.

The decision is claimed with a conditional UPDATE (``WHERE status = 'pending'``): of two
clicks, retries or approvers acting at once, exactly one changes the row; the others learn
who decided, and when (:class:`AlreadyDecided`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from bot.errors import Refused
from bot.services.entries import status
from storage import approvals as store
from storage import entries as entry_store
from storage import outbox, people, periods
from storage.approvals import SubmissionRow
from storage.models import EntryStatus, Role, SubmissionStatus
from storage.people import PersonRow

_DECIDED = (EntryStatus.APPROVED, EntryStatus.REJECTED)


class AlreadyDecided(Refused):
    """Someone decided first: ``outcome`` (a status), ``by`` (a Slack id) and ``at``."""

    def __init__(self, outcome: Any, by: str | None, at: datetime | None) -> None:
        super().__init__("already_decided", outcome=getattr(outcome, "value", outcome), by=by, at=at)


@dataclass(frozen=True)
class Decision:
    """A whole submission decided (what was still waiting in it), as told to its submitter."""

    submission: int
    approved: bool
    decided_by: str
    reason: str
    entries: int
    earlier: int  # entries decided one by one before this decision on the rest
    submitter: str  # Slack id

    def payload(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class EntryDecided:
    """One entry decided on its own, as told to its submitter; ``closed`` when it was the
    last one waiting."""

    submission: int
    approved: bool
    decided_by: str
    reason: str
    entry_id: int
    day: date
    seconds: int
    description: str
    submitter: str
    closed: str | None = None

    def payload(self) -> dict[str, Any]:
        return {**asdict(self), "day": self.day.isoformat()}

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> EntryDecided:
        return cls(**{**data, "day": date.fromisoformat(data["day"])})


def _authorized(conn: Connection, submission_id: int, actor: PersonRow | None) -> SubmissionRow:
    """The submission, if the actor may decide it (its approver or an admin)."""
    sub = store.submission(conn, submission_id)
    if sub is None:
        raise Refused("no_submission")
    if actor is None or (actor.id != sub.approver_id and actor.role != Role.ADMIN):
        raise Refused("not_approver")
    return sub


def _submitter(conn: Connection, sub: SubmissionRow) -> str:
    person = people.person_by_id(conn, sub.person_id)
    assert person is not None
    return person.slack_id


def _tell(
    conn: Connection, sub: SubmissionRow, *, which: str, notice: dict[str, Any], kind: str, now: datetime
) -> None:
    """Queue the redraw of the approver's DM and the submitter's notice of this decision
    (``which``: "all" or the entry's id; each is decided once per submission)."""
    payload = {"submission": sub.id}
    outbox.enqueue(
        conn, key=f"approval-redraw:{sub.id}:{which}", kind="approval_redraw", payload=payload, now=now
    )
    outbox.enqueue(
        conn,
        key=f"decision:{sub.id}:{which}",
        kind=kind,
        user_id=notice["submitter"],
        payload=notice,
        now=now,
    )


def decide(
    conn: Connection,
    submission_id: int,
    actor: PersonRow | None,
    *,
    approve: bool,
    now: datetime,
    reason: str = "",
) -> Decision:
    """Approve or reject a whole submission, once. Only its approver or an admin may.

    Entries already decided one by one keep their outcome: this decides the pending rest, and
    the submission closes as partial when the outcomes differ. The rest get no per-entry
    record: the submission's own (who, when, why) is theirs, which keeps this at a few
    statements for 500 entries (bench/approval_load.py)."""
    sub = _authorized(conn, submission_id, actor)
    assert actor is not None
    comment = reason.strip()
    if not approve and not comment:
        raise Refused("reason_needed")
    _open_months(conn, entry_store.waiting_days(conn, submission_id))
    decided = SubmissionStatus.APPROVED if approve else SubmissionStatus.REJECTED
    # The claim: of every decision on this submission (whole or per entry), one at a time
    # holds the row, and only while it is pending.
    if not store.claim(conn, submission_id, status=decided, by=actor.slack_id, now=now, reason=comment):
        done = store.submission(conn, submission_id)
        assert done is not None
        raise AlreadyDecided(done.status, done.decided_by, done.decided_at)
    earlier = store.outcomes(conn, submission_id)
    other = EntryStatus.REJECTED if approve else EntryStatus.APPROVED
    if earlier.get(other):
        store.set_status(conn, submission_id, SubmissionStatus.PARTIAL)
    ids = status.decide_waiting(
        conn, submission_id, approve=approve, actor=actor.slack_id, now=now, reason=comment
    )
    decision = Decision(submission_id, approve, actor.slack_id, comment, len(ids), sum(earlier.values()),
                        _submitter(conn, sub))  # fmt: skip
    _tell(conn, sub, which="all", notice=decision.payload(), kind="decision_notice", now=now)
    return decision


def decide_entry(
    conn: Connection,
    submission_id: int,
    entry_id: int,
    actor: PersonRow | None,
    *,
    approve: bool,
    now: datetime,
    reason: str = "",
) -> EntryDecided:
    """Approve or reject one entry of a submission, once; the submission closes with its
    last pending entry. Only the submission's approver or an admin may."""
    sub = _authorized(conn, submission_id, actor)
    assert actor is not None
    comment = reason.strip()
    if not approve and not comment:
        raise Refused("reason_needed")
    # Hold the submission (as a whole decision does) while it is pending: per-entry and
    # whole decisions on one submission take turns, so the counts below are exact.
    held = store.hold(conn, submission_id, now=now)
    entry = entry_store.in_submission(conn, entry_id, submission_id)
    own = store.entry_decision(conn, submission_id, entry_id)
    if own is not None:
        raise AlreadyDecided(own.outcome, own.decided_by, own.decided_at)
    if not held:  # closed by a whole decision: this entry's outcome is the submission's
        done = store.submission(conn, submission_id)
        assert done is not None
        outcome = entry.status if entry is not None and entry.status in _DECIDED else done.status
        raise AlreadyDecided(outcome, done.decided_by, done.decided_at)
    if entry is None:
        raise Refused("not_in_submission")
    _open_months(conn, [entry.date])
    outcome = EntryStatus.APPROVED if approve else EntryStatus.REJECTED
    if not status.decide_one(conn, entry, submission_id=submission_id, approve=approve, actor=actor.slack_id,
                             now=now, reason=comment):  # fmt: skip
        raise AlreadyDecided(entry.status, None, None)
    store.insert_entry_decision(conn, submission_id=submission_id, entry_id=entry_id, outcome=outcome,
                                by=actor.slack_id, now=now, reason=comment)  # fmt: skip
    closed = _close_if_done(conn, submission_id, actor, now=now)
    decided = EntryDecided(submission_id, approve, actor.slack_id, comment, entry.id, entry.date,
                           entry.duration_seconds, entry.description, _submitter(conn, sub),
                           closed.value if closed else None)  # fmt: skip
    _tell(conn, sub, which=str(entry_id), notice=decided.payload(), kind="entry_notice", now=now)
    return decided


def _open_months(conn: Connection, days: list[date]) -> None:
    """A closed month's time cannot change, approval included: say so before the database does."""
    closed = periods.closed_among(conn, *days)
    if closed:
        raise Refused("closed_months", months=", ".join(sorted(closed)))


def _close_if_done(
    conn: Connection, submission_id: int, actor: PersonRow, *, now: datetime
) -> SubmissionStatus | None:
    """Once no entry of the submission waits, it is closed: approved, rejected or partial.
    It keeps no reason of its own: each entry sent back has its own."""
    if entry_store.waiting_ids(conn, submission_id):
        return None
    outcomes = store.outcomes(conn, submission_id)
    if outcomes.get(EntryStatus.APPROVED) and outcomes.get(EntryStatus.REJECTED):
        closed = SubmissionStatus.PARTIAL
    elif outcomes.get(EntryStatus.REJECTED):
        closed = SubmissionStatus.REJECTED
    else:
        closed = SubmissionStatus.APPROVED
    store.close(conn, submission_id, status=closed, by=actor.slack_id, now=now)
    return closed
