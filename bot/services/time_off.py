"""Time off: ``/track off``, the nudge's **I was off**, and the import's ``time_off:``.

A day off is recorded per day (whole, or some hours of it); a day recorded again replaces
what it had. Days off change what the working calendar expects (``bot.services.calendar``),
so a nudge showing one of them is redrawn in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection

from bot.errors import Refused
from bot.services import missing_hours
from bot.services.calendar import Calendar, holiday, region_of
from bot.services.clock import local_date
from storage import people, time_off
from storage.people import PersonRow
from storage.time_off import TimeOffRow

MAX_DAYS = 366  # one request covers at most a year
PAST_DAYS = 62  # time off may be recorded this far back (the nudges look two weeks back)


@dataclass(frozen=True)
class TimeOffTaken:
    first: date
    last: date
    seconds: int | None  # per day; None: whole days
    reason: str
    working_days: list[date]  # of the range, the days the schedule expected hours on
    holidays: list[tuple[date, str]]  # public holidays in the range (already free)


@dataclass(frozen=True)
class TimeOffCancelled:
    first: date
    last: date
    removed: int


@dataclass(frozen=True)
class TimeOffList:
    days: list[TimeOffRow]


def _check(person: PersonRow, first: date, last: date, *, now: datetime) -> None:
    if last < first:
        raise Refused("time_off_reversed", first=first, last=last)
    if (last - first).days + 1 > MAX_DAYS:
        raise Refused("time_off_too_long", days=MAX_DAYS)
    if first < local_date(now, person.timezone) - timedelta(days=PAST_DAYS):
        raise Refused("time_off_too_old", days=PAST_DAYS)


def take(
    conn: Connection, person: PersonRow, first: date, last: date, *, seconds: int | None, reason: str,
    now: datetime, cause: str = "off",
) -> TimeOffTaken:  # fmt: skip
    """Record ``first``..``last`` off (``seconds`` of each day, or whole days)."""
    _check(person, first, last, now=now)
    if seconds is not None and not 0 < seconds <= 24 * 3600:
        raise Refused("time_off_hours")
    day = first
    while day <= last:
        time_off.record(conn, person_id=person.id, day=day, seconds=seconds, reason=reason, now=now)
        day += timedelta(days=1)
    workspace = people.workspace(conn)
    region = region_of(person.country, person.subdivision, workspace.country, workspace.subdivision)
    plain = Calendar(person.schedule, region)
    working = plain.working_days(first, last)
    free = [(d, name) for d in _days(first, last) if (name := holiday(region, d)) and plain.scheduled(d)]
    missing_hours.redraw(
        conn, person.slack_id, person.timezone, now=now, cause=f"{cause}:{first}:{last}:{now.timestamp()}"
    )
    return TimeOffTaken(first, last, seconds, reason, working, free)


def cancel(
    conn: Connection, person: PersonRow, first: date, last: date, *, now: datetime
) -> TimeOffCancelled:
    _check(person, first, last, now=now)
    removed = sum(time_off.remove(conn, person_id=person.id, day=d) for d in _days(first, last))
    if removed:
        missing_hours.redraw(conn, person.slack_id, person.timezone, now=now,
                             cause=f"cancel:{first}:{last}:{now.timestamp()}")  # fmt: skip
    return TimeOffCancelled(first, last, removed)


def upcoming(conn: Connection, person: PersonRow, *, now: datetime) -> TimeOffList:
    """The person's days off from two weeks ago to a year ahead."""
    today = local_date(now, person.timezone)
    found = time_off.of_person(conn, person.id, today - timedelta(days=14), today + timedelta(days=MAX_DAYS))
    return TimeOffList(sorted(found.values(), key=lambda r: r.date))


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
