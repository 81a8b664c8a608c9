"""What working-day nudges read, a whole firm at a time: the people who get them, and the
seconds logged per person and day (from ``ix_time_entries_date_person`` alone)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection, bindparam, func, select

from storage.fast import cols
from storage.models import Person, TimeEntry

CHUNK = 5000  # ids per IN list


@dataclass(frozen=True)
class Nudgeable:
    id: int
    slack_id: str
    name: str
    timezone: str
    schedule: dict[str, int]
    country: str | None
    subdivision: str | None
    reminders: bool
    reminder_minutes: int
    created_at: datetime


_COLUMNS = cols(Nudgeable, Person)


def people(conn: Connection, *, ids: Iterable[int] | None = None) -> list[Nudgeable]:
    """Everyone active (these ``ids`` only, when given), reminders on or off."""
    statement = select(*_COLUMNS).where(Person.active.is_(True)).order_by(Person.id)
    if ids is None:
        return [Nudgeable(*r) for r in conn.execute(statement)]
    found: list[Nudgeable] = []
    wanted = list(ids)
    for i in range(0, len(wanted), CHUNK):
        found += [Nudgeable(*r) for r in conn.execute(statement.where(Person.id.in_(wanted[i : i + CHUNK])))]
    return found


def logged_on(conn: Connection, days: Iterable[date]) -> dict[tuple[int, date], int]:
    """Everyone's logged seconds on these days, by (person id, day)."""
    wanted = sorted(set(days))
    if not wanted:
        return {}
    statement = (
        select(TimeEntry.person_id, TimeEntry.date, func.sum(TimeEntry.duration_seconds))
        .where(TimeEntry.date.in_(bindparam("days", expanding=True)))
        .group_by(TimeEntry.date, TimeEntry.person_id)
    )
    return {(p, d): int(s) for p, d, s in conn.execute(statement, {"days": wanted})}


def logged_between(
    conn: Connection, person_ids: Iterable[int], first: date, last: date
) -> dict[tuple[int, date], int]:
    """These people's logged seconds per day from ``first`` to ``last``."""
    wanted = sorted(set(person_ids))
    found: dict[tuple[int, date], int] = {}
    statement = (
        select(TimeEntry.person_id, TimeEntry.date, func.sum(TimeEntry.duration_seconds))
        .where(TimeEntry.person_id.in_(bindparam("ids", expanding=True)), TimeEntry.date.between(first, last))
        .group_by(TimeEntry.person_id, TimeEntry.date)
    )
    for i in range(0, len(wanted), CHUNK):
        for p, d, s in conn.execute(statement, {"ids": wanted[i : i + CHUNK]}):
            found[(p, d)] = int(s)
    return found
