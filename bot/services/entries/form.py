"""The entry form (modal) as a surface of the entries service: what it shows, and what it sends.

The form sends a duration, or a start and an end time on the day in the person's timezone;
this turns it into a :class:`Draft` for ``changes`` (which applies the rules), with what is
wrong with the form's own inputs as violations of the same kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Connection

from bot.errors import UserError
from bot.parsing import parse_duration
from bot.services.clock import local_date, zone
from bot.services.entries import changes, rules
from bot.services.entries.changes import Draft, Saved
from bot.services.entries.rules import Invalid, Rule, Violation
from storage import catalog, timers
from storage.catalog import ProjectRow, TaskRow
from storage.entries import EntryRow
from storage.people import PersonRow


@dataclass(frozen=True)
class EntryForm:
    """The form's values as sent (``bot.listeners.forms.read_entry_form``)."""

    project_id: int | None
    task_id: int | None
    day: date | None
    duration: str
    start_time: str | None  # "HH:MM" in the person's timezone
    end_time: str | None
    description: str
    work_type_id: int | None
    billable: bool


@dataclass(frozen=True)
class FormDefaults:
    """What the form shows when it opens."""

    day: date
    project: ProjectRow | None = None
    task_id: int | None = None
    tasks: list[TaskRow] = field(default_factory=list)
    duration: str = ""
    start_time: str | None = None
    end_time: str | None = None
    description: str = ""
    work_type_id: int | None = None
    billable: bool = True


def save(
    conn: Connection,
    person: PersonRow,
    form: EntryForm,
    *,
    now: datetime,
    entry_id: int | None = None,
    expected_version: str | None = None,
) -> Saved:
    """Create (``entry_id`` None) or change an entry from the form; every problem at once."""
    existing = None
    if entry_id is not None:
        existing = changes.own_entry(conn, person, entry_id, expected_version=expected_version)
    draft, problems = to_draft(form, person, existing)
    if existing is None:
        return changes.create(conn, person, draft, now=now, problems=problems)
    return changes.edit(
        conn, person, existing.id, draft, now=now, expected_version=expected_version, problems=problems
    )


def to_draft(form: EntryForm, person: PersonRow, existing: EntryRow | None) -> tuple[Draft, list[Violation]]:
    """The form's values as a draft, and what is wrong with its time inputs. Untouched time
    fields keep an edited entry's exact seconds (the form shows minutes)."""
    problems: list[Violation] = []
    seconds: int | None
    if existing is not None and _same_timing(existing, form, person.timezone):
        seconds, started_at, ended_at = existing.duration_seconds, existing.started_at, existing.ended_at
    else:
        seconds, started_at, ended_at = _timing(form, person, problems)
    text = form.description.strip()
    if (
        existing is not None
        and len(existing.description) > rules.MAX_DESCRIPTION
        and text == shown_description(existing)
    ):
        text = existing.description  # the field could show only its beginning: untouched, it is kept whole
    draft = Draft(
        project_id=form.project_id, day=form.day, seconds=seconds, task_id=form.task_id,
        work_type_id=form.work_type_id, description=text, billable=form.billable,
        started_at=started_at, ended_at=ended_at,
    )  # fmt: skip
    return draft, problems


def shown_description(entry: EntryRow) -> str:
    """What the form's description field can show of an entry (older entries may hold more)."""
    return entry.description[: rules.MAX_DESCRIPTION].strip()


def new_defaults(
    conn: Connection,
    person: PersonRow,
    *,
    now: datetime,
    description: str = "",
    project_id: int | None = None,
) -> FormDefaults:
    project = catalog.visible_project(conn, project_id) if project_id else None
    return FormDefaults(
        day=local_date(now, person.timezone),
        project=project,
        tasks=catalog.tasks_of(conn, project.id) if project else [],
        description=description,
        billable=rules.billable(project, None) if project else True,
    )


def timer_defaults(conn: Connection, person: PersonRow, timer_id: int) -> FormDefaults:
    """The form for the time a running timer stood for, from its start (the person gives the
    end); saving it replaces the timer."""
    found = timers.running(conn, person.id)
    if found is None or found[0].id != timer_id:
        raise Invalid([Violation("entry", Rule.TIMER_GONE)])
    timer, project, task = found
    return FormDefaults(
        day=local_date(timer.started_at, person.timezone), project=project, task_id=task.id if task else None,
        tasks=catalog.tasks_of(conn, project.id), start_time=_hhmm(timer.started_at, person.timezone),
        description=timer.description, work_type_id=timer.work_type_id, billable=timer.billable,
    )  # fmt: skip


def edit_defaults(conn: Connection, person: PersonRow, entry_id: int) -> tuple[FormDefaults, str]:
    """The entry as the form shows it, and its version; refuses locked or foreign entries."""
    entry = changes.own_entry(conn, person, entry_id)
    project = catalog.project(conn, entry.project_id)
    assert project is not None
    duration, start, end = timing_fields(entry, person.timezone)
    defaults = FormDefaults(
        day=entry.date, project=project, task_id=entry.task_id, tasks=catalog.tasks_of(conn, project.id),
        duration=duration, start_time=start, end_time=end, description=shown_description(entry),
        work_type_id=entry.work_type_id, billable=entry.billable,
    )  # fmt: skip
    return defaults, changes.version(entry)


def timing_fields(entry: EntryRow, tz: str) -> tuple[str, str | None, str | None]:
    """How the form shows an entry's time: start and end (timer entries) or a duration."""
    if entry.started_at and entry.ended_at:
        return "", _hhmm(entry.started_at, tz), _hhmm(entry.ended_at, tz)
    minutes = entry.duration_seconds // 60
    return f"{minutes // 60}h{minutes % 60:02d}m", None, None


def _hhmm(instant: datetime, tz: str) -> str:
    return instant.astimezone(zone(tz)).strftime("%H:%M")


def _same_timing(entry: EntryRow, form: EntryForm, tz: str) -> bool:
    duration, start, end = timing_fields(entry, tz)
    return (
        form.day == entry.date
        and form.duration.strip() == duration
        and (form.start_time or None) == start
        and (form.end_time or None) == end
    )


def _timing(
    form: EntryForm, person: PersonRow, problems: list[Violation]
) -> tuple[int | None, datetime | None, datetime | None]:
    """A duration, or a start and end time on the entry's day in the person's timezone."""
    if form.start_time or form.end_time:
        if not (form.start_time and form.end_time):
            problems.append(Violation("end_time" if form.start_time else "start_time", Rule.TIMES_INCOMPLETE))
            return None, None, None
        if form.duration.strip():
            problems.append(Violation("duration", Rule.TIMES_AND_DURATION))
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
        if rules.duration(seconds):
            problems += rules.duration(seconds, field="end_time")
            return None, None, None
        return seconds, start.astimezone(UTC), end.astimezone(UTC)
    if not form.duration.strip():
        problems.append(Violation("duration", Rule.DURATION_MISSING))
        return None, None, None
    try:
        return parse_duration(form.duration), None, None
    except UserError:
        problems.append(Violation("duration", Rule.DURATION_FORMAT, {"text": form.duration.strip()}))
        return None, None, None


def _at(day: date, hhmm: str, tz: object) -> datetime:
    hour, minute = (int(x) for x in hhmm.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=tz)  # type: ignore[arg-type]
