"""Creating, changing and deleting time entries: the one door, whatever the surface.

``/track log``, the entry form, a stopped timer (from ``/track stop``, a switch, the Home
tab, and later a nudge) all come here with a :class:`Draft`; the rules (``rules``) decide,
the change and its audit record (the entry-change event) are written in the caller's
transaction, and a refusal raises :class:`rules.Invalid` with nothing written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from bot.services import pricing, project_index
from bot.services.clock import local_date
from bot.services.entries import rules
from bot.services.entries.rules import Invalid, Rule, Violation
from bot.services.pricing import Billed
from storage import audit, catalog, periods
from storage import entries as store
from storage import people as people_store
from storage.catalog import ProjectRow, TaskRow, WorkTypeRow
from storage.entries import EntryRow
from storage.models import EntrySource
from storage.people import PersonRow


@dataclass(frozen=True)
class Draft:
    """An entry as a surface asks for it. ``billable`` None: the project's and task's default."""

    project_id: int | None
    day: date | None
    seconds: int | None
    task_id: int | None = None
    work_type_id: int | None = None
    description: str = ""
    billable: bool | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass(frozen=True)
class Saved:
    entry: EntryRow
    project: ProjectRow
    task: TaskRow | None
    # What the firm's policy still asks before the entry can be submitted (a stopped timer is
    # saved all the same: its time is measured, not typed).
    pending: list[Violation] = field(default_factory=list)
    billed: Billed | None = None  # what it bills by the hour, when it does


def version(entry: EntryRow) -> str:
    """What a form remembers, to tell whether the entry changed while it was open."""
    stamp = entry.updated_at.isoformat() if entry.updated_at else ""
    return f"{entry.id}@{stamp}"


def create(
    conn: Connection,
    person: PersonRow,
    draft: Draft,
    *,
    now: datetime,
    source: EntrySource = EntrySource.MANUAL,
    problems: list[Violation] | None = None,
) -> Saved:
    """A new entry made by hand (``/track log``, the form). ``problems``: what the surface
    found wrong with its own inputs (a duration it could not read), refused with the rest."""
    project, task, work_type = _checked(conn, person, draft, existing=None, now=now, problems=problems)
    entry = store.insert_entry(
        conn, person_id=person.id, values=_content(draft, project, task, work_type), source=source, now=now
    )
    audit.record(conn, entry_id=entry.id, actor=person.slack_id, action="create", now=now, after=entry)
    return Saved(entry, project, task, billed=_billed(conn, entry, project))


def edit(
    conn: Connection,
    person: PersonRow,
    entry_id: int,
    draft: Draft,
    *,
    now: datetime,
    expected_version: str | None = None,
    problems: list[Violation] | None = None,
) -> Saved:
    """New content for one of the person's own editable entries."""
    existing = own_entry(conn, person, entry_id, for_update=True, expected_version=expected_version)
    project, task, work_type = _checked(conn, person, draft, existing=existing, now=now, problems=problems)
    entry = store.update_entry(conn, existing.id, values=_content(draft, project, task, work_type), now=now)
    audit.record(conn, entry_id=entry.id, actor=person.slack_id, action="edit", now=now, before=existing,
                 after=entry)  # fmt: skip
    return Saved(entry, project, task, billed=_billed(conn, entry, project))


def delete(
    conn: Connection, person: PersonRow, entry_id: int, *, now: datetime, expected_version: str | None = None
) -> EntryRow:
    existing = own_entry(conn, person, entry_id, for_update=True, expected_version=expected_version)
    found = rules.closed_month(existing.date, periods.closed_among(conn, existing.date))
    if found:
        raise Invalid(found)
    gone = store.delete_entry(conn, existing.id)
    assert gone is not None
    audit.record(conn, entry_id=gone.id, actor=person.slack_id, action="delete", now=now, before=gone)
    return gone


def own_entry(
    conn: Connection,
    person: PersonRow,
    entry_id: int,
    *,
    for_update: bool = False,
    expected_version: str | None = None,
) -> EntryRow:
    """One of the person's entries that they may still change (draft or sent back), as the
    form they opened saw it."""
    entry = store.entry(conn, entry_id, for_update=for_update)
    if entry is None or entry.person_id != person.id:
        # The same answer whether it does not exist or is someone else's: ids are not secrets
        # to guess at.
        raise Invalid([Violation("entry", Rule.NOT_YOURS)])
    if entry.status not in rules.EDITABLE:
        raise Invalid(rules.editable(entry, approver=catalog.approver_name(conn, entry.project_id)))
    if expected_version is not None and version(entry) != expected_version:
        raise Invalid([Violation("entry", Rule.STALE)])
    return entry


