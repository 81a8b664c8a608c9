"""What the modals offer: projects by type-ahead (recent first), tasks, work types, defaults."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import Session

from bot.services import entry_form, policy
from bot.services.clock import local_date
from bot.views.entry_modal import EntryDefaults
from storage import rows
from storage.models import Client, Project, Task, TimeEntry, WorkType
from storage.rows import PersonRow, ProjectRow, TaskRow, WorkTypeRow

RECENT_PROJECTS = 5
_PROJECT_COLUMNS = (Project.id, Project.code, Project.name, Project.billing_type, Project.required_fields)
_VISIBLE = (Project.active.is_(True), Client.active.is_(True))

# Type-ahead: codes and names that start with the text, and names that contain it.
_SEARCH = (
    select(*_PROJECT_COLUMNS)
    .join(Client, Client.id == Project.client_id)
    .where(
        *_VISIBLE,
        or_(
            func.lower(Project.code).like(bindparam("prefix"), escape="\\"),
            func.lower(Project.name).like(bindparam("infix"), escape="\\"),
        ),
    )
    .order_by(func.lower(Project.code))
    .limit(bindparam("limit"))
)
_RECENT_IDS = (
    select(TimeEntry.project_id)
    .where(TimeEntry.person_id == bindparam("person_id"))
    .order_by(TimeEntry.id.desc())
    .limit(50)
)
_BY_IDS = (
    select(*_PROJECT_COLUMNS)
    .join(Client, Client.id == Project.client_id)
    .where(*_VISIBLE, Project.id.in_(bindparam("ids", expanding=True)))
)
_TASKS = (
    select(Task.id, Task.name, Task.billable)
    .where(Task.project_id == bindparam("project_id"), Task.active.is_(True))
    .order_by(Task.name)
)
_WORK_TYPES = select(WorkType.id, WorkType.name).where(WorkType.active.is_(True)).order_by(WorkType.name)


def _like(text: str) -> str:
    return text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def project_choices(session: Session, person: PersonRow, query: str, *, limit: int = 100) -> list[ProjectRow]:
    """Up to ``limit`` projects for the type-ahead: the person's recent ones first."""
    conn = session.connection()
    q = _like(query.strip())
    recent_ids: list[int] = []
    for (project_id,) in conn.execute(_RECENT_IDS, {"person_id": person.id}):
        if project_id not in recent_ids:
            recent_ids.append(project_id)
            if len(recent_ids) == RECENT_PROJECTS:
                break
    found = [
        ProjectRow(*r)
        for r in conn.execute(_SEARCH, {"prefix": q + "%", "infix": "%" + q + "%", "limit": limit})
    ]
    if recent_ids:
        by_id = {p.id: p for p in (ProjectRow(*r) for r in conn.execute(_BY_IDS, {"ids": recent_ids}))}
        recent = [by_id[i] for i in recent_ids if i in by_id and _matches(by_id[i], query)]
        seen = {p.id for p in recent}
        found = recent + [p for p in found if p.id not in seen]
    return found[:limit]


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
