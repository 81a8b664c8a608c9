"""A person's day and week: entries, totals and their schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection

from bot.services import project_index
from bot.services.clock import local_date, scheduled_seconds, week_bounds
from bot.services.timers import Running, running
from storage import rows
from storage.rows import EntryRow, PersonRow, ProjectRow, TaskRow


@dataclass(frozen=True)
class EntryLine:
    entry: EntryRow
    project: ProjectRow
    task: TaskRow | None


@dataclass(frozen=True)
class Period:
    label: str  # "today" or "week"
    first: date
    last: date
    lines: list[EntryLine]
    total_seconds: int
    billable_seconds: int
    scheduled_seconds: int
    running: Running | None

    @property
    def total_with_running(self) -> int:
        return self.total_seconds + (self.running.elapsed_seconds if self.running else 0)


def period(conn: Connection, person: PersonRow, *, label: str, now: datetime) -> Period:
    today = local_date(now, person.timezone)
    first, last = (today, today) if label == "today" else week_bounds(today)
    lines = [EntryLine(e, p, t) for e, p, t in rows.entries_between(conn, person.id, first, last)]
    return _period(person, label, first, last, lines, running(conn, person, now=now))


def today_and_week(conn: Connection, person: PersonRow, *, now: datetime) -> tuple[Period, Period]:
    """Both at once: the week's entries and the running timer are read once, today's taken from them."""
    today = local_date(now, person.timezone)
    first, last = week_bounds(today)
    projects = project_index.current(conn).by_id
    found = rows.entries_between(conn, person.id, first, last, projects=projects)
    lines = [EntryLine(e, p, t) for e, p, t in found]
    run = running(conn, person, now=now)
    todays = [line for line in lines if line.entry.date == today]
    return _period(person, "today", today, today, todays, run), _period(
        person, "week", first, last, lines, run
    )


def _period(
    person: PersonRow, label: str, first: date, last: date, lines: list[EntryLine], run: Running | None
) -> Period:
    return Period(
        label=label,
        first=first,
        last=last,
        lines=lines,
        total_seconds=sum(line.entry.duration_seconds for line in lines),
        billable_seconds=sum(line.entry.duration_seconds for line in lines if line.entry.billable),
        scheduled_seconds=scheduled_seconds(person.schedule or {}, first, last),
        running=run,
    )


def today_seconds(conn: Connection, person: PersonRow, *, now: datetime) -> int:
    today = local_date(now, person.timezone)
    return rows.seconds_between(conn, person.id, today, today)
