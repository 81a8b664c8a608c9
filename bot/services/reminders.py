"""Reminders the bot sends on its own schedule. First: approvers with submissions waiting.

A reminder is queued in the outbox under a key naming the person and their local day, so it
is sent once a day however often the job runs, in however many processes.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection

from bot.services.clock import WEEKDAY_KEYS, local_date, local_time
from storage import approvals, outbox, people
from storage.people import PersonRow

# Approvers hear of waiting submissions during their working hours, once a day.
REMIND_FROM = time(9, 0)
REMIND_UNTIL = time(18, 0)
WAITING_WORKING_DAYS = 1  # waiting more than this many working days


@dataclass(frozen=True)
class PendingItem:
    submission: int
    submitter: str  # Slack id
    first: date
    last: date
    entries: int
    seconds: int
    working_days: int  # working days it has waited


@dataclass(frozen=True)
class PendingReminder:
    approver: str  # Slack id
    day: date  # the approver's local day
    items: list[PendingItem]

    def payload(self) -> dict[str, Any]:
        return {
            "approver": self.approver,
            "day": self.day.isoformat(),
            "items": [
                {**asdict(i), "first": i.first.isoformat(), "last": i.last.isoformat()} for i in self.items
            ],
        }

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> PendingReminder:
        items = [
            PendingItem(
                **{**i, "first": date.fromisoformat(i["first"]), "last": date.fromisoformat(i["last"])}
            )
            for i in data["items"]
        ]
        return cls(data["approver"], date.fromisoformat(data["day"]), items)


def reminder_key(approver: str, day: date) -> str:
    return f"pending-approvals:{approver}:{day.isoformat()}"


def working_day(person: PersonRow, day: date) -> bool:
    """A day the person's schedule expects hours on (Monday to Friday without a schedule)."""
    key = WEEKDAY_KEYS[day.weekday()]
    if person.schedule:
        return int(person.schedule.get(key, 0)) > 0
    return day.weekday() < 5


def working_days_after(person: PersonRow, since: date, day: date) -> int:
    """Working days after ``since``, up to and including ``day``."""
    count, current = 0, since + timedelta(days=1)
    while current <= day:
        count += working_day(person, current)
        current += timedelta(days=1)
    return count


def pending_approvals(conn: Connection, *, now: datetime) -> list[str]:
    """Queue today's reminder for each approver whose submissions have waited more than a
    working day, in their working hours; the keys of the reminders queued now."""
    waiting = {w.submission_id: w for w in approvals.waiting(conn, approver_id=None)}
    by_approver: dict[int, list[approvals.SubmissionRow]] = defaultdict(list)
    for sub in approvals.pending(conn):
        if sub.id in waiting:
            by_approver[sub.approver_id].append(sub)
    queued = []
    for approver_id, subs in by_approver.items():
        approver = people.person_by_id(conn, approver_id)
        if approver is None:
            continue
        local = local_time(now, approver.timezone)
        today = local.date()
        if not working_day(approver, today) or not REMIND_FROM <= local.time() < REMIND_UNTIL:
            continue
        items = []
        for sub in subs:
            days = working_days_after(approver, local_date(sub.created_at, approver.timezone), today)
            if days > WAITING_WORKING_DAYS:
                w = waiting[sub.id]
                items.append(PendingItem(sub.id, w.submitter, w.first, w.last, w.entries, w.seconds, days))
        if not items:
            continue
        reminder = PendingReminder(approver.slack_id, today, items)
        key = reminder_key(approver.slack_id, today)
        if outbox.enqueue(conn, key=key, kind="pending_approvals", user_id=approver.slack_id,
                          payload=reminder.payload(), now=now):  # fmt: skip
            queued.append(key)
    return queued
