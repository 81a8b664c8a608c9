"""Running timers: start, stop, status. A timer is a row, so a restart loses nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from bot.errors import UserError
from bot.services import audit, policy, project_index
from bot.services.clock import local_date
from storage import rows
from storage.models import EntrySource
from storage.rows import EntryRow, PersonRow, ProjectRow, TaskRow, TimerRow, WorkTypeRow


@dataclass(frozen=True)
class SavedEntry:
    entry: EntryRow
    project: ProjectRow
    task: TaskRow | None
    missing: list[str]  # required fields the entry still lacks


@dataclass(frozen=True)
class Started:
    timer: TimerRow
    project: ProjectRow
    task: TaskRow | None
    saved: SavedEntry | None  # the timer that was running before, now saved


@dataclass(frozen=True)
class Running:
    timer: TimerRow
    project: ProjectRow
    task: TaskRow | None
    elapsed_seconds: int


def start(
    conn: Connection,
    person: PersonRow,
    *,
    project: ProjectRow,
    task: TaskRow | None,
    work_type: WorkTypeRow | None,
    description: str,
    now: datetime,
    origin: str = "command",
) -> Started:
    """Start a timer; a timer already running is saved first (one timer per person).

    The caller holds the person's row lock (see ``people.get_or_register``), and the unique
    key on ``running_timers.person_id`` backs it: two timers for one person cannot exist.
    """
    values: dict[str, Any] = dict(
        person_id=person.id,
        project_id=project.id,
        task_id=task.id if task else None,
        work_type_id=work_type.id if work_type else None,
        description=description,
        billable=policy.default_billable(project, task),
        started_at=now,
        origin=origin,
    )
    saved = None
    timer = rows.insert_timer(conn, **values, only_if_idle=True)
    if timer is None:  # one runs: saved first, then this one starts
        saved = _save_running(conn, person, now=now)
        timer = rows.insert_timer(conn, **values)
        assert timer is not None
    return Started(timer=timer, project=project, task=task, saved=saved)


def stop(conn: Connection, person: PersonRow, *, now: datetime) -> SavedEntry:
    saved = _save_running(conn, person, now=now)
    if saved is None:
        raise UserError("No timer is running. Start one with `/track start <project>`.")
    return saved


def running(conn: Connection, person: PersonRow, *, now: datetime) -> Running | None:
    found = rows.running_timer(conn, person.id)
    if found is None:
        return None
    timer, project, task = found
    return Running(timer, project, task, max(0, int((now - timer.started_at).total_seconds())))


def _save_running(conn: Connection, person: PersonRow, *, now: datetime) -> SavedEntry | None:
    timer = rows.take_running_timer(conn, person.id)
    if timer is None:
        return None
    project = project_index.current(conn).by_id.get(timer.project_id) or rows.project_by_id(
        conn, timer.project_id
    )
    assert project is not None  # entries and timers keep their project (a foreign key)
    task = rows.task_by_id(conn, timer.task_id) if timer.task_id is not None else None
    # Whole seconds of true elapsed time: UTC instants, so a DST change in between is exact.
    seconds = max(1, int((now - timer.started_at).total_seconds()))
    entry = rows.insert_entry(
        conn,
        person_id=person.id,
        project_id=timer.project_id,
        task_id=timer.task_id,
        work_type_id=timer.work_type_id,
        day=local_date(timer.started_at, person.timezone),
        started_at=timer.started_at,
        ended_at=now,
        duration_seconds=seconds,
        description=timer.description,
        billable=timer.billable,
        source=EntrySource.TIMER,
        now=now,
    )
    audit.record(conn, entry_id=entry.id, actor=person.slack_id, action="create", now=now, after=entry,
                 comment="stopped timer")  # fmt: skip
    missing = policy.missing_fields(
        rows.workspace(conn).required_fields,
        project,
        description=entry.description,
        work_type_id=entry.work_type_id,
        task_id=entry.task_id,
    )
    return SavedEntry(entry=entry, project=project, task=task, missing=missing)
