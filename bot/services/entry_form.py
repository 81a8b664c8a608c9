"""Entries made, changed and deleted through the entry modal: validation field by field.

Errors name the modal block they belong to, so the listener can answer Slack with
``response_action: errors`` and the person sees each message under the right field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import ids
from bot.errors import UserError
from bot.parsing import DURATION_FORMS, MAX_ENTRY_SECONDS, parse_duration
from bot.services import audit, periods, policy
from bot.services.clock import local_date, zone
from storage import rows
from storage.models import (
    BillingType,
    Client,
    EntrySource,
    EntryStatus,
    Person,
    Project,
    Task,
    TimeEntry,
    WorkType,
)
from storage.rows import EntryRow, PersonRow, ProjectRow

EDITABLE = (EntryStatus.DRAFT, EntryStatus.REJECTED)


class FormErrors(Exception):
    """``errors`` maps block ids to the message shown under that field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


@dataclass(frozen=True)
class EntryForm:
    project_id: int | None
    task_id: int | None
    day: date | None
    duration: str
    start_time: str | None  # "HH:MM" in the person's timezone
    end_time: str | None
    description: str
    work_type_id: int | None
    billable: bool


def visible_project(session: Session, project_id: int | None) -> Project | None:
    """Active projects of active clients are the ones people may track time on."""
    if project_id is None:
        return None
    stmt = (
        select(Project)
        .join(Client, Client.id == Project.client_id)
        .where(Project.id == project_id, Project.active.is_(True), Client.active.is_(True))
    )
    return session.scalars(stmt).one_or_none()


def own_entry(session: Session, person: PersonRow, entry_id: int, *, for_update: bool = False) -> TimeEntry:
    stmt = select(TimeEntry).where(TimeEntry.id == entry_id)
    if for_update:
        stmt = stmt.with_for_update()
    entry = session.scalars(stmt).one_or_none()
    if entry is None or entry.person_id != person.id:
        # The same answer whether it does not exist or is someone else's: ids are not secrets
        # to guess at.
        raise UserError("That entry is not one of yours, so nothing was changed.")
    return entry


def ensure_editable(session: Session, entry: TimeEntry) -> None:
    """Submitted, approved and billed time is out of the timekeeper's hands."""
    if entry.status in EDITABLE:
        return
    approver = None
    project = session.get(Project, entry.project_id)
    if project is not None and project.approver_id is not None:
        person = session.get(Person, project.approver_id)
        approver = person.name if person else None
    who = f"{approver} (the project's approver) or an admin" if approver else "a partner or an admin"
    reasons = {
        EntryStatus.SUBMITTED: f"it is submitted for approval; {who} can send it back to you",
        EntryStatus.APPROVED: f"it is approved and locked; {who} can reopen it",
        EntryStatus.BILLED: f"it is on an invoice; {who} can reopen it only by voiding the invoice",
    }
    raise UserError(f"This entry can't be changed: {reasons.get(entry.status, entry.status.value)}.")


def version(entry: TimeEntry) -> str:
    """What the modal remembers, to tell whether the entry changed while it was open."""
    return f"{entry.id}@{entry.updated_at.isoformat()}"


def timing_fields(entry: TimeEntry, tz: str) -> tuple[str, str | None, str | None]:
    """How the form shows an entry's time: start and end (timer entries) or a duration."""
    if entry.started_at and entry.ended_at:
        return "", _hhmm(entry.started_at, tz), _hhmm(entry.ended_at, tz)
    minutes = entry.duration_seconds // 60
    return f"{minutes // 60}h{minutes % 60:02d}m", None, None


def _hhmm(instant: datetime, tz: str) -> str:
    return instant.astimezone(zone(tz)).strftime("%H:%M")


def last_entry(session: Session, person: PersonRow) -> TimeEntry:
    stmt = (
        select(TimeEntry)
        .where(TimeEntry.person_id == person.id)
        .order_by(TimeEntry.created_at.desc(), TimeEntry.id.desc())
        .limit(1)
    )
    entry = session.scalars(stmt).first()
    if entry is None:
        raise UserError("You have no entries yet. Log one with `/track log` or `/track new`.")
    return entry


