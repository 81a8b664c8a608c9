"""What the App Home shows a person: their timer, recent work to restart, their day and week,
and for partners and admins what waits for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, func, select

from bot.services import project_index, reports, timers
from storage.fast import Prepared
from storage.models import Client, EntryStatus, Project, Role, Submission, SubmissionStatus, Task, TimeEntry
from storage.rows import PersonRow, ProjectRow, TaskRow

RECENT_PAIRS = 5
ENTRIES_PER_PAGE = 30  # the Home tab's page of entries (bot.views.home_tab)

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
# Entries in submissions waiting for this approver (admins: waiting for anyone).
_WAITING_FOR = (
    select(func.count())
    .select_from(TimeEntry)
    .join(Submission, Submission.id == TimeEntry.submission_id)
    .where(
        Submission.status == SubmissionStatus.PENDING,
        Submission.approver_id == bindparam("person_id"),
        TimeEntry.status == EntryStatus.SUBMITTED,  # not those already decided one by one
    )
)
_WAITING_ALL = (
    select(func.count())
    .select_from(TimeEntry)
    .join(Submission, Submission.id == TimeEntry.submission_id)
    .where(Submission.status == SubmissionStatus.PENDING, TimeEntry.status == EntryStatus.SUBMITTED)
)
_UNBILLED = (
    select(Client.name, func.sum(TimeEntry.duration_seconds))
    .join(Project, Project.client_id == Client.id)
    .join(TimeEntry, TimeEntry.project_id == Project.id)
    .where(TimeEntry.billable.is_(True), TimeEntry.status != EntryStatus.BILLED)
    .group_by(Client.name)
    .order_by(Client.name)
)


@dataclass(frozen=True)
class RecentWork:
    project: ProjectRow
    task: TaskRow | None
    description: str  # the latest description used for this project and task


@dataclass(frozen=True)
class ClientUnbilled:
    client: str
    seconds: int


@dataclass(frozen=True)
class HomeData:
    person: PersonRow
    running: timers.Running | None
    recent: list[RecentWork]
    today: reports.Period
    week: reports.Period
    approvals_waiting: int | None  # partners and admins only
    unbilled: list[ClientUnbilled] | None  # admins only


def home_data(conn: Connection, person: PersonRow, *, now: datetime, page: int = 0) -> HomeData:
    """What the Home tab shows on ``page`` of the week's earlier entries."""
    today, week = reports.today_and_week(
        conn,
        person,
        now=now,
        today_lines=ENTRIES_PER_PAGE + 1,
        earlier_lines=(max(page, 0) + 1) * ENTRIES_PER_PAGE,
    )
    running = week.running
    waiting = None
    if person.role == Role.ADMIN:
        waiting = int(conn.execute(_WAITING_ALL).scalar_one())
    elif person.role == Role.PARTNER:
        waiting = int(conn.execute(_WAITING_FOR, {"person_id": person.id}).scalar_one())
    unbilled = None
    if person.role == Role.ADMIN:
        unbilled = [ClientUnbilled(name, int(seconds or 0)) for name, seconds in conn.execute(_UNBILLED)]
    return HomeData(
        person=person,
        running=running,
        recent=recent_work(conn, person, running=running),
        today=today,
        week=week,
        approvals_waiting=waiting,
        unbilled=unbilled,
    )


def recent_work(conn: Connection, person: PersonRow, *, running: timers.Running | None) -> list[RecentWork]:
    """Distinct project/task pairs, most recently worked first, open projects and tasks only,
    leaving out what is running now (its button would restart the same work)."""
    index = project_index.current(conn)
    skip = {(running.project.id, running.timer.task_id)} if running else set()
    newest: list[tuple[int, int | None, int]] = []  # (project, task, entry) per pair
    for project_id, task_id, entry_id in _RECENT.rows(conn, {"person_id": person.id}):
        if project_id in index.by_id and (project_id, task_id) not in skip:
            skip.add((project_id, task_id))
            newest.append((project_id, task_id, entry_id))
            if len(newest) == RECENT_PAIRS * 2:  # a few spare for closed tasks
                break
    if not newest:
        return []
    chosen = {row[0]: row[1:] for row in conn.execute(_CHOSEN, {"ids": [n[2] for n in newest]})}
    found: list[RecentWork] = []
    for project_id, task_id, entry_id in newest:
        description, task_name, task_billable, task_active = chosen[entry_id]
        if task_id is not None and not task_active:
            continue
        task = TaskRow(task_id, task_name, task_billable) if task_id is not None else None
        found.append(RecentWork(index.by_id[project_id], task, description))
        if len(found) == RECENT_PAIRS:
            break
    return found
