"""Plain snapshots of rows, read and written with Core statements on the request hot path.

The ORM's unit of work costs about 1 ms per ``/track`` request here; these Core statements
(compiled once, cached by SQLAlchemy) do the same work in a fraction of that, which is what
keeps Punchcard's ack latency within a few times a bare Bolt app's (see bench/).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, case, delete, func, insert, literal, select
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect

from storage.fast import Prepared
from storage.models import (
    BillingType,
    EntrySource,
    EntryStatus,
    Person,
    Project,
    Role,
    RunningTimer,
    Task,
    TimeEntry,
    Workspace,
    WorkType,
)


@dataclass(frozen=True)
class PersonRow:
    id: int
    slack_id: str
    name: str
    role: Role
    timezone: str
    timezone_from_import: bool
    schedule: dict[str, int]


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


@dataclass(frozen=True)
class WorkTypeRow:
    id: int
    name: str


@dataclass(frozen=True)
class TimerRow:
    id: int
    person_id: int
    project_id: int
    task_id: int | None
    work_type_id: int | None
    description: str
    billable: bool
    started_at: datetime


@dataclass(frozen=True)
class EntryRow:
    id: int
    person_id: int
    project_id: int
    task_id: int | None
    work_type_id: int | None
    date: date
    started_at: datetime | None
    ended_at: datetime | None
    duration_seconds: int
    description: str
    billable: bool
    status: EntryStatus
    source: EntrySource


@dataclass(frozen=True)
class WorkspaceRow:
    timezone: str
    required_fields: list[str]
    min_description_length: int = 0
    catalog_version: int = 0  # bumped by the import when the catalog changes (project_index)


_PERSON_COLUMNS = (
    Person.id, Person.slack_id, Person.name, Person.role, Person.timezone,
    Person.timezone_from_import, Person.schedule,
)  # fmt: skip
_PROJECT_COLUMNS = (Project.id, Project.code, Project.name, Project.billing_type, Project.required_fields)
_TASK_COLUMNS = (Task.id, Task.name, Task.billable)
_TIMER_COLUMNS = (
    RunningTimer.id, RunningTimer.person_id, RunningTimer.project_id, RunningTimer.task_id,
    RunningTimer.work_type_id, RunningTimer.description, RunningTimer.billable, RunningTimer.started_at,
)  # fmt: skip
_PR, _T = len(_PROJECT_COLUMNS), len(_TIMER_COLUMNS)

# Statements are built and compiled once (storage.fast): building, compiling and running a
# statement through the full execution machinery per request costs more than running it.
_WORKSPACE_COLUMNS = (
    Workspace.timezone,
    Workspace.required_fields,
    Workspace.min_description_length,
    Workspace.catalog_version,
)
_WORKSPACE = Prepared(select(*_WORKSPACE_COLUMNS).where(Workspace.id == literal(1)))
# The person comes with the workspace's settings: the request that reads one reads the other.
_PERSON = (
    select(*_PERSON_COLUMNS, Workspace.id, *_WORKSPACE_COLUMNS)
    .outerjoin(Workspace, Workspace.id == literal(1))
    .where(Person.slack_id == bindparam("slack_id"))
)
_PERSON_Q = Prepared(_PERSON)
_PERSON_LOCKED = Prepared(_PERSON.with_for_update(of=Person))
_P = len(_PERSON_COLUMNS)
_IN_TRANSACTION = "punchcard.workspace"
_WORK_TYPE_NAMED = Prepared(
    select(WorkType.id, WorkType.name).where(
        WorkType.active.is_(True), func.lower(WorkType.name) == bindparam("name")
    )
)
_WORK_TYPE_NAMES = Prepared(select(WorkType.name).where(WorkType.active.is_(True)).order_by(WorkType.name))
_RUNNING = (
    select(*_TIMER_COLUMNS, *_PROJECT_COLUMNS, *_TASK_COLUMNS)
    .join(Project, Project.id == RunningTimer.project_id)
    .outerjoin(Task, Task.id == RunningTimer.task_id)
    .where(RunningTimer.person_id == bindparam("person_id"))
)
_RUNNING_Q = Prepared(_RUNNING)


_TIMER_VALUES = (
    "person_id", "project_id", "task_id", "work_type_id", "description", "billable", "started_at", "origin",
    "created_at", "updated_at",
)  # fmt: skip


def _insert(model: Any, *names: str) -> Prepared:
    """INSERT of exactly these columns (each a bind of its own name), returning the new id."""
    return Prepared(insert(model).values({n: bindparam(n) for n in names}).returning(model.id))


_INSERT_PERSON = _insert(
    Person, "slack_id", "name", "role", "timezone", "timezone_from_import", "schedule", "active",
    "created_at", "updated_at",
)  # fmt: skip
_INSERT_TIMER = _insert(RunningTimer, *_TIMER_VALUES)
# Taking the person's timer is deleting it: one statement, and a second request finds none.
_TAKE_TIMER = Prepared(
    delete(RunningTimer).where(RunningTimer.person_id == bindparam("person_id")).returning(*_TIMER_COLUMNS)
)
# A timer started only if none runs (the unique key on person_id decides): the common start
# is one statement; when one runs, the caller saves it first.
_START_IF_IDLE = {
    name: Prepared(
        module.insert(RunningTimer)
        .values({n: bindparam(n) for n in _TIMER_VALUES})
        .on_conflict_do_nothing(index_elements=[RunningTimer.person_id])
        .returning(RunningTimer.id)
    )
    for name, module in (("sqlite", sqlite_dialect), ("postgresql", postgresql_dialect))
}
_PROJECT_BY_ID = Prepared(select(*_PROJECT_COLUMNS).where(Project.id == bindparam("project_id")))
_TASK_BY_ID = Prepared(select(*_TASK_COLUMNS).where(Task.id == bindparam("task_id")))
_INSERT_ENTRY = _insert(
    TimeEntry, "person_id", "project_id", "task_id", "work_type_id", "date", "started_at", "ended_at",
    "duration_seconds", "description", "billable", "status", "source", "created_at", "updated_at",
)  # fmt: skip
_SECONDS_BETWEEN = Prepared(
    select(func.coalesce(func.sum(TimeEntry.duration_seconds), 0)).where(
        TimeEntry.person_id == bindparam("person_id"),
        TimeEntry.date >= bindparam("first"),
        TimeEntry.date <= bindparam("last"),
    )
)


def person(conn: Connection, slack_id: str, *, for_update: bool = False) -> PersonRow | None:
    """``for_update`` locks the person's row: their timer changes one request at a time."""
    row = (_PERSON_LOCKED if for_update else _PERSON_Q).first(conn, {"slack_id": slack_id})
    if row is None:
        return None
    transaction = conn.get_transaction()
    if row[_P] is not None and transaction is not None:  # kept for workspace() in this transaction
        # A weak reference: conn.info outlives the transaction, which must not be kept alive.
        conn.info[_IN_TRANSACTION] = (weakref.ref(transaction), _workspace_row(row[_P + 1 :]))
    return PersonRow(*row[:_P])


