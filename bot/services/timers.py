"""Running timers: start, stop, status. A timer is a row, so a restart loses nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.errors import UserError
from bot.services import policy
from bot.services.clock import local_date
from storage import queries
from storage.models import (
    EntrySource,
    Person,
    Project,
    RunningTimer,
    Task,
    TimeEntry,
    WorkType,
)


@dataclass(frozen=True)
class SavedEntry:
    entry: TimeEntry
    project: Project
    task: Task | None
    missing: list[str]  # required fields the entry still lacks


@dataclass(frozen=True)
class Started:
    timer: RunningTimer
    project: Project
    task: Task | None
    saved: SavedEntry | None  # the timer that was running before, now saved


def start(
    session: Session,
    person: Person,
    *,
    project: Project,
    task: Task | None,
    work_type: WorkType | None,
    description: str,
    now: datetime,
    origin: str = "command",
) -> Started:
    """Start a timer; a timer already running is saved first (one timer per person)."""
    saved = _save_running(session, person, now=now)
    billable = policy.default_billable(project, task)
    timer = RunningTimer(
        person_id=person.id,
        project_id=project.id,
        task_id=task.id if task else None,
        work_type_id=work_type.id if work_type else None,
        description=description,
        billable=billable,
        started_at=now,
        origin=origin,
        created_at=now,
        updated_at=now,
    )
    session.add(timer)
    session.flush()
    return Started(timer=timer, project=project, task=task, saved=saved)


def stop(session: Session, person: Person, *, now: datetime) -> SavedEntry:
    saved = _save_running(session, person, now=now)
    if saved is None:
        raise UserError("No timer is running. Start one with `/track start <project>`.")
    return saved


@dataclass(frozen=True)
class Running:
    timer: RunningTimer
    project: Project
    task: Task | None
    elapsed_seconds: int


def running(session: Session, person: Person, *, now: datetime) -> Running | None:
    timer = queries.running_timer(session, person.id)
    if timer is None:
        return None
    project = session.get_one(Project, timer.project_id)
    task = session.get(Task, timer.task_id) if timer.task_id else None
    return Running(timer, project, task, max(0, int((now - timer.started_at).total_seconds())))


def _save_running(session: Session, person: Person, *, now: datetime) -> SavedEntry | None:
    timer = queries.running_timer(session, person.id, for_update=True)
    if timer is None:
        return None
    project = session.get_one(Project, timer.project_id)
    task = session.get(Task, timer.task_id) if timer.task_id else None
    # Whole seconds of true elapsed time: UTC instants, so a DST change in between is exact.
    seconds = max(1, int((now - timer.started_at).total_seconds()))
    entry = TimeEntry(
        person_id=person.id,
        project_id=timer.project_id,
        task_id=timer.task_id,
        work_type_id=timer.work_type_id,
        date=local_date(timer.started_at, person.timezone),
        started_at=timer.started_at,
        ended_at=now,
        duration_seconds=seconds,
        description=timer.description,
        billable=timer.billable,
        source=EntrySource.TIMER,
        created_at=now,
        updated_at=now,
    )
    session.delete(timer)
    session.add(entry)
    session.flush()
    missing = policy.missing_fields(
        queries.workspace(session),
        project,
        description=entry.description,
        work_type_id=entry.work_type_id,
        task_id=entry.task_id,
    )
    return SavedEntry(entry=entry, project=project, task=task, missing=missing)
