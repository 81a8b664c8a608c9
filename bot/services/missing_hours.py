"""Missing-hours nudges: each morning, in each person's own day, whoever's previous working
day fell short of their schedule hears of it, with the earlier short days of the last two
weeks, and buttons that fill the gap.

Deciding is set-based (``due``): everyone's calendar in one read, the seconds logged on the
few distinct previous working days in one indexed read, the earlier days only for those
short. A nudge is an outbox row keyed ``missing-hours:<person>:<their local day>``, so it is
queued once a day however often the job runs, in however many processes. It is rendered
from the state at send time (``state``), and redrawn in place when an entry or a day off
changes one of its days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from bot.services.calendar import Calendar, Calendars, Region
from bot.services.clock import local_date, local_time
from storage import outbox, people, time_off, workdays
from storage.events import EntryEvent
from storage.models import OutboxStatus
from storage.workdays import Nudgeable

LOOK_BACK = 14  # days: how far back short days are listed
EARLIER = 4  # earlier short days listed beside the previous working day
SNOOZE = timedelta(hours=2)
MAX_SNOOZES = 5  # a day's nudge can be snoozed this often
KIND = "missing_hours"
CONSUMER = "missing-hours"


@dataclass(frozen=True)
class DayState:
    day: date
    expected: int  # seconds
    logged: int
    off: str | None = None  # "off" / "holiday" when the day expects nothing any more

    @property
    def missing(self) -> int:
        return max(0, self.expected - self.logged)


@dataclass(frozen=True)
class Nudge:
    slack_id: str
    today: date  # the person's local day it is sent on
    days: list[DayState]  # the previous working day first, then earlier ones, newest first
    reminder_minutes: int = 570
    tolerance: int = 1800  # seconds
    snoozes: int = 0  # which snooze of the day this message is

    @property
    def short(self) -> list[DayState]:
        return [d for d in self.days if d.missing > self.tolerance]

    def payload(self) -> dict[str, Any]:
        return {"person": self.slack_id, "today": self.today.isoformat(), "snoozes": self.snoozes,
                "days": [d.day.isoformat() for d in self.days]}  # fmt: skip


def nudge_key(slack_id: str, today: date, snoozes: int = 0) -> str:
    base = f"missing-hours:{slack_id}:{today.isoformat()}"
    return base if snoozes == 0 else f"{base}:snooze-{snoozes}"


def keys_of_day(slack_id: str, today: date) -> list[str]:
    return [nudge_key(slack_id, today, n) for n in range(MAX_SNOOZES + 1)]


def _working_answer(calendar: Calendar, today: date) -> tuple[Calendar, date | None, int]:
    """(the calendar, the previous working day when today is one, what that day expects)."""
    previous = calendar.previous_working_day(today, back=LOOK_BACK) if calendar.expected(today) else None
    return calendar, previous, calendar.expected(previous) if previous else 0


def _joined_since(now: datetime) -> datetime:
    """Who joined since this may have days before they joined in the window looked at."""
    return now - timedelta(days=LOOK_BACK + 2)


@dataclass(frozen=True)
class Short:
    """Someone to nudge: whose previous working day is short, with their calendar."""

    person: Nudgeable
    calendar: Calendar
    today: date
    previous: DayState


def whom(conn: Connection, *, now: datetime) -> list[Short]:
    """The decision: everyone to nudge as of ``now`` (reminders on, their reminder time
    reached today, today a working day for them, their previous working day short by more
    than the tolerance, not nudged today yet), and about which day."""
    workspace = people.workspace(conn)
    tolerance = workspace.missing_hours_tolerance_minutes * 60
    local_now: dict[str, datetime] = {}
    waiting: list[tuple[Nudgeable, date]] = []
    for p in workdays.people(conn, joined_since=_joined_since(now)):
        if not p.reminders:
            continue
        local = local_now.get(p.timezone) or local_now.setdefault(p.timezone, local_time(now, p.timezone))
        if local.hour * 60 + local.minute >= p.reminder_minutes:
            waiting.append((p, local.date()))
    if not waiting:
        return []
    iso: dict[date, str] = {}
    first = min(today for _, today in waiting) - timedelta(days=LOOK_BACK + 1)
    calendars = Calendars(workspace, time_off.between(conn, first, max(today for _, today in waiting)))
    # Set-based: people with the same schedule, region and local day share one calendar and
    # one answer; only those with days off in the window, or who joined within it, get their own.
    shared: dict[tuple[int, Region, date], tuple[Calendar, date | None, int]] = {}
    candidates: list[tuple[Nudgeable, Calendar, date, date, int]] = []  # ..., expected that day
    for p, today in waiting:
        if p.id in calendars.days_off or p.created_at is not None:
            answer = _working_answer(calendars.of(p), today)
        else:
            group = (id(p.schedule), calendars.region(p), today)
            found = shared.get(group)
            answer = found or shared.setdefault(
                group, _working_answer(calendars.of(p, days_off=False), today)
            )
        if answer[1] is not None:  # today is a working day for them, and one came before it
            candidates.append((p, answer[0], today, answer[1], answer[2]))
    asked: dict[date, list[int]] = {}
    for c in candidates:
        asked.setdefault(c[3], []).append(c[0].id)
    logged = workdays.logged_on(conn, asked)
    for c in candidates:
        iso.setdefault(c[3], c[3].isoformat())
    short = [c for c in candidates if c[4] - logged.get((c[0].id, iso[c[3]]), 0) > tolerance]
    keys = [f"missing-hours:{c[0].slack_id}:{iso.get(c[2]) or iso.setdefault(c[2], c[2].isoformat())}"
            for c in short]  # fmt: skip
    queued = outbox.existing_keys(conn, keys)
    return [
        Short(p, calendar, today, DayState(previous, expected, logged.get((p.id, iso[previous]), 0)))
        for (p, calendar, today, previous, expected), key in zip(short, keys, strict=True)
        if key not in queued
    ]


def due(conn: Connection, *, now: datetime) -> list[Nudge]:
    """The nudges to queue as of ``now`` (:func:`whom`), each with up to four earlier working
    days of the last two weeks still short (one read for everyone found)."""
    short = whom(conn, now=now)
    if not short:
        return []
    tolerance = people.workspace(conn).missing_hours_tolerance_minutes * 60
    earliest = min(s.today for s in short) - timedelta(days=LOOK_BACK)
    latest = max(s.previous.day for s in short)
    before = workdays.logged_between(conn, [s.person.id for s in short], earliest, latest)
    found = []
    for s in short:
        days = [s.previous]
        first = s.today - timedelta(days=LOOK_BACK)
        for day in reversed(s.calendar.working_days(first, s.previous.day - timedelta(days=1))):
            state = DayState(day, s.calendar.expected(day), before.get((s.person.id, day.isoformat()), 0))
            if state.missing > tolerance:
                days.append(state)
                if len(days) > EARLIER:
                    break
        found.append(Nudge(s.person.slack_id, s.today, days, s.person.reminder_minutes, tolerance))
    return found


def queue(conn: Connection, *, now: datetime) -> list[str]:
    """Queue today's nudge for each person ``due``; the keys queued."""
    keys = []
    for nudge in due(conn, now=now):
        key = nudge_key(nudge.slack_id, nudge.today)
        if outbox.enqueue(conn, key=key, kind=KIND, user_id=nudge.slack_id, payload=nudge.payload(), now=now):
            keys.append(key)
    return keys


