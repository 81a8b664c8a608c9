"""What the App Home and the pickers read beyond a person's period: recent work to restart,
approvals waiting, unbilled time per client."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, func, select

from storage.fast import Prepared
from storage.models import Client, EntryStatus, Person, Project, Submission, SubmissionStatus, Task, TimeEntry


@dataclass(frozen=True)
class RecentRow:
    project_id: int
    task_id: int | None
    entry_id: int


@dataclass(frozen=True)
class ChosenRow:
    entry_id: int
    description: str
    task_name: str | None
    task_billable: bool | None
    task_active: bool | None


@dataclass(frozen=True)
class UnbilledRow:
    client: str
    seconds: int


# The pairs among the person's last 200 entries, newest first (ids only: cheap rows), then
# the few chosen read in full.
_RECENT = Prepared(
    select(TimeEntry.project_id, TimeEntry.task_id, TimeEntry.id)
    .where(TimeEntry.person_id == bindparam("person_id"))
    .order_by(TimeEntry.id.desc())
    .limit(200)
)
_CHOSEN = (
    select(TimeEntry.id, TimeEntry.description, Task.name, Task.billable, Task.active)
    .outerjoin(Task, Task.id == TimeEntry.task_id)
    .where(TimeEntry.id.in_(bindparam("ids", expanding=True)))
)
_RECENT_PROJECT_IDS = (
    select(TimeEntry.project_id)
    .join(Person, Person.id == TimeEntry.person_id)
    .where(Person.slack_id == bindparam("slack_id"))
    .order_by(TimeEntry.id.desc())
    .limit(50)
)
# Entries in submissions waiting for this approver (admins: waiting for anyone).
_WAITING = (
    select(func.count())
    .select_from(TimeEntry)
    .join(Submission, Submission.id == TimeEntry.submission_id)
    .where(Submission.status == SubmissionStatus.PENDING, TimeEntry.status == EntryStatus.SUBMITTED)
)
_WAITING_FOR = _WAITING.where(Submission.approver_id == bindparam("person_id"))
_UNBILLED = (
    select(Client.name, func.sum(TimeEntry.duration_seconds))
    .join(Project, Project.client_id == Client.id)
    .join(TimeEntry, TimeEntry.project_id == Project.id)
    .where(TimeEntry.billable.is_(True), TimeEntry.status != EntryStatus.BILLED)
    .group_by(Client.name)
    .order_by(Client.name)
)


def recent(conn: Connection, person_id: int) -> list[RecentRow]:
    return [RecentRow(*row) for row in _RECENT.rows(conn, {"person_id": person_id})]


def chosen(conn: Connection, entry_ids: list[int]) -> dict[int, ChosenRow]:
    return {row[0]: ChosenRow(*row) for row in conn.execute(_CHOSEN, {"ids": entry_ids})}


def recent_project_ids(conn: Connection, slack_id: str) -> list[int]:
    """Projects of the person's last 50 entries, newest first (repeats included)."""
    return list(conn.execute(_RECENT_PROJECT_IDS, {"slack_id": slack_id}).scalars())


def entries_waiting(conn: Connection, *, approver_id: int | None) -> int:
    """Entries waiting for this approver's decision (``None``: anyone's)."""
    if approver_id is None:
        return int(conn.execute(_WAITING).scalar_one())
    return int(conn.execute(_WAITING_FOR, {"person_id": approver_id}).scalar_one())


def unbilled(conn: Connection) -> list[UnbilledRow]:
    return [UnbilledRow(name, int(seconds or 0)) for name, seconds in conn.execute(_UNBILLED)]
