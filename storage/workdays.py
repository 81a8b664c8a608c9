"""What working-day nudges read, a whole firm at a time: the people who get them, and the
seconds logged per person and day (from ``ix_time_entries_date_person`` alone)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Date, String, Text, bindparam, cast, func, select

from storage.fast import Prepared
from storage.models import Person, Role, TimeEntry

CHUNK = 5000  # ids per IN list


class Nudgeable(NamedTuple):  # a tuple: a firm-wide read makes ten thousand of them
    id: int
    slack_id: str
    name: str
    timezone: str
    schedule: dict[str, int]
    country: str | None
    subdivision: str | None
    reminders: bool
    reminder_minutes: int
    created_at: datetime | None = None  # when they joined, if after the ``joined_since`` asked


# Read from the driver's cursor (storage.fast): a firm-wide decision reads every person, and
# the schedule as text, parsed once per distinct schedule (most people share a few).
_PEOPLE = select(
    Person.id, Person.slack_id, Person.name, Person.timezone, cast(Person.schedule, Text),
    Person.country, Person.subdivision, Person.reminders, Person.reminder_minutes,
).where(Person.active.is_(True))  # fmt: skip
_EVERYONE = Prepared(_PEOPLE.order_by(Person.id))
_JOINED = Prepared(select(Person.id, Person.created_at).where(Person.created_at >= bindparam("since")))


def people(
    conn: Connection, *, joined_since: datetime, ids: Iterable[int] | None = None, managers: bool = False
) -> list[Nudgeable]:
    """Everyone active (these ``ids`` only, or partners and admins only), reminders on or
    off; ``created_at`` is given for those who joined on or after ``joined_since``."""
    if ids is None and not managers:
        rows = _EVERYONE.rows(conn)
    else:
        statement = _PEOPLE.order_by(Person.id)
        if managers:
            statement = statement.where(Person.role.in_([Role.PARTNER, Role.ADMIN]))
        rows = []
        wanted = list(ids) if ids is not None else None
        for i in range(0, len(wanted), CHUNK) if wanted is not None else [0]:
            chunk = statement if wanted is None else statement.where(Person.id.in_(wanted[i : i + CHUNK]))
            rows += [tuple(r) for r in conn.execute(chunk)]
    joined = dict(_JOINED.rows(conn, {"since": joined_since}))
    schedules: dict[Any, dict[str, int]] = {}
    found = []
    for pid, slack_id, name, tz, schedule, country, subdivision, reminders, minutes in rows:
        key = (
            schedule
            if isinstance(schedule, str) or schedule is None
            else json.dumps(schedule, sort_keys=True)
        )
        parsed = schedules.get(key)
        if parsed is None:
            raw = json.loads(schedule) if isinstance(schedule, str) else schedule
            parsed = schedules[key] = {str(k): int(v) for k, v in (raw or {}).items()}
        found.append(Nudgeable(pid, slack_id, name, tz, parsed, country, subdivision, bool(reminders),
                               minutes, joined.get(pid)))  # fmt: skip
    return found


_LOGGED_ON = Prepared(
    select(TimeEntry.person_id, func.sum(TimeEntry.duration_seconds))
    .where(TimeEntry.date == bindparam("day", type_=Date))
    .group_by(TimeEntry.person_id)
)


_LOGGED_FOR = (
    select(TimeEntry.person_id, func.sum(TimeEntry.duration_seconds))
    .where(
        TimeEntry.date == bindparam("day", type_=Date),
        TimeEntry.person_id.in_(bindparam("ids", expanding=True)),
    )
    .group_by(TimeEntry.person_id)
)
WHOLE_DAY_FROM = 500  # people asked about one day: past this many, read the whole day's rows


def logged_on(conn: Connection, wanted: Mapping[date, Iterable[int]]) -> dict[tuple[int, str], int]:
    """The logged seconds of these people on these days (day -> person ids), by (person id,
    ISO day). A day many are asked about (the Monday, the Friday) is one indexed read of the
    whole day; a day only a few are (those back from time off) is read for them alone."""
    found: dict[tuple[int, str], int] = {}
    for day, person_ids in sorted(wanted.items()):
        iso, ids = day.isoformat(), sorted(set(person_ids))
        if len(ids) >= WHOLE_DAY_FROM:
            rows: list[Any] = _LOGGED_ON.rows(conn, {"day": day})
        else:
            rows = [r for i in range(0, len(ids), CHUNK)
                    for r in conn.execute(_LOGGED_FOR, {"day": day, "ids": ids[i : i + CHUNK]})]  # fmt: skip
        for person_id, seconds in rows:
            found[(person_id, iso)] = int(seconds)
    return found


def logged_between(
    conn: Connection, person_ids: Iterable[int], first: date, last: date
) -> dict[tuple[int, str], int]:
    """These people's logged seconds per day from ``first`` to ``last``, by (person id, ISO day)."""
    wanted = sorted(set(person_ids))
    found: dict[tuple[int, str], int] = {}
    statement = (
        select(TimeEntry.person_id, cast(TimeEntry.date, String), func.sum(TimeEntry.duration_seconds))
        .where(TimeEntry.person_id.in_(bindparam("ids", expanding=True)), TimeEntry.date.between(first, last))
        .group_by(TimeEntry.person_id, TimeEntry.date)
    )
    for i in range(0, len(wanted), CHUNK):
        for p, d, s in conn.execute(statement, {"ids": wanted[i : i + CHUNK]}):
            found[(p, d)] = int(s)
    return found


def logged_per_person(conn: Connection, first: date, last: date) -> dict[int, int]:
    """Everyone's logged seconds from ``first`` to ``last``, by person id."""
    statement = (
        select(TimeEntry.person_id, func.sum(TimeEntry.duration_seconds))
        .where(TimeEntry.date.between(first, last))
        .group_by(TimeEntry.person_id)
    )
    return {p: int(s) for p, s in conn.execute(statement)}
