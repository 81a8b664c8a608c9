"""The weekly digest: each Monday at 08:00 in each partner's (and admin's) timezone, the
firm's pace last week (hours logged against what each person's working calendar expected:
who is missing hours), where each budget stands with its projection, the approvals waiting,
and last week's entries to question (bot.services.quality). Queued once per reader and week
(``weekly-digest:<reader>:<monday>``) and built from the state at send time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection

from bot.services import budgets
from bot.services.budgets import Consumption
from bot.services.calendar import Calendars
from bot.services.clock import local_time
from bot.services.quality import Flag, check
from storage import approvals, outbox, people, time_off, workdays
from storage import budgets as budget_store

KIND = "weekly_digest"
SENT_AT = time(8, 0)  # Monday, in the reader's timezone
BUDGETS_SHOWN = 10


@dataclass(frozen=True)
class Pace:
    slack_id: str
    name: str
    expected: int  # seconds
    logged: int

    @property
    def missing(self) -> int:
        return max(0, self.expected - self.logged)


@dataclass(frozen=True)
class Digest:
    reader: str  # Slack id
    first: date  # last week's Monday
    last: date  # and Sunday
    pace: list[Pace]  # everyone expected to work, the most hours missing first
    budgets: list[Consumption]  # the most used first
    waiting: int  # submissions waiting for approval, firm-wide
    waiting_for_reader: list[approvals.WaitingRow]
    tolerance: int  # seconds: less missing than this is on pace
    quality: list[Flag] = field(default_factory=list)  # last week's entries to question

    @property
    def expected(self) -> int:
        return sum(p.expected for p in self.pace)

    @property
    def logged(self) -> int:
        return sum(min(p.logged, p.expected) if p.expected else 0 for p in self.pace)

    @property
    def short(self) -> list[Pace]:
        return [p for p in self.pace if p.missing > self.tolerance]


def digest_key(reader: str, monday: date) -> str:
    return f"weekly-digest:{reader}:{monday.isoformat()}"


def queue(conn: Connection, *, now: datetime) -> list[str]:
    """Queue this week's digest for each partner and admin whose Monday 08:00 has come."""
    queued = []
    for reader in workdays.people(conn, managers=True, joined_since=now):
        local = local_time(now, reader.timezone)
        if local.weekday() != 0 or local.time() < SENT_AT:
            continue
        key = digest_key(reader.slack_id, local.date())
        payload = {"reader": reader.slack_id, "monday": local.date().isoformat()}
        if outbox.enqueue(conn, key=key, kind=KIND, user_id=reader.slack_id, payload=payload, now=now):
            queued.append(key)
    return queued


def build(conn: Connection, payload: dict[str, Any], *, now: datetime) -> Digest:
    """The digest of the week before ``payload["monday"]``, as things stand now."""
    reader_id, monday = str(payload["reader"]), date.fromisoformat(payload["monday"])
    first, last = monday - timedelta(days=7), monday - timedelta(days=1)
    workspace = people.workspace(conn)
    calendars = Calendars(workspace, time_off.between(conn, first, last))
    logged = workdays.logged_per_person(conn, first, last)
    pace = []
    for p in workdays.people(
        conn, joined_since=datetime.combine(first, time.min, tzinfo=UTC) - timedelta(days=1)
    ):
        expected = calendars.of(p).expected_between(first, last)
        if expected or logged.get(p.id):
            pace.append(Pace(p.slack_id, p.name, expected, logged.get(p.id, 0)))
    pace.sort(key=lambda p: (-p.missing, p.name))
    figures = [
        c for project in budget_store.budgeted(conn) for c in budgets.consumption(conn, project.id, now)
    ]
    figures.sort(key=lambda c: -c.percent)
    reader = people.person(conn, reader_id)
    waiting_all = approvals.waiting(conn, approver_id=None)
    mine = approvals.waiting(conn, approver_id=reader.id) if reader else []
    return Digest(reader_id, first, last, pace, figures[:BUDGETS_SHOWN], len(waiting_all), mine,
                  workspace.missing_hours_tolerance_minutes * 60, check(conn, first, last))  # fmt: skip