def workspace(conn: Connection) -> WorkspaceRow:
    """The workspace's settings; read with the person earlier in this transaction, or now."""
    kept = conn.info.get(_IN_TRANSACTION)
    transaction = conn.get_transaction()
    if kept is not None and transaction is not None and kept[0]() is transaction:
        return kept[1]  # type: ignore[no-any-return]
    row = _WORKSPACE.first(conn)
    return _workspace_row(row) if row else WorkspaceRow("UTC", [])


def _workspace_row(row: tuple[Any, ...]) -> WorkspaceRow:
    return WorkspaceRow(row[0], list(row[1] or []), row[2] or 0, row[3] or 0)


def work_type_named(conn: Connection, name: str) -> WorkTypeRow | None:
    row = _WORK_TYPE_NAMED.first(conn, {"name": name.lower()})
    return WorkTypeRow(*row) if row else None


def work_type_names(conn: Connection) -> list[str]:
    return [row[0] for row in _WORK_TYPE_NAMES.rows(conn)]


def running_timer(conn: Connection, person_id: int) -> tuple[TimerRow, ProjectRow, TaskRow | None] | None:
    """The person's running timer with its project and task, in one round trip."""
    found = _RUNNING_Q.first(conn, {"person_id": person_id})
    if found is None:
        return None
    row: tuple[Any, ...] = tuple(found)
    task_row = TaskRow(*row[_T + _PR :]) if row[_T + _PR] is not None else None
    return TimerRow(*row[:_T]), ProjectRow(*row[_T : _T + _PR]), task_row


