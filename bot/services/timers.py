"""Running timers: start, stop, discard, status. A timer is a row, so a restart loses nothing.

Stopping a timer makes an entry through the entries service, by the same rules as any other
entry; when the rules refuse it (a timer that ran past a day, a month closed meanwhile) the
transaction rolls back and the timer runs on until it is stopped in time or discarded.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from bot.services import entries, project_index
from bot.services.entries import Invalid, Rule, Saved, Violation, rules
from storage import audit, catalog, timers
from storage.catalog import ProjectRow, TaskRow
from storage.people import PersonRow
from storage.timers import TimerRow


@dataclass(frozen=True)
class Started:
    timer: TimerRow
    project: ProjectRow
    task: TaskRow | None
    saved: Saved | None  # the timer that was running before, now saved


@dataclass(frozen=True)
class Running:
    timer: TimerRow
    project: ProjectRow
    task: TaskRow | None
    elapsed_seconds: int


@dataclass(frozen=True)
class Discarded:
    timer: TimerRow
    project: ProjectRow
    elapsed_seconds: int


def start(
    conn: Connection,
    person: PersonRow,
    *,
    project_id: int | None,
    task_id: int | None = None,
    work_type_id: int | None = None,
    description: str = "",
    now: datetime,
    origin: str = "command",
) -> Started:
    """Start a timer on an open project (and task of it); a timer already running is saved
    first (one timer per person), by the entries service's rules.

    The caller holds the person's row lock (see ``people.get_or_register``), and the unique
    key on ``running_timers.person_id`` backs it: two timers for one person cannot exist.
    """
    index = project_index.current(conn)
    project = index.by_id.get(project_id) if project_id is not None else None
    if project is None:
        raise Invalid([Violation("project", Rule.PROJECT)])
    task = None
    if task_id is not None:
        task = index.tasks_by_id.get(task_id) or catalog.task(conn, task_id)
        found = rules.task_of(project, task, newly_chosen=True) if task else [
            Violation("task", Rule.TASK_OF_PROJECT, {"code": project.code})]  # fmt: skip
        if found:
            raise Invalid(found)
    found = rules.description(description.strip())
    if found:
        raise Invalid(found)
    if work_type_id is not None:
        found = rules.work_type_open(catalog.work_type(conn, work_type_id), given=True, newly_chosen=True)
        if found:
            raise Invalid(found)
    values = dict(
        person_id=person.id,
        project_id=project.id,
        task_id=task.id if task else None,
        work_type_id=work_type_id,
        description=description.strip(),
        billable=rules.billable(project, task),
        started_at=now,
        origin=origin,
    )
    saved = None
    timer = timers.insert_timer(conn, **values, only_if_idle=True)  # type: ignore[arg-type]
    if timer is None:  # one runs: saved first, then this one starts
        running = timers.take(conn, person.id)
        assert running is not None  # the person's row lock: nobody else stopped it meanwhile
        if running.started_at < now:
            saved = entries.from_timer(conn, person, running, now=now)
        else:  # started this very instant (a double click): no time to save, it is replaced
            _record_discard(conn, person, running, project.code, 0, now=now, why="replaced at once")
        timer = timers.insert_timer(conn, **values)  # type: ignore[arg-type]
        assert timer is not None
    return Started(timer=timer, project=project, task=task, saved=saved)


def stop(
    conn: Connection,
    person: PersonRow,
    *,
    now: datetime,
    description: str | None = None,
    timer_id: int | None = None,
    end: datetime | None = None,
    begin: datetime | None = None,
) -> Saved:
    """The running timer, saved as an entry; ``description`` (given when stopping) replaces
    the one it was started with. ``timer_id``, ``end`` and ``begin``: a choice the person
    made about this very timer (see ``entries.timed``): refused when it no longer runs."""
    timer = _take(conn, person, timer_id)
    if description is not None and description.strip():
        timer = dataclasses.replace(timer, description=description.strip())
    return entries.from_timer(conn, person, timer, now=now, end=end, begin=begin)


def replace(conn: Connection, person: PersonRow, timer_id: int, *, now: datetime) -> TimerRow:
    """The timer, taken because the person logged the time it stood for by hand instead."""
    timer = _take(conn, person, timer_id)
    project = catalog.project(conn, timer.project_id)
    elapsed = max(0, int((now - timer.started_at).total_seconds()))
    _record_discard(
        conn, person, timer, project.code if project else "?", elapsed, now=now, why="logged by hand instead"
    )
    return timer


def _take(conn: Connection, person: PersonRow, timer_id: int | None) -> TimerRow:
    timer = timers.take(conn, person.id)
    if timer_id is not None and (timer is None or timer.id != timer_id):
        raise Invalid([Violation("entry", Rule.TIMER_GONE)])
    if timer is None:
        raise Invalid([Violation("entry", Rule.NO_TIMER)])
    return timer


def discard(conn: Connection, person: PersonRow, *, now: datetime, timer_id: int | None = None) -> Discarded:
    """Drop the running timer without saving its time (recorded in the audit trail)."""
    found = timers.running(conn, person.id)
    if found is None or (timer_id is not None and found[0].id != timer_id):
        raise Invalid([Violation("entry", Rule.TIMER_GONE if timer_id is not None else Rule.NO_TIMER)])
    timer, project, _task = found
    timers.take(conn, person.id)
    elapsed = max(0, int((now - timer.started_at).total_seconds()))
    _record_discard(conn, person, timer, project.code, elapsed, now=now, why="discarded")
    return Discarded(timer, project, elapsed)


def _record_discard(
    conn: Connection, person: PersonRow, timer: TimerRow, code: str, elapsed: int, *, now: datetime, why: str
) -> None:
    audit.record(
        conn,
        entry_id=None,
        actor=person.slack_id,
        action="discard",
        now=now,
        comment=f"{why}: timer on {code} started {timer.started_at.isoformat()}, {elapsed} s",
    )


def running(conn: Connection, person: PersonRow, *, now: datetime) -> Running | None:
    found = timers.running(conn, person.id)
    if found is None:
        return None
    timer, project, task = found
    return Running(timer, project, task, max(0, int((now - timer.started_at).total_seconds())))
