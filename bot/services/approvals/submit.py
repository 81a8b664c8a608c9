"""Submitting a period: a person's draft and rejected entries, grouped by approver, each group
a submission whose approval request is queued (the outbox) with it."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection

from bot.errors import Refused
from bot.services.entries import rules, status
from storage import approvals as store
from storage import outbox, people
from storage.entries import EntryRow
from storage.people import PersonRow


@dataclass(frozen=True)
class HeldBack:
    entry: EntryRow
    missing: list[rules.Violation]  # what the firm's policy still asks of it


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


def request_key(submission_id: int) -> str:
    """The outbox key of a submission's approval request: its DM, written back into later."""
    return f"approval-request:{submission_id}"


def submit(conn: Connection, person: PersonRow, *, first: date, last: date, now: datetime) -> SubmitResult:
    """The person's draft (and rejected) entries of the period, grouped by approver: the
    project's approver, else its client's, else the firm's first partner. Entries the
    firm's policy would refuse stay behind, listed."""
    workspace = people.workspace(conn)
    fallback = store.first_partner(conn)
    groups: dict[int, list[EntryRow]] = defaultdict(list)
    held: list[HeldBack] = []
    for found in store.submittable(conn, person.id, first, last):
        entry = found.entry
        missing = rules.completeness(
            found.project, workspace_fields=workspace.required_fields,
            min_description=workspace.min_description_length, description=entry.description,
            work_type_id=entry.work_type_id, task_id=entry.task_id,
        )  # fmt: skip
        if missing:
            held.append(HeldBack(entry, missing))
            continue
        target = found.approver_id or fallback
        if target is None:
            raise Refused("no_approver")
        groups[target].append(entry)
    sent = []
    for approver_id, entries in groups.items():
        submission_id = store.insert_submission(
            conn, person_id=person.id, approver_id=approver_id, first=first, last=last, now=now
        )
        status.submit(conn, entries, submission_id=submission_id, actor=person.slack_id, now=now)
        approver = people.person_by_id(conn, approver_id)
        assert approver is not None
        outbox.enqueue(
            conn,
            key=request_key(submission_id),
            kind="approval_request",
            user_id=approver.slack_id,
            payload={"submission": submission_id},
            now=now,
        )
        sent.append(Sent(submission_id, approver, entries))
    return SubmitResult(first, last, sent, held)
