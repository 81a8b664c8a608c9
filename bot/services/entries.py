"""Time entries made by hand."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection

from bot.errors import UserError
from bot.parsing import MAX_ENTRY_SECONDS
from bot.services import audit, periods, policy
from bot.services.clock import local_date
from storage import rows
from storage.models import EntrySource
from storage.rows import EntryRow, PersonRow, ProjectRow, TaskRow, WorkTypeRow


def log(
    conn: Connection,
    person: PersonRow,
    *,
    project: ProjectRow,
    task: TaskRow | None,
    work_type: WorkTypeRow | None,
    description: str,
    day: date,
    seconds: int,
    now: datetime,
    billable: bool | None = None,
) -> EntryRow:
    """A manual entry. The required-field policy is enforced here, at the moment of capture."""
    if not 0 < seconds <= MAX_ENTRY_SECONDS:
        raise UserError("An entry must be more than zero and at most 24 hours.")
    if day > local_date(now, person.timezone):
        raise UserError(f"{day.isoformat()} is in the future; you can only log time already worked.")
    periods.ensure_open(conn, day)
    missing = policy.missing_fields(
        rows.workspace(conn).required_fields,
        project,
        description=description,
        work_type_id=work_type.id if work_type else None,
        task_id=task.id if task else None,
    )
    if missing:
        hint = " (add `type:<name>`)" if "work_type" in missing else ""
        raise UserError(
            f"Time on `{project.code}` needs {policy.describe(missing)}{hint}; nothing was saved."
        )
    entry = rows.insert_entry(
        conn,
        person_id=person.id,
        project_id=project.id,
        task_id=task.id if task else None,
        work_type_id=work_type.id if work_type else None,
        day=day,
        started_at=None,
        ended_at=None,
        duration_seconds=seconds,
        description=description,
        billable=policy.default_billable(project, task) if billable is None else billable,
        source=EntrySource.MANUAL,
        now=now,
    )
    audit.record(conn, entry_id=entry.id, actor=person.slack_id, action="create", now=now, after=entry)
    return entry