def state(conn: Connection, payload: dict[str, Any]) -> Nudge | None:
    """A nudge's days as they stand now (entries logged since, days taken off since)."""
    slack_id = str(payload["person"])
    found = workdays.people(conn, ids=_person_ids(conn, slack_id), joined_since=datetime(1, 1, 1, tzinfo=UTC))
    if not found:
        return None
    p = found[0]
    workspace = people.workspace(conn)
    days = [date.fromisoformat(d) for d in payload["days"]]
    if not days:
        return None
    calendar = Calendars(workspace, time_off.of_person(conn, p.id, min(days), max(days)).values()).of(p)
    logged = workdays.logged_between(conn, [p.id], min(days), max(days))
    states = []
    for day in days:
        expected = calendar.expected(day)
        why = calendar.why_free(day) if expected == 0 else None
        states.append(DayState(day, expected, logged.get((p.id, day.isoformat()), 0), why))
    return Nudge(p.slack_id, date.fromisoformat(payload["today"]), states, p.reminder_minutes,
                 workspace.missing_hours_tolerance_minutes * 60, int(payload.get("snoozes", 0)))  # fmt: skip


def _person_ids(conn: Connection, slack_id: str) -> list[int]:
    person = people.person(conn, slack_id)
    return [person.id] if person else []


