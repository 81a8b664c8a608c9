"""Reading the catalog people track time against: projects (matters), tasks (phases), work
types. Only the import writes them (storage.setup)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, func, select

from storage.fast import Prepared, cols
from storage.models import BillingType, Client, Person, Project, Task, WorkType


@dataclass(frozen=True)
class ProjectRow:
    id: int
    code: str
    name: str
    billing_type: BillingType
    required_fields: list[str] | None


@dataclass(frozen=True)
class TaskRow:
    id: int
    name: str
    billable: bool | None
    project_id: int = 0
    active: bool = True


@dataclass(frozen=True)
class WorkTypeRow:
    id: int
    name: str
    active: bool = True


PROJECT_COLUMNS = cols(ProjectRow, Project)
TASK_COLUMNS = cols(TaskRow, Task)

_PROJECT_BY_ID = Prepared(select(*PROJECT_COLUMNS).where(Project.id == bindparam("project_id")))
_VISIBLE_BY_ID = Prepared(
    select(*PROJECT_COLUMNS)
    .join(Client, Client.id == Project.client_id)
    .where(Project.id == bindparam("project_id"), Project.active.is_(True), Client.active.is_(True))
)
_TASK_BY_ID = Prepared(select(*TASK_COLUMNS).where(Task.id == bindparam("task_id")))
_OPEN_TASKS_OF = (
    select(*TASK_COLUMNS)
    .where(Task.project_id == bindparam("project_id"), Task.active.is_(True))
    .order_by(Task.name)
)
_WORK_TYPE_BY_ID = Prepared(select(*cols(WorkTypeRow, WorkType)).where(WorkType.id == bindparam("id")))
_WORK_TYPE_NAMED = Prepared(
    select(*cols(WorkTypeRow, WorkType)).where(
        WorkType.active.is_(True), func.lower(WorkType.name) == bindparam("name")
    )
)
_OPEN_WORK_TYPES = (
    select(*cols(WorkTypeRow, WorkType)).where(WorkType.active.is_(True)).order_by(WorkType.name)
)
# What the in-process project index holds (bot.services.project_index).
_VISIBLE = (
    select(*PROJECT_COLUMNS)
    .join(Client, Client.id == Project.client_id)
    .where(Project.active.is_(True), Client.active.is_(True))
    .order_by(func.lower(Project.code))
)
_OPEN_TASKS = select(*TASK_COLUMNS).where(Task.active.is_(True)).order_by(Task.id)
_APPROVER_NAME = Prepared(
    select(Person.name)
    .join(Project, Project.approver_id == Person.id)
    .where(Project.id == bindparam("project_id"))
)
_PROJECTS_BY_ID = select(*PROJECT_COLUMNS).where(Project.id.in_(bindparam("ids", expanding=True)))


def project(conn: Connection, project_id: int) -> ProjectRow | None:
    """Any project, open or closed (entries keep theirs)."""
    row = _PROJECT_BY_ID.first(conn, {"project_id": project_id})
    return ProjectRow(*row) if row else None


def visible_project(conn: Connection, project_id: int) -> ProjectRow | None:
    """An active project of an active client: the ones people may track new time on."""
    row = _VISIBLE_BY_ID.first(conn, {"project_id": project_id})
    return ProjectRow(*row) if row else None


def projects(conn: Connection, ids: set[int]) -> dict[int, ProjectRow]:
    if not ids:
        return {}
    return {r[0]: ProjectRow(*r) for r in conn.execute(_PROJECTS_BY_ID, {"ids": list(ids)})}


def visible_projects(conn: Connection) -> list[ProjectRow]:
    return [ProjectRow(*row) for row in conn.execute(_VISIBLE)]


def task(conn: Connection, task_id: int) -> TaskRow | None:
    row = _TASK_BY_ID.first(conn, {"task_id": task_id})
    return TaskRow(*row) if row else None


def open_tasks(conn: Connection) -> list[TaskRow]:
    return [TaskRow(*row) for row in conn.execute(_OPEN_TASKS)]


def tasks_of(conn: Connection, project_id: int) -> list[TaskRow]:
    """The project's open tasks, by name."""
    return [TaskRow(*r) for r in conn.execute(_OPEN_TASKS_OF, {"project_id": project_id})]


def work_type(conn: Connection, work_type_id: int) -> WorkTypeRow | None:
    row = _WORK_TYPE_BY_ID.first(conn, {"id": work_type_id})
    return WorkTypeRow(*row) if row else None


def work_type_named(conn: Connection, name: str) -> WorkTypeRow | None:
    row = _WORK_TYPE_NAMED.first(conn, {"name": name.lower()})
    return WorkTypeRow(*row) if row else None


def work_types(conn: Connection) -> list[WorkTypeRow]:
    """The open work types, by name."""
    return [WorkTypeRow(*r) for r in conn.execute(_OPEN_WORK_TYPES)]


def approver_name(conn: Connection, project_id: int) -> str | None:
    """The name of the project's own approver, if it has one."""
    return _APPROVER_NAME.scalar(conn, {"project_id": project_id})  # type: ignore[no-any-return]
