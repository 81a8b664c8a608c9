"""The rules every time entry obeys, whatever surface it comes from, in one place.

A rule answers with :class:`Violation` values keyed by the field they concern; a listener
maps a field to a modal block id or renders the violation as a message
(``bot.views.rules``), so the same input gets the same rule's words on every surface.
Pure: the facts a rule needs (today, the workspace's policy, closed months) are passed in.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from storage.catalog import ProjectRow, TaskRow, WorkTypeRow
from storage.entries import EntryRow
from storage.models import BillingType, EntryStatus

MAX_ENTRY_SECONDS = 24 * 3600
# One limit for every surface: what the entry form's field holds (Slack's plain_text_input).
MAX_DESCRIPTION = 3000
REQUIRABLE = ("description", "work_type", "task")  # what a required-field policy may name
EDITABLE = (EntryStatus.DRAFT, EntryStatus.REJECTED)


class Rule(StrEnum):
    DURATION = "duration"  # more than zero, at most MAX_ENTRY_SECONDS
    DURATION_MISSING = "duration_missing"  # the form gave neither a duration nor start and end
    DURATION_FORMAT = "duration_format"  # not a duration we read
    TIMES_INCOMPLETE = "times_incomplete"  # a start without an end, or the other way round
    TIMES_AND_DURATION = "times_and_duration"  # both a duration and start and end times
    DATE_MISSING = "date_missing"
    FUTURE = "future"  # after today, in the person's timezone
    TOO_EARLY = "too_early"  # before the workspace's earliest entry date
    CLOSED_MONTH = "closed_month"
    PROJECT = "project"  # not a project open for new time
    NO_MATCH = "no_match"  # typed text names no open project
    AMBIGUOUS = "ambiguous"  # typed text names several projects: facts["candidates"]
    UNKNOWN_WORK_TYPE = "unknown_work_type"  # a type:<name> the workspace does not have
    TASK_OF_PROJECT = "task_of_project"
    TASK_CLOSED = "task_closed"
    WORK_TYPE = "work_type"  # unknown or closed
    REQUIRED = "required"  # the required-field policy: facts["fields"] missing
    MIN_DESCRIPTION = "min_description"  # shorter than the workspace's minimum
    LONG_DESCRIPTION = "long_description"  # longer than MAX_DESCRIPTION
    NUL = "nul"  # a NUL character, which PostgreSQL cannot store
    NOT_YOURS = "not_yours"
    LOCKED = "locked"  # submitted, approved or billed
    STALE = "stale"  # changed since the form was opened
    NO_TIMER = "no_timer"
    TIMER_REVIEW = "timer_review"  # ran past the firm's limit or its owner's midnight: they choose
    TIMER_SPAN = "timer_span"  # a chosen span outside what the timer ran
    TIMER_GONE = "timer_gone"  # a choice about a timer no longer running


# Fields a violation may name: the entry form's inputs, or "entry" for the entry as a whole.
FIELDS = (
    "project",
    "task",
    "work_type",
    "date",
    "duration",
    "start_time",
    "end_time",
    "description",
    "entry",
)


@dataclass(frozen=True)
class Violation:
    field: str
    rule: Rule
    facts: Mapping[str, Any] = dataclasses.field(default_factory=dict)


class Invalid(Exception):
    """An entry change refused by its rules; nothing was written. ``timer``: the refused
    entry was a running timer's (which therefore runs on)."""

    def __init__(self, violations: list[Violation], *, timer: bool = False) -> None:
        super().__init__(", ".join(f"{v.field}: {v.rule}" for v in violations))
        self.violations = violations
        self.timer = timer

    def first(self, *fields: str) -> Violation | None:
        return next((v for v in self.violations if not fields or v.field in fields), None)


def duration(seconds: int | None, *, field: str = "duration") -> list[Violation]:
    if seconds is None:
        return []
    if not 0 < seconds <= MAX_ENTRY_SECONDS:
        return [Violation(field, Rule.DURATION, {"seconds": seconds, "limit": MAX_ENTRY_SECONDS})]
    return []


