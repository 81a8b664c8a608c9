"""What the modals offer: projects by type-ahead (recent first), tasks, work types, defaults."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from bot.services import entry_form, policy, project_index
from bot.services.clock import local_date
from bot.views.entry_modal import EntryDefaults
from storage import rows
from storage.models import Person, Project, Task, TimeEntry, WorkType
from storage.rows import PersonRow, ProjectRow, TaskRow, WorkTypeRow

RECENT_PROJECTS = 5

_RECENT_IDS = (
    select(TimeEntry.project_id)
    .join(Person, Person.id == TimeEntry.person_id)
    .where(Person.slack_id == bindparam("slack_id"))
    .order_by(TimeEntry.id.desc())
    .limit(50)
)
_TASKS = (
    select(Task.id, Task.name, Task.billable)
    .where(Task.project_id == bindparam("project_id"), Task.active.is_(True))
    .order_by(Task.name)
)
_WORK_TYPES = select(WorkType.id, WorkType.name).where(WorkType.active.is_(True)).order_by(WorkType.name)


def project_choices(conn: Connection, slack_id: str, query: str, *, limit: int = 100) -> list[ProjectRow]:
    """Up to ``limit`` visible projects for the type-ahead: the person's recent ones first.

    Takes a bare Connection (see ``storage.db.read_scope``): this runs on every keystroke.
    """
    index = project_index.current(conn)
    recent: list[ProjectRow] = []
    for (project_id,) in conn.execute(_RECENT_IDS, {"slack_id": slack_id}):
        project = index.by_id.get(project_id)
        if project is not None and project not in recent and _matches(project, query):
            recent.append(project)
            if len(recent) == RECENT_PROJECTS:
                break
    found = index.search(query, limit=limit + len(recent))
    return (recent + [p for p in found if p not in recent])[:limit]


def _matches(project: ProjectRow, query: str) -> bool:
    q = query.strip().lower()
    return project.code.lower().startswith(q) or q in project.name.lower()


def tasks(session: Session, project_id: int) -> list[TaskRow]:
    return [TaskRow(*r) for r in session.connection().execute(_TASKS, {"project_id": project_id})]


def work_types(session: Session) -> list[WorkTypeRow]:
    return [WorkTypeRow(*r) for r in session.connection().execute(_WORK_TYPES)]


def visible_project(session: Session, project_id: int) -> ProjectRow | None:
    project = entry_form.visible_project(session, project_id)
    return rows.project_row(project) if project else None


def new_entry_defaults(
    session: Session,
    person: PersonRow,
    *,
    now: datetime,
    description: str = "",
    project_id: int | None = None,
) -> EntryDefaults:
    project = visible_project(session, project_id) if project_id else None
    return EntryDefaults(
        day=local_date(now, person.timezone),
        project=project,
        tasks=tasks(session, project.id) if project else [],
        description=description,
        billable=policy.default_billable(project, None) if project else True,
    )


def edit_defaults(session: Session, person: PersonRow, entry_id: int) -> tuple[EntryDefaults, str]:
    """The entry as the modal shows it, and its version; refuses locked or foreign entries."""
    entry = entry_form.own_entry(session, person, entry_id)
    entry_form.ensure_editable(session, entry)
    project = rows.project_row(session.get_one(Project, entry.project_id))
    duration, start, end = entry_form.timing_fields(entry, person.timezone)
    defaults = EntryDefaults(
        day=entry.date,
        project=project,
        task_id=entry.task_id,
        tasks=tasks(session, project.id),
        duration=duration,
        start_time=start,
        end_time=end,
        description=entry.description,
        work_type_id=entry.work_type_id,
        billable=entry.billable,
    )
    return defaults, entry_form.version(entry)
