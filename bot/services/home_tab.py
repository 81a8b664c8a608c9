"""What the App Home shows a person: their timer, recent work to restart, their day and week,
and for partners and admins what waits for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from bot.services import project_index, reports, timers
from storage import home
from storage.catalog import ProjectRow, TaskRow
from storage.home import UnbilledRow
from storage.models import Role
from storage.people import PersonRow

RECENT_PAIRS = 5
ENTRIES_PER_PAGE = 30  # the Home tab's page of entries (bot.views.home_tab)


@dataclass(frozen=True)
class RecentWork:
    project: ProjectRow
    task: TaskRow | None
    description: str  # the latest description used for this project and task


ClientUnbilled = UnbilledRow


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
        waiting = home.entries_waiting(conn, approver_id=None)
    elif person.role == Role.PARTNER:
        waiting = home.entries_waiting(conn, approver_id=person.id)
    unbilled = home.unbilled(conn) if person.role == Role.ADMIN else None
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
    for row in home.recent(conn, person.id):
        pair = (row.project_id, row.task_id)
        if row.project_id in index.by_id and pair not in skip:
            skip.add(pair)
            newest.append((row.project_id, row.task_id, row.entry_id))
            if len(newest) == RECENT_PAIRS * 2:  # a few spare for closed tasks
                break
    if not newest:
        return []
    chosen = home.chosen(conn, [n[2] for n in newest])
    found: list[RecentWork] = []
    for project_id, task_id, entry_id in newest:
        picked = chosen[entry_id]
        if task_id is not None and not picked.task_active:
            continue
        task = None
        if task_id is not None and picked.task_name is not None:
            task = TaskRow(task_id, picked.task_name, picked.task_billable, project_id)
        found.append(RecentWork(index.by_id[project_id], task, picked.description))
        if len(found) == RECENT_PAIRS:
            break
    return found
