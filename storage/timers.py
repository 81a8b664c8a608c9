"""Running timers: one row per person at most (the unique key), so a restart loses none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, literal, select

from storage.catalog import PROJECT_COLUMNS, TASK_COLUMNS, ProjectRow, TaskRow
from storage.fast import Prepared, cols, insert_new, unpack
from storage.models import Person, Project, RunningTimer, Task, Workspace


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


_TIMER_COLUMNS = cols(TimerRow, RunningTimer)
_VALUES = (
    "person_id", "project_id", "task_id", "work_type_id", "description", "billable", "started_at", "origin",
    "created_at", "updated_at",
)  # fmt: skip
_RUNNING = Prepared(
    select(*_TIMER_COLUMNS, *PROJECT_COLUMNS, *TASK_COLUMNS)
    .join(Project, Project.id == RunningTimer.project_id)
    .outerjoin(Task, Task.id == RunningTimer.task_id)
    .where(RunningTimer.person_id == bindparam("person_id"))
)
_INSERT = Prepared(insert(RunningTimer).values({n: bindparam(n) for n in _VALUES}).returning(RunningTimer.id))
# Taking the person's timer is deleting it: one statement, and a second request finds none.
_TAKE = Prepared(
    delete(RunningTimer).where(RunningTimer.person_id == bindparam("person_id")).returning(*_TIMER_COLUMNS)
)
# A timer started only if none runs (the unique key on person_id decides): the common start
# is one statement; when one runs, the caller saves it first.
_START_IF_IDLE = insert_new(RunningTimer, _VALUES, (RunningTimer.person_id,), RunningTimer.id)
_ALL_RUNNING = select(*_TIMER_COLUMNS).order_by(RunningTimer.id)


def running(conn: Connection, person_id: int) -> tuple[TimerRow, ProjectRow, TaskRow | None] | None:
    """The person's running timer with its project and task, in one round trip."""
    found = _RUNNING.first(conn, {"person_id": person_id})
    if found is None:
        return None
    timer, project, task = unpack(found, TimerRow, ProjectRow, TaskRow)
    return timer, project, task


def take(conn: Connection, person_id: int) -> TimerRow | None:
    """The person's running timer, deleted: the caller turns it into an entry (or rolls
    back, and the timer runs on)."""
    row = _TAKE.first(conn, {"person_id": person_id})
    return TimerRow(*row) if row else None


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
    statement = _START_IF_IDLE[conn.dialect.name] if only_if_idle else _INSERT
    params = {**values, "origin": origin, "created_at": started_at, "updated_at": started_at}
    new_id = statement.scalar(conn, params)
    return None if new_id is None else TimerRow(id=new_id, **values)


def all_running(conn: Connection) -> list[TimerRow]:
    return [TimerRow(*row) for row in conn.execute(_ALL_RUNNING)]


@dataclass(frozen=True)
class OwnedTimerRow:
    """A running timer with what deciding about it needs: its owner's timezone, its
    project, and the workspace's ``forgotten_timer_minutes``."""

    id: int
    started_at: datetime
    description: str
    person_id: int
    slack_id: str
    timezone: str
    project_code: str
    forgotten_minutes: int | None  # None: no workspace row yet (the default applies)


# Every running timer of an active person, with its owner and the workspace's setting, in
# one statement: the forgotten-timers job decides over the set (one timer per person).
_OWNED = Prepared(
    select(
        RunningTimer.id,
        RunningTimer.started_at,
        RunningTimer.description,
        Person.id,
        Person.slack_id,
        Person.timezone,
        Project.code,
        Workspace.forgotten_timer_minutes,
    )  # fmt: skip
    .join(Person, Person.id == RunningTimer.person_id)
    .join(Project, Project.id == RunningTimer.project_id)
    .outerjoin(Workspace, Workspace.id == literal(1))
    .where(Person.active.is_(True), RunningTimer.started_at <= bindparam("now"))
    .order_by(RunningTimer.id)
)


def running_with_owners(conn: Connection, *, now: datetime) -> list[OwnedTimerRow]:
    """Every timer running at ``now`` (started by then) with its owner, for deciding in one go."""
    return [OwnedTimerRow(*row) for row in _OWNED.rows(conn, {"now": now})]
