"""Forgotten timers: a timer that has run longer than the workspace's
``forgotten_timer_minutes`` (10 hours unless set), or past its owner's local midnight, gets
one DM asking about it: stop it now, stop it at a time they pick, or keep it running.

The job decides over the set of running timers in one statement (their owners' timezones and
the workspace's setting joined in) and queues each DM in the outbox under a key naming the
owner and the timer's start (``forgotten-timer:<slack id>:<start ISO>``), not the timer's id:
SQLite may give a deleted timer's id to the next one. So a timer is asked about once however
often the job runs, and a timer stopped and started again is a new timer with its own DM.

A choice is its clicker's: only their own running timer, and only the one the DM was about
(same id and same start). What it saves goes through the timers service, by the entries'
rules: "Stop now" on a timer past the firm's limit or midnight gets the timer's choices
(``entries.timed``); "Stop at" saves from the start to the first instant at the chosen local
time after it, never later than now.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection

from bot.errors import Refused
from bot.services import timers as timer_service
from bot.services.clock import local_date, zone
from bot.services.entries import Invalid, Rule, Saved, Violation
from bot.services.entries.timed import WORKDAY
from storage import outbox, people, timers
from storage.people import PersonRow

KIND = "forgotten_timer"
DEFAULT_MINUTES = 600  # the workspace's forgotten_timer_minutes when it has no row yet


@dataclass(frozen=True)
class Nudge:
    """What a forgotten timer's DM is about (its outbox payload)."""

    slack_id: str
    person_id: int
    timer_id: int
    started_at: datetime
    timezone: str
    project_code: str
    description: str
    limit_minutes: int  # the workspace's setting when it was decided
    past_midnight: bool  # else: it ran longer than the setting

    @property
    def key(self) -> str:
        return nudge_key(self.slack_id, self.started_at)

    @property
    def suggested_end(self) -> datetime:
        """What the time picker starts at: start + 8 h."""
        return self.started_at + WORKDAY

    def payload(self) -> dict[str, Any]:
        return {
            "slack_id": self.slack_id, "person_id": self.person_id, "timer_id": self.timer_id,
            "started_at": self.started_at.isoformat(), "timezone": self.timezone,
            "project_code": self.project_code, "description": self.description,
            "limit_minutes": self.limit_minutes, "past_midnight": self.past_midnight,
        }  # fmt: skip

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> Nudge:
        return cls(**{**data, "started_at": datetime.fromisoformat(data["started_at"])})


@dataclass(frozen=True)
class Kept:
    """The timer runs on, and is not asked about again."""

    nudge: Nudge


def nudge_key(slack_id: str, started_at: datetime) -> str:
    return f"forgotten-timer:{slack_id}:{started_at.astimezone(UTC).isoformat()}"


def forgotten(conn: Connection, *, now: datetime) -> list[Nudge]:
    """Every running timer that is due a question at ``now``: longer than the workspace's
    setting, or begun on a day that is no longer today in its owner's timezone."""
    found = []
    for t in timers.running_with_owners(conn, now=now):
        limit = DEFAULT_MINUTES if t.forgotten_minutes is None else t.forgotten_minutes
        past_midnight = local_date(now, t.timezone) != local_date(t.started_at, t.timezone)
        if past_midnight or now - t.started_at > timedelta(minutes=limit):
            found.append(
                Nudge(
                    t.slack_id,
                    t.person_id,
                    t.id,
                    t.started_at,
                    t.timezone,
                    t.project_code,
                    t.description,
                    limit,
                    past_midnight,
                )  # fmt: skip
            )
    return found


def nudge(conn: Connection, *, now: datetime) -> list[str]:
    """Queue one DM for each forgotten timer not asked about before; the keys queued now."""
    due = forgotten(conn, now=now)
    asked = outbox.existing_keys(conn, [n.key for n in due])
    queued = []
    for n in due:
        if n.key in asked:
            continue
        if outbox.enqueue(conn, key=n.key, kind=KIND, user_id=n.slack_id, payload=n.payload(), now=now):
            queued.append(n.key)
    return queued


def still_running(conn: Connection, nudge: Nudge) -> bool:
    """Whether the timer the nudge is about still runs (the DM is not sent otherwise)."""
    found = timers.running(conn, nudge.person_id)
    return found is not None and _same(found[0], nudge.timer_id, nudge.started_at)


def _same(timer: timers.TimerRow, timer_id: int, started_at: datetime) -> bool:
    return timer.id == timer_id and timer.started_at == started_at


def _this_timer(
    conn: Connection, person: PersonRow, timer_id: int, started_at: datetime, *, now: datetime
) -> Nudge:
    """The clicker's running timer, if it is the one the DM was about; else nothing changes."""
    found = timers.running(conn, person.id)
    if found is None or not _same(found[0], timer_id, started_at):
        raise Invalid([Violation("entry", Rule.TIMER_GONE)])
    timer, project, _task = found
    limit = people.workspace(conn).forgotten_timer_minutes
    past_midnight = local_date(now, person.timezone) != local_date(timer.started_at, person.timezone)
    return Nudge(person.slack_id, person.id, timer.id, timer.started_at, person.timezone, project.code,
                 timer.description, limit, past_midnight)  # fmt: skip


def stop_now(
    conn: Connection, person: PersonRow, *, timer_id: int, started_at: datetime, now: datetime
) -> Saved:
    """The timer saved until now, as a plain stop (a long one gets the timer's choices)."""
    _this_timer(conn, person, timer_id, started_at, now=now)
    return timer_service.stop(conn, person, now=now, timer_id=timer_id)


def stop_at(
    conn: Connection, person: PersonRow, *, timer_id: int, started_at: datetime, at: time, now: datetime
) -> Saved:
    """The timer saved from its start until the first instant after it at ``at`` in the
    person's timezone; refused (nothing saved) when that instant has not come yet."""
    current = _this_timer(conn, person, timer_id, started_at, now=now)
    end = first_after(started_at, at, person.timezone)
    if end > now:
        raise Refused("stop_at_not_yet", chosen=at, nudge=current)
    return timer_service.stop(conn, person, now=now, timer_id=timer_id, end=end)


def keep(conn: Connection, person: PersonRow, *, timer_id: int, started_at: datetime, now: datetime) -> Kept:
    """The timer runs on. It was asked about once (the outbox key), so it is not again."""
    return Kept(_this_timer(conn, person, timer_id, started_at, now=now))


def first_after(instant: datetime, at: time, timezone: str) -> datetime:
    """The first instant after ``instant`` whose wall-clock time in ``timezone`` is ``at``.
    A wall time the clocks skip that day (spring forward) is taken on the next day; one they
    repeat (fall back) is its first occurrence after ``instant``."""
    tz = zone(timezone)
    day: date = instant.astimezone(tz).date()
    for offset in range(3):
        for fold in (0, 1):
            local = datetime.combine(day + timedelta(days=offset), at, tzinfo=tz).replace(fold=fold)
            candidate = local.astimezone(UTC)
            if candidate.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
                continue  # skipped by the clocks
            if candidate > instant:
                return candidate
    raise AssertionError("every wall time comes round within three days")
