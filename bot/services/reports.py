"""A person's day and week: entries, totals and their schedule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection

from bot.services import project_index
from bot.services.clock import local_date, scheduled_seconds, week_bounds
from bot.services.timers import Running, running
from storage import entries
from storage.catalog import ProjectRow, TaskRow
from storage.entries import EntryRow, Totals
from storage.people import PersonRow


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
    # How many entries the period holds, when ``lines`` is only a window of them (the Home
    # tab reads what it shows); None: ``lines`` is all of them.
    count: int | None = None

    @property
    def line_count(self) -> int:
        return len(self.lines) if self.count is None else self.count

    @property
    def total_with_running(self) -> int:
        return self.total_seconds + (self.running.elapsed_seconds if self.running else 0)


def period(conn: Connection, person: PersonRow, *, label: str, now: datetime) -> Period:
    today = local_date(now, person.timezone)
    first, last = (today, today) if label == "today" else week_bounds(today)
    found = entries.entries_between(conn, person.id, first, last, known=project_index.current(conn).by_id)
    lines = [EntryLine(e, p, t) for e, p, t in found]
    return _period(person, label, first, last, lines, running(conn, person, now=now))


def today_and_week(
    conn: Connection, person: PersonRow, *, now: datetime, today_lines: int, earlier_lines: int
) -> tuple[Period, Period]:
    """Today and this week with their totals, the running timer read once, and only windows
    of their entries: today's first ``today_lines`` in day order, and the week's latest
    ``earlier_lines`` before today (plus today's window). A week of a hundred entries a day
    costs what a page shows."""
    today = local_date(now, person.timezone)
    first, last = week_bounds(today)
    projects = project_index.current(conn).by_id
    window = entries.entries_window(conn, person.id, today, today, limit=today_lines, known=projects)
    todays = [EntryLine(e, p, t) for e, p, t in window]
    earlier: list[EntryLine] = []
    if first < today:
        before = today - timedelta(days=1)
        found = entries.entries_window(
            conn, person.id, first, before, limit=earlier_lines, latest_first=True, known=projects
        )
        earlier = [EntryLine(e, p, t) for e, p, t in reversed(found)]
    day, week = (
        entries.totals_between(conn, person.id, today, today),
        entries.totals_between(conn, person.id, first, last),
    )
    run = running(conn, person, now=now)
    return (
        _period(person, "today", today, today, todays, run, day),
        _period(person, "week", first, last, earlier + todays, run, week),
    )


def _period(
    person: PersonRow,
    label: str,
    first: date,
    last: date,
    lines: list[EntryLine],
    run: Running | None,
    totals: Totals | None = None,
) -> Period:
    """``totals``: the period's own, when ``lines`` is only a window of its entries."""
    if totals is None:
        totals = Totals(
            len(lines),
            sum(line.entry.duration_seconds for line in lines),
            sum(line.entry.duration_seconds for line in lines if line.entry.billable),
        )
    return Period(
        label=label,
        first=first,
        last=last,
        lines=lines,
        total_seconds=totals.seconds,
        billable_seconds=totals.billable_seconds,
        scheduled_seconds=scheduled_seconds(person.schedule or {}, first, last),
        running=run,
        count=totals.count,
    )


def today_seconds(conn: Connection, person: PersonRow, *, now: datetime) -> int:
    today = local_date(now, person.timezone)
    return entries.seconds_between(conn, person.id, today, today)