def take_running_timer(conn: Connection, person_id: int) -> TimerRow | None:
    """The person's running timer, deleted: the caller turns it into an entry."""
    row = _TAKE_TIMER.first(conn, {"person_id": person_id})
    return TimerRow(*row) if row else None


def project_by_id(conn: Connection, project_id: int) -> ProjectRow | None:
    row = _PROJECT_BY_ID.first(conn, {"project_id": project_id})
    return ProjectRow(*row) if row else None


def task_by_id(conn: Connection, task_id: int) -> TaskRow | None:
    row = _TASK_BY_ID.first(conn, {"task_id": task_id})
    return TaskRow(*row) if row else None


def insert_timer(
    conn: Connection,
    *,
    person_id: int,
    project_id: int,
    task_id: int | None,
    work_type_id: int | None,
    description: str,
    billable: bool,
    started_at: datetime,
    origin: str,
    only_if_idle: bool = False,
) -> TimerRow | None:
    """The new timer. ``only_if_idle``: None, and nothing written, when the person's timer
    already runs (the unique key on person_id decides), so the common start is one statement."""
    values: dict[str, Any] = dict(
        person_id=person_id, project_id=project_id, task_id=task_id, work_type_id=work_type_id,
        description=description, billable=billable, started_at=started_at,
    )  # fmt: skip
    statement = _INSERT_TIMER
    if only_if_idle:
        if_idle = _START_IF_IDLE.get(conn.dialect.name)
        if if_idle is None:
            return None  # another database: the caller takes the two-step path
        statement = if_idle
    params = {**values, "origin": origin, "created_at": started_at, "updated_at": started_at}
    new_id = statement.scalar(conn, params)
    return None if new_id is None else TimerRow(id=new_id, **values)


def insert_person(conn: Connection, *, slack_id: str, name: str, timezone: str, now: datetime) -> PersonRow:
    """A member registered on first use (people from the import are upserted by it)."""
    values: dict[str, Any] = dict(
        slack_id=slack_id, name=name, role=Role.MEMBER, timezone=timezone,
        timezone_from_import=False, schedule={},
    )  # fmt: skip
    new_id = _INSERT_PERSON.scalar(conn, {**values, "active": True, "created_at": now, "updated_at": now})
    return PersonRow(id=new_id, **values)


def insert_entry(
    conn: Connection,
    *,
    person_id: int,
    project_id: int,
    task_id: int | None,
    work_type_id: int | None,
    day: date,
    started_at: datetime | None,
    ended_at: datetime | None,
    duration_seconds: int,
    description: str,
    billable: bool,
    source: EntrySource,
    now: datetime,
) -> EntryRow:
    values: dict[str, Any] = dict(
        person_id=person_id, project_id=project_id, task_id=task_id, work_type_id=work_type_id,
        date=day, started_at=started_at, ended_at=ended_at, duration_seconds=duration_seconds,
        description=description, billable=billable, status=EntryStatus.DRAFT, source=source,
    )  # fmt: skip
    new_id = _INSERT_ENTRY.scalar(conn, {**values, "created_at": now, "updated_at": now})
    return EntryRow(id=new_id, **values)


def seconds_between(conn: Connection, person_id: int, first: date, last: date) -> int:
    return int(_SECONDS_BETWEEN.scalar(conn, {"person_id": person_id, "first": first, "last": last}) or 0)


_ENTRY_COLUMNS = (
    TimeEntry.id, TimeEntry.person_id, TimeEntry.project_id, TimeEntry.task_id, TimeEntry.work_type_id,
    TimeEntry.date, TimeEntry.started_at, TimeEntry.ended_at, TimeEntry.duration_seconds,
    TimeEntry.description, TimeEntry.billable, TimeEntry.status, TimeEntry.source,
)  # fmt: skip


