"""A person's day and week: entries, totals and their schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.services.clock import local_date, scheduled_seconds, week_bounds
from bot.services.timers import Running, running
from storage import queries
from storage.models import Person, Project, Task, TimeEntry


@dataclass(frozen=True)
class EntryLine:
    entry: TimeEntry
    project: Project
    task: Task | None


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


def period(session: Session, person: Person, *, label: str, now: datetime) -> Period:
    today = local_date(now, person.timezone)
    first, last = (today, today) if label == "today" else week_bounds(today)
    rows = queries.entries_between(session, person.id, first, last)
    lines = [EntryLine(e, p, t) for e, p, t in rows]
    return Period(
        label=label,
        first=first,
        last=last,
        lines=lines,
        total_seconds=sum(line.entry.duration_seconds for line in lines),
        billable_seconds=sum(line.entry.duration_seconds for line in lines if line.entry.billable),
        scheduled_seconds=scheduled_seconds(person.schedule or {}, first, last),
        running=running(session, person, now=now),
    )


def today_seconds(session: Session, person: Person, *, now: datetime) -> int:
    today = local_date(now, person.timezone)
    return queries.seconds_between(session, person.id, today, today)
