"""Carry out a parsed ``/track`` command for a person. No Slack here: results are plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from bot import parsing
from bot.errors import UserError
from bot.services import approvals, audit, catalog, entries, entry_form, pricing, reports, timers
from bot.services.timers import Running, SavedEntry, Started
from bot.views import rates
from storage.models import Role, TimeEntry
from storage.rows import EntryRow, PersonRow, ProjectRow, TaskRow, WorkTypeRow


@dataclass(frozen=True)
class Logged:
    entry: EntryRow
    project: ProjectRow
    task: TaskRow | None


@dataclass(frozen=True)
class StatusResult:
    running: Running | None
    today_seconds: int


@dataclass(frozen=True)
class HelpResult:
    pass


@dataclass(frozen=True)
class FormRequest:
    """Open a modal: ``kind`` is "entry", "start", "edit" or "delete" (the last two name an entry)."""

    kind: str
    entry_id: int | None = None


@dataclass(frozen=True)
class RateAnswer:
    text: str


@dataclass(frozen=True)
class WaitingList:
    waiting: list[approvals.Waiting]


Result = (
    Started
    | SavedEntry
    | Logged
    | StatusResult
    | reports.Period
    | HelpResult
    | FormRequest
    | RateAnswer
    | approvals.SubmitResult
    | WaitingList
)


def execute(conn: Connection, person: PersonRow, command: parsing.Command, *, now: datetime) -> Result:
    match command:
        case parsing.Start(project=query, rest=rest):
            work = _work(conn, query, rest)
            return timers.start(
                conn,
                person,
                project=work.project,
                task=work.task,
                work_type=work.work_type,
                description=work.description,
                now=now,
            )
        case parsing.Stop():
            return timers.stop(conn, person, now=now)
        case parsing.Status():
            return StatusResult(
                running=timers.running(conn, person, now=now),
                today_seconds=reports.today_seconds(conn, person, now=now),
            )
        case parsing.Log(seconds=seconds, project=query, rest=rest, day=day):
            work = _work(conn, query, rest)
            entry = entries.log(
                conn,
                person,
                project=work.project,
                task=work.task,
                work_type=work.work_type,
                description=work.description,
                day=day,
                seconds=seconds,
                now=now,
            )
            return Logged(entry=entry, project=work.project, task=work.task)
        case parsing.Report(period=label):
            return reports.period(conn, person, label=label, now=now)
        case parsing.Help():
            return HelpResult()
        case parsing.OpenModal(kind=kind):
            return FormRequest(kind)
        case parsing.RateQuery(entry=entry_id):
            return _explain_rate(conn, person, entry_id)
        case parsing.AuditQuery(entry=entry_id):
            return _audit(conn, person, entry_id)
        case parsing.Submit(first=first_day, last=last_day):
            return approvals.submit(conn, person, first=first_day, last=last_day, now=now)
        case parsing.Approvals():
            if person.role not in (Role.PARTNER, Role.ADMIN):
                raise UserError("Approvals are for partners and admins; `/track submit` sends yours.")
            return WaitingList(approvals.waiting_for(conn, person))
        case parsing.Reopen(entry=entry_id, reason=reason):
            reopened = approvals.reopen(conn, entry_id, person, reason=reason, now=now)
            return RateAnswer(f"Entry {reopened.id} is a draft again; its owner can change and resubmit it.")
        case parsing.LastEntry(action=action):
            with Session(bind=conn) as session:  # joins the caller's transaction
                last = entry_form.last_entry(session, person)
                entry_form.ensure_editable(session, last)
                return FormRequest(action, last.id)
    raise AssertionError(f"unhandled command {command!r}")


@dataclass(frozen=True)
class _Work:
    project: ProjectRow
    task: TaskRow | None
    work_type: WorkTypeRow | None
    description: str


def _work(conn: Connection, query: str, rest: list[str]) -> _Work:
    """``<project> [task] [description]`` words, resolved: the grammar start and log share."""
    project = catalog.find_project(conn, query)
    task, rest = catalog.take_task(conn, project, rest)
    work_type, rest = catalog.take_work_type(conn, rest)
    return _Work(project, task, work_type, " ".join(rest))


def _explain_rate(conn: Connection, person: PersonRow, entry_id: int | None) -> RateAnswer:
    """Rates are internal: partners and admins only."""
    if person.role not in (Role.PARTNER, Role.ADMIN):
        raise UserError("Only partners and admins can see rates.")
    if entry_id is None:
        with Session(bind=conn) as session:
            entry_id = entry_form.last_entry(session, person).id
    explanation = pricing.explain(conn, entry_id)
    if explanation is None:
        raise UserError(f"There is no entry {entry_id}.")
    return RateAnswer(rates.explanation_text(explanation))


def _audit(conn: Connection, person: PersonRow, entry_id: int | None) -> RateAnswer:
    """An entry's history: your own entries, or any for partners and admins."""
    with Session(bind=conn) as session:
        if entry_id is None:
            entry_id = entry_form.last_entry(session, person).id
        owner = conn.execute(select(TimeEntry.person_id).where(TimeEntry.id == entry_id)).scalar()
    records = audit.history(conn, entry_id)
    mine = owner == person.id or (owner is None and any(r[2] == person.slack_id for r in records))
    if not records or not (mine or person.role in (Role.PARTNER, Role.ADMIN)):
        raise UserError(f"No history of entry {entry_id} that you can see.")
    return RateAnswer(f"History of entry {entry_id}:\n" + audit.render(records))