_ENTRY_AND_TASK = select(*_ENTRY_COLUMNS, Task.id, Task.name, Task.billable).outerjoin(
    Task, Task.id == TimeEntry.task_id
)
_PERSON_BETWEEN = (
    TimeEntry.person_id == bindparam("person_id"),
    TimeEntry.date >= bindparam("first"),
    TimeEntry.date <= bindparam("last"),
)
_IN_DAY_ORDER = (TimeEntry.date, TimeEntry.started_at, TimeEntry.id)
_ENTRIES_BETWEEN = Prepared(_ENTRY_AND_TASK.where(*_PERSON_BETWEEN).order_by(*_IN_DAY_ORDER))
# A window of a period's entries: the first ones in day order, or the latest first.
_FIRST_BETWEEN = Prepared(
    _ENTRY_AND_TASK.where(*_PERSON_BETWEEN).order_by(*_IN_DAY_ORDER).limit(bindparam("limit"))
)
_LATEST_BETWEEN = Prepared(
    _ENTRY_AND_TASK.where(*_PERSON_BETWEEN)
    .order_by(TimeEntry.date.desc(), TimeEntry.id.desc())
    .limit(bindparam("limit"))
)
_TOTALS_BETWEEN = Prepared(
    select(
        func.count(),
        func.coalesce(func.sum(TimeEntry.duration_seconds), 0),
        func.coalesce(func.sum(case((TimeEntry.billable.is_(True), TimeEntry.duration_seconds), else_=0)), 0),
    ).where(*_PERSON_BETWEEN)
)


@dataclass(frozen=True)
class Totals:
    count: int
    seconds: int
    billable_seconds: int


def totals_between(conn: Connection, person_id: int, first: date, last: date) -> Totals:
    row = _TOTALS_BETWEEN.first(conn, {"person_id": person_id, "first": first, "last": last})
    return Totals(*(int(v or 0) for v in row)) if row else Totals(0, 0, 0)


def entries_window(
    conn: Connection,
    person_id: int,
    first: date,
    last: date,
    *,
    limit: int,
    latest_first: bool = False,
    projects: dict[int, ProjectRow] | None = None,
) -> list[tuple[EntryRow, ProjectRow, TaskRow | None]]:
    """At most ``limit`` of the person's entries dated first..last: the first ones in day
    order, or the latest first. What a page shows, whatever the period holds."""
    statement = _LATEST_BETWEEN if latest_first else _FIRST_BETWEEN
    found = statement.rows(conn, {"person_id": person_id, "first": first, "last": last, "limit": limit})
    return _with_projects(conn, found, projects)


_PROJECTS_BY_ID = select(*_PROJECT_COLUMNS).where(Project.id.in_(bindparam("ids", expanding=True)))


def entries_between(
    conn: Connection,
    person_id: int,
    first: date,
    last: date,
    *,
    projects: dict[int, ProjectRow] | None = None,
) -> list[tuple[EntryRow, ProjectRow, TaskRow | None]]:
    """The person's entries dated first..last with their projects and tasks. ``projects``
    (the in-process project index's) saves reading a project per row; projects not in it
    (closed since) are read in one query."""
    found = _ENTRIES_BETWEEN.rows(conn, {"person_id": person_id, "first": first, "last": last})
    return _with_projects(conn, found, projects)


def _with_projects(
    conn: Connection, found: list[tuple[Any, ...]], projects: dict[int, ProjectRow] | None
) -> list[tuple[EntryRow, ProjectRow, TaskRow | None]]:
    """Entry-and-task rows with their projects: from ``projects`` (the in-process project
    index's), and those not in it (closed since) read in one query."""
    known = projects or {}
    e = len(_ENTRY_COLUMNS)
    missing = {row[2] for row in found if row[2] not in known}
    if missing:
        known = {
            **known,
            **{r[0]: ProjectRow(*r) for r in conn.execute(_PROJECTS_BY_ID, {"ids": list(missing)})},
        }
    out = []
    for row in found:
        task = TaskRow(*row[e:]) if row[e] is not None else None
        out.append((EntryRow(*row[:e]), known[row[2]], task))
    return out


def person_row(p: Person) -> PersonRow:
    return PersonRow(p.id, p.slack_id, p.name, p.role, p.timezone, p.timezone_from_import, p.schedule or {})


def entry_row(e: TimeEntry) -> EntryRow:
    return EntryRow(
        e.id, e.person_id, e.project_id, e.task_id, e.work_type_id, e.date, e.started_at, e.ended_at,
        e.duration_seconds, e.description, e.billable, e.status, e.source,
    )  # fmt: skip


def project_row(p: Project) -> ProjectRow:
    return ProjectRow(p.id, p.code, p.name, p.billing_type, p.required_fields)


def task_row(t: Task) -> TaskRow:
    return TaskRow(t.id, t.name, t.billable)