def day(
    value: date | None, *, today: date, closed: set[str], earliest: date | None = None
) -> list[Violation]:
    """The day the work was done: given, not after today, not before the firm's earliest
    day (two years back unless set), and in an open month."""
    if value is None:
        return [Violation("date", Rule.DATE_MISSING)]
    if value > today:
        return [Violation("date", Rule.FUTURE, {"day": value})]
    first = earliest or two_years_before(today)
    if value < first:
        return [Violation("date", Rule.TOO_EARLY, {"day": value, "earliest": first})]
    return closed_month(value, closed)


def two_years_before(today: date) -> date:
    try:
        return today.replace(year=today.year - 2)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 2, day=28)


def closed_month(value: date, closed: set[str], *, field: str = "date") -> list[Violation]:
    if value.strftime("%Y-%m") in closed:
        return [Violation(field, Rule.CLOSED_MONTH, {"day": value})]
    return []


def task_of(project: ProjectRow, task: TaskRow | None, *, newly_chosen: bool) -> list[Violation]:
    """The task belongs to the project; a task chosen now must be open (an entry keeps a
    task closed since it was tracked)."""
    if task is None:
        return []
    if task.project_id != project.id:
        return [Violation("task", Rule.TASK_OF_PROJECT, {"code": project.code})]
    if newly_chosen and not task.active:
        return [Violation("task", Rule.TASK_CLOSED, {"code": project.code, "task": task.name})]
    return []


def work_type_open(work_type: WorkTypeRow | None, *, given: bool, newly_chosen: bool) -> list[Violation]:
    if given and (work_type is None or (newly_chosen and not work_type.active)):
        return [Violation("work_type", Rule.WORK_TYPE)]
    return []


def required_fields(workspace_fields: list[str], project: ProjectRow) -> list[str]:
    """The project's own list when it has one, else the workspace's."""
    fields = project.required_fields if project.required_fields is not None else workspace_fields
    return [f for f in REQUIRABLE if f in (fields or [])]


def completeness(
    project: ProjectRow,
    *,
    workspace_fields: list[str],
    min_description: int,
    description: str,
    work_type_id: int | None,
    task_id: int | None,
) -> list[Violation]:
    """What the firm's policy asks of an entry before it can be submitted: the required
    fields, and a description long enough for the client to read."""
    present = {"description": bool(description.strip()), "work_type": work_type_id is not None,
               "task": task_id is not None}  # fmt: skip
    missing = [f for f in required_fields(workspace_fields, project) if not present[f]]
    found = [Violation(f, Rule.REQUIRED, {"code": project.code, "fields": [f]}) for f in missing]
    text = description.strip()
    if text and len(text) < min_description:
        found.append(Violation("description", Rule.MIN_DESCRIPTION, {"minimum": min_description}))
    return found


def description(text: str) -> list[Violation]:
    """A description typed now: at most MAX_DESCRIPTION characters, never cut, and no NUL."""
    if len(text) > MAX_DESCRIPTION:
        return [
            Violation("description", Rule.LONG_DESCRIPTION, {"length": len(text), "limit": MAX_DESCRIPTION})
        ]
    if "\x00" in text:
        return [Violation("description", Rule.NUL)]
    return []


def missing(violations: list[Violation]) -> list[str]:
    """The required fields the violations name."""
    return [v.field for v in violations if v.rule == Rule.REQUIRED]


def billable(project: ProjectRow, task: TaskRow | None, requested: bool | None = None) -> bool:
    """Non-billable projects never bill; otherwise what was asked for, else the task's
    flag, else billable."""
    if project.billing_type == BillingType.NON_BILLABLE:
        return False
    if requested is not None:
        return requested
    if task is not None and task.billable is not None:
        return task.billable
    return True


def editable(entry: EntryRow, *, approver: str | None) -> list[Violation]:
    """Submitted, approved and billed time is out of the timekeeper's hands."""
    if entry.status in EDITABLE:
        return []
    return [Violation("entry", Rule.LOCKED, {"status": entry.status, "approver": approver})]