def last_entry(conn: Connection, person: PersonRow) -> EntryRow | None:
    return store.last_entry(conn, person.id)


def _checked(
    conn: Connection,
    person: PersonRow,
    draft: Draft,
    *,
    existing: EntryRow | None,
    now: datetime,
    problems: list[Violation] | None,
) -> tuple[ProjectRow, TaskRow | None, WorkTypeRow | None]:
    """The draft's project, task and work type, once every rule holds for a change made by
    hand (and, for an edit, for the entry as it was: its month must be open too)."""
    project, task, work_type, found = _resolve(conn, draft, existing=existing)
    closed = periods.closed_among(conn, *_days(draft), *((existing.date,) if existing else ()))
    if existing is not None:
        found += rules.closed_month(existing.date, closed)
    if existing is None or draft.description.strip() != existing.description:
        found += rules.description(draft.description.strip())
    found += _timing(
        draft, person, now=now, closed=closed, earliest=people_store.workspace(conn).earliest_entry_date
    )
    if project is not None:
        found += _complete(conn, project, draft)
    found = _merge(problems, found, draft)
    if found:
        raise Invalid(found)
    assert project is not None
    return project, task, work_type


def _resolve(
    conn: Connection, draft: Draft, *, existing: EntryRow | None
) -> tuple[ProjectRow | None, TaskRow | None, WorkTypeRow | None, list[Violation]]:
    """The draft's project, task and work type, and what is wrong with them. New time goes
    on open projects, tasks and work types; an edit may keep the ones its entry has."""
    found: list[Violation] = []
    index = project_index.current(conn)
    project = index.by_id.get(draft.project_id) if draft.project_id is not None else None
    if project is None and existing is not None and draft.project_id == existing.project_id:
        project = catalog.project(conn, existing.project_id)
    if project is None:
        found.append(Violation("project", Rule.PROJECT))
    task = None
    if draft.task_id is not None:
        task = index.tasks_by_id.get(draft.task_id) or catalog.task(conn, draft.task_id)
        kept = existing is not None and existing.task_id == draft.task_id
        if task is None:
            found.append(Violation("task", Rule.TASK_OF_PROJECT, {"code": project.code if project else ""}))
        elif project is not None:
            found += rules.task_of(project, task, newly_chosen=not kept)
    work_type = catalog.work_type(conn, draft.work_type_id) if draft.work_type_id is not None else None
    kept_type = existing is not None and existing.work_type_id == draft.work_type_id
    found += rules.work_type_open(work_type, given=draft.work_type_id is not None, newly_chosen=not kept_type)
    return project, task, work_type, found


def _timing(
    draft: Draft, person: PersonRow, *, now: datetime, closed: set[str], earliest: date | None
) -> list[Violation]:
    return rules.duration(draft.seconds) + rules.day(
        draft.day, today=local_date(now, person.timezone), closed=closed, earliest=earliest
    )


def _complete(conn: Connection, project: ProjectRow, draft: Draft) -> list[Violation]:
    workspace = people_store.workspace(conn)
    return rules.completeness(
        project, workspace_fields=workspace.required_fields, min_description=workspace.min_description_length,
        description=draft.description, work_type_id=draft.work_type_id, task_id=draft.task_id,
    )  # fmt: skip


def _billed(conn: Connection, entry: EntryRow, project: ProjectRow) -> Billed | None:
    return pricing.billed_time(conn, raw_seconds=entry.duration_seconds, billable=entry.billable,
                               project_id=project.id, billing_type=project.billing_type.value)  # fmt: skip


def _days(draft: Draft) -> tuple[date, ...]:
    return (draft.day,) if draft.day is not None else ()


def _merge(problems: list[Violation] | None, found: list[Violation], draft: Draft) -> list[Violation]:
    """The surface's own problems first, then the rules' on other fields, each once."""
    out: list[Violation] = list(problems or [])
    fields = {v.field for v in out}
    for v in found:
        if v.field not in fields and v not in out:
            out.append(v)
    if not out and draft.seconds is None:
        out.append(Violation("duration", Rule.DURATION_MISSING))
    return out


def _content(
    draft: Draft, project: ProjectRow, task: TaskRow | None, work_type: WorkTypeRow | None
) -> dict[str, Any]:
    assert draft.day is not None and draft.seconds is not None
    return {
        "project_id": project.id, "task_id": task.id if task else None,
        "work_type_id": draft.work_type_id if work_type is None else work_type.id, "date": draft.day,
        "started_at": draft.started_at, "ended_at": draft.ended_at, "duration_seconds": draft.seconds,
        "description": draft.description.strip(), "billable": rules.billable(project, task, draft.billable),
    }  # fmt: skip
