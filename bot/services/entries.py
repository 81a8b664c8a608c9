"""Time entries made by hand."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from bot.errors import UserError
from bot.parsing import MAX_ENTRY_SECONDS
from bot.services import policy
from bot.services.clock import local_date
from storage import queries
from storage.models import EntrySource, Person, Project, Task, TimeEntry, WorkType


def log(
    session: Session,
    person: Person,
    *,
    project: Project,
    task: Task | None,
    work_type: WorkType | None,
    description: str,
    day: date,
    seconds: int,
    now: datetime,
    billable: bool | None = None,
) -> TimeEntry:
    """A manual entry. The required-field policy is enforced here, at the moment of capture."""
    if not 0 < seconds <= MAX_ENTRY_SECONDS:
        raise UserError("An entry must be more than zero and at most 24 hours.")
    if day > local_date(now, person.timezone):
        raise UserError(f"{day.isoformat()} is in the future; you can only log time already worked.")
    missing = policy.missing_fields(
        queries.workspace(session),
        project,
        description=description,
        work_type_id=work_type.id if work_type else None,
        task_id=task.id if task else None,
    )
    if missing:
        raise UserError(f"Time on `{project.code}` needs {policy.describe(missing)}; nothing was saved.")
    if billable is None:
        billable = policy.default_billable(project, task)
    entry = TimeEntry(
        person_id=person.id,
        project_id=project.id,
        task_id=task.id if task else None,
        work_type_id=work_type.id if work_type else None,
        date=day,
        duration_seconds=seconds,
        description=description,
        billable=billable,
        source=EntrySource.MANUAL,
        created_at=now,
        updated_at=now,
    )
    session.add(entry)
    session.flush()
    return entry
