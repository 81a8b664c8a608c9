"""A person's day and week: entries, totals and their schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection

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
    found = rows.entries_between(conn, person.id, first, last)
    lines = [EntryLine(e, p, t) for e, p, t in found]
    return Period(
        label=label,
        first=first,
        last=last,
        lines=lines,
        total_seconds=sum(line.entry.duration_seconds for line in lines),
        billable_seconds=sum(line.entry.duration_seconds for line in lines if line.entry.billable),
        scheduled_seconds=scheduled_seconds(person.schedule or {}, first, last),
        running=running(conn, person, now=now),
    )


def today_seconds(conn: Connection, person: PersonRow, *, now: datetime) -> int:
    today = local_date(now, person.timezone)
    return rows.seconds_between(conn, person.id, today, today)