def save(
    session: Session,
    person: PersonRow,
    form: EntryForm,
    *,
    now: datetime,
    entry_id: int | None = None,
    expected_version: str | None = None,
) -> tuple[EntryRow, ProjectRow]:
    """Create (``entry_id`` None) or change an entry from the modal; raises FormErrors/UserError."""
    errors: dict[str, str] = {}
    project = visible_project(session, form.project_id)
    if project is None:
        errors[ids.PROJECT_BLOCK] = "Choose a project you can track time on."
    task = session.get(Task, form.task_id) if form.task_id is not None else None
    if project is not None and task is not None and (task.project_id != project.id or not task.active):
        errors[ids.TASK_BLOCK] = f"That task is not a task of {project.code}; choose one of its tasks."
    work_type = session.get(WorkType, form.work_type_id) if form.work_type_id is not None else None
    if form.work_type_id is not None and (work_type is None or not work_type.active):
        errors[ids.WORK_TYPE_BLOCK] = "Choose one of the work types in the list."
    today = local_date(now, person.timezone)
    if form.day is None:
        errors[ids.DATE_BLOCK] = "Pick the day the work was done."
    elif form.day > today:
        errors[ids.DATE_BLOCK] = "That day is in the future; you can only log time already worked."
    existing = own_entry(session, person, entry_id, for_update=True) if entry_id is not None else None
    if existing is not None:
        ensure_editable(session, existing)
        periods.ensure_open(session.connection(), existing.date)
        if expected_version is not None and version(existing) != expected_version:
            raise UserError("This entry changed after you opened it; nothing was saved. Open it again.")
    if form.day is not None:
        periods.ensure_open(session.connection(), form.day)
    seconds: int | None
    if existing is not None and _same_timing(existing, form, person.timezone):
        # Untouched time fields keep the entry's exact seconds (the form shows minutes).
        seconds, started_at, ended_at = existing.duration_seconds, existing.started_at, existing.ended_at
    else:
        seconds, started_at, ended_at = _duration(form, person, errors)
    workspace = rows.workspace(session.connection())
    description = form.description.strip()
    if project is not None:
        project_row = rows.project_row(project)
        missing = policy.missing_fields(
            workspace.required_fields,
            project_row,
            description=description,
            work_type_id=form.work_type_id,
            task_id=form.task_id,
        )
        field_blocks = {
            "description": ids.DESCRIPTION_BLOCK,
            "work_type": ids.WORK_TYPE_BLOCK,
            "task": ids.TASK_BLOCK,
        }
        for field in missing:
            errors.setdefault(field_blocks[field], f"{project.code} needs {policy.LABELS[field]}.")
    if description and len(description) < workspace.min_description_length:
        errors.setdefault(
            ids.DESCRIPTION_BLOCK,
            f"Write at least {workspace.min_description_length} characters so the client can read it.",
        )
    if errors:
        raise FormErrors(errors)
    assert project is not None and form.day is not None and seconds is not None
    # Non-billable projects never bill, whatever the checkbox said.
    billable = form.billable and project.billing_type != BillingType.NON_BILLABLE
    before = rows.entry_row(existing) if existing is not None else None
    if existing is None:
        entry = TimeEntry(
            person_id=person.id, created_at=now, status=EntryStatus.DRAFT, source=EntrySource.MANUAL
        )
        session.add(entry)
    else:
        entry = existing
    entry.project_id = project.id
    entry.task_id = task.id if task else None
    entry.work_type_id = work_type.id if work_type else None
    entry.date = form.day
    entry.started_at, entry.ended_at = started_at, ended_at
    entry.duration_seconds = seconds
    entry.description = description
    entry.billable = billable
    entry.updated_at = now
    session.flush()
    after = rows.entry_row(entry)
    audit.record(session.connection(), entry_id=entry.id, actor=person.slack_id, now=now,
                 action="edit" if before else "create", before=before, after=after)  # fmt: skip
    return after, rows.project_row(project)


def deletable(session: Session, person: PersonRow, entry_id: int) -> tuple[EntryRow, ProjectRow, str]:
    """The entry a delete confirmation shows, after the same checks the delete makes."""
    entry = own_entry(session, person, entry_id)
    ensure_editable(session, entry)
    project = session.get_one(Project, entry.project_id)
    return rows.entry_row(entry), rows.project_row(project), version(entry)


def delete(
    session: Session, person: PersonRow, entry_id: int, *, now: datetime, expected_version: str | None = None
) -> EntryRow:
    entry = own_entry(session, person, entry_id, for_update=True)
    ensure_editable(session, entry)
    if expected_version is not None and version(entry) != expected_version:
        raise UserError("This entry changed after you looked at it; nothing was deleted. Try again.")
    periods.ensure_open(session.connection(), entry.date)
    gone = rows.entry_row(entry)
    session.delete(entry)
    session.flush()
    audit.record(
        session.connection(), entry_id=gone.id, actor=person.slack_id, action="delete", now=now, before=gone
    )
    return gone


def _same_timing(entry: TimeEntry, form: EntryForm, tz: str) -> bool:
    duration, start, end = timing_fields(entry, tz)
    return (
        form.day == entry.date
        and form.duration.strip() == duration
        and (form.start_time or None) == start
        and (form.end_time or None) == end
    )


def _duration(
    form: EntryForm, person: PersonRow, errors: dict[str, str]
) -> tuple[int | None, datetime | None, datetime | None]:
    """A duration, or a start and end time on the entry's day in the person's timezone."""
    if form.start_time or form.end_time:
        if not (form.start_time and form.end_time):
            block = ids.END_TIME_BLOCK if form.start_time else ids.START_TIME_BLOCK
            errors[block] = "Give both a start and an end time, or a duration instead."
            return None, None, None
        if form.day is None:
            return None, None, None
        tz = zone(person.timezone)
        start = _at(form.day, form.start_time, tz)
        end = _at(form.day, form.end_time, tz)
        if end <= start:  # past midnight: the end is on the next day
            end = _at(form.day + timedelta(days=1), form.end_time, tz)
        # UTC difference: across a DST change this is the true elapsed time.
        seconds = int((end - start).total_seconds())
        if seconds > MAX_ENTRY_SECONDS or seconds <= 0:
            errors[ids.END_TIME_BLOCK] = "One entry covers more than zero and at most 24 hours."
            return None, None, None
        if form.duration.strip():
            errors[ids.DURATION_BLOCK] = "Give a duration or start and end times, not both."
            return None, None, None
        return seconds, start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))
    if not form.duration.strip():
        errors[ids.DURATION_BLOCK] = f"How long? Write {DURATION_FORMS}, or give start and end times."
        return None, None, None
    try:
        return parse_duration(form.duration), None, None
    except UserError as err:
        errors[ids.DURATION_BLOCK] = err.message.replace("`", "")
        return None, None, None


def _at(day: date, hhmm: str, tz: ZoneInfo) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=tz)