def redraw(
    conn: Connection,
    slack_id: str,
    timezone: str,
    *,
    now: datetime,
    cause: str,
    changed_at: datetime | None = None,
) -> list[str]:
    """Redraw in place the person's nudges of the day of the change and the day before (their
    local days) that were sent; ``cause`` makes the redraw's key unique (an event id, a click)."""
    return redraw_all(conn, [(slack_id, timezone, changed_at or now, cause)], now=now)


def redraw_all(conn: Connection, wanted: list[tuple[str, str, datetime, str]], *, now: datetime) -> list[str]:
    """:func:`redraw` for many people at once, (Slack id, timezone, when it changed, cause)
    each: their nudges found in one read by key."""
    days: list[tuple[str, str, list[str]]] = []  # (person, cause, the keys of one of their days)
    for slack_id, timezone, changed_at, cause in wanted:
        today = local_date(changed_at, timezone)
        days += [(slack_id, cause, keys_of_day(slack_id, day)) for day in (today, today - timedelta(days=1))]
    rows = {row.key: row for row in outbox.by_keys(conn, [k for _, _, keys in days for k in keys])}
    queued = []
    for slack_id, cause, keys in days:
        present = [rows[k] for k in keys if k in rows]
        if not present:
            continue
        latest = max(present, key=lambda r: r.id)
        if latest.status in (OutboxStatus.FAILED, OutboxStatus.SKIPPED):
            continue
        if latest.status == OutboxStatus.PENDING and latest.attempts == 0:
            continue  # not sent yet: it will show the state it is sent in
        key = f"missing-hours-redraw:{latest.key}:{cause}"
        if outbox.enqueue(conn, key=key, kind="missing_hours_redraw", user_id=slack_id,
                          payload={"nudge": latest.key}, now=now):  # fmt: skip
            queued.append(key)
    return queued


def snooze(conn: Connection, slack_id: str, today: date, snoozes: int, *, now: datetime) -> datetime | None:
    """The day's nudge again in two hours (the next snooze of the day); when it comes, or None
    when it was snoozed as often as allowed or there is no nudge that day."""
    if snoozes >= MAX_SNOOZES:
        return None
    base = outbox.by_key(conn, nudge_key(slack_id, today))
    if base is None:
        return None
    due_at = now + SNOOZE
    payload = {**base.payload, "snoozes": snoozes + 1}
    outbox.enqueue(conn, key=nudge_key(slack_id, today, snoozes + 1), kind=KIND, user_id=slack_id,
                   payload=payload, now=now, due_at=due_at)  # fmt: skip
    latest = outbox.by_key(conn, nudge_key(slack_id, today, snoozes + 1))
    return latest.due_at if latest else due_at


def on_entry_changes(conn: Connection, changes: list[EntryEvent], now: datetime) -> None:
    """Entries changed: the nudges of the people whose entries they were are redrawn (one
    redraw per person per batch, keyed by the batch's last change)."""
    last: dict[int, EntryEvent] = {}
    for change in changes:
        if change.person_id is not None:
            last[change.person_id] = change
    found = people.slack_ids_and_zones(conn, list(last))
    wanted = [
        (*found[pid], change.at, f"e{change.txid}.{change.id}")
        for pid, change in last.items()
        if pid in found
    ]
    redraw_all(conn, wanted, now=now)
