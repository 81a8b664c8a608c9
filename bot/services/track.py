"""Carry out a parsed ``/track`` command for a person. No Slack here: results are plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection

from bot import invoice_words, parsing, report_words, time_words
from bot.errors import Refused
from bot.services import approvals, audit, catalog, entries, people, pricing, reports, time_off, timers
from bot.services.entries import Saved
from bot.services.invoices import runs as invoice_runs
from bot.services.invoices.issue import may_invoice
from bot.services.timers import Discarded, Running, Started
from storage.audit import AuditRow
from storage.catalog import ProjectRow, TaskRow, WorkTypeRow
from storage.entries import EntryRow
from storage.models import Role
from storage.people import PersonRow


@dataclass(frozen=True)
class Logged:
    saved: Saved


@dataclass(frozen=True)
class Stopped:
    saved: Saved


@dataclass(frozen=True)
class StatusResult:
    running: Running | None
    today_seconds: int


@dataclass(frozen=True)
class HelpResult:
    pass


@dataclass(frozen=True)
class FormRequest:
    """Open a modal: ``kind`` is "entry", "start", "edit", "delete" (these two name an entry)
    or "timer" (the entry form for a running timer's time: ``entry_id`` is the timer's id)."""

    kind: str
    entry_id: int | None = None
    day: date | None = None  # "entry": the form opens on this day (a nudge's Log time)


@dataclass(frozen=True)
class ClientsWanted:
    """``/track clients``: the overview is gathered after the ack (a query over every client)."""

    page: int


@dataclass(frozen=True)
class ReportWanted:
    """``/track report``: gathered after the ack (a query over the period's entries, every
    person's for partners and admins: ``bot.services.report``)."""

    request: report_words.ReportRequest


@dataclass(frozen=True)
class RateAnswer:
    explanation: pricing.Explanation


@dataclass(frozen=True)
class History:
    entry_id: int
    records: list[AuditRow]


@dataclass(frozen=True)
class Reopened:
    entry: EntryRow


@dataclass(frozen=True)
class WaitingList:
    waiting: list[approvals.Waiting]


Result = (
    Started
    | Stopped
    | Discarded
    | Logged
    | StatusResult
    | reports.Period
    | HelpResult
    | FormRequest
    | RateAnswer
    | History
    | Reopened
    | approvals.SubmitResult
    | WaitingList
    | time_off.TimeOffTaken
    | time_off.TimeOffCancelled
    | time_off.TimeOffList
    | people.ReminderSettings
    | invoice_runs.InvoiceQueued
    | ClientsWanted
    | ReportWanted
)


def execute(conn: Connection, person: PersonRow, command: parsing.Command, *, now: datetime) -> Result:
    match command:
        case parsing.Start(project=query, rest=rest):
            work = _work(conn, query, rest)
            return timers.start(
                conn,
                person,
                project_id=work.project.id,
                task_id=work.task.id if work.task else None,
                work_type_id=work.work_type.id if work.work_type else None,
                description=work.description,
                now=now,
            )
        case parsing.Stop(description=description):
            return Stopped(timers.stop(conn, person, now=now, description=description))
        case parsing.Discard():
            return timers.discard(conn, person, now=now)
        case parsing.Status():
            return StatusResult(
                running=timers.running(conn, person, now=now),
                today_seconds=reports.today_seconds(conn, person, now=now),
            )
        case parsing.Log(seconds=seconds, project=query, rest=rest, day=day):
            work = _work(conn, query, rest)
            draft = entries.Draft(
                project_id=work.project.id,
                day=day,
                seconds=seconds,
                task_id=work.task.id if work.task else None,
                work_type_id=work.work_type.id if work.work_type else None,
                description=work.description,
            )
            return Logged(entries.create(conn, person, draft, now=now))
        case parsing.Report(period=label):
            return reports.period(conn, person, label=label, now=now)
        case parsing.Help():
            return HelpResult()
        case parsing.OpenModal(kind=kind):
            return FormRequest(kind)
        case parsing.RateQuery(entry=entry_id):
            return _explain_rate(conn, person, entry_id)
        case parsing.AuditQuery(entry=entry_id):
            return History(*audit.history_for(conn, person, entry_id))
        case parsing.Submit(first=first_day, last=last_day):
            return approvals.submit(conn, person, first=first_day, last=last_day, now=now)
        case parsing.Approvals():
            return WaitingList(approvals.waiting_for(conn, person))
        case parsing.Reopen(entry=entry_id, reason=reason):
            return Reopened(approvals.reopen(conn, entry_id, person, reason=reason, now=now))
        case time_words.TimeOff(first=first_day, last=last_day, seconds=seconds, reason=reason):
            return time_off.take(conn, person, first_day, last_day, seconds=seconds, reason=reason, now=now)
        case time_words.CancelTimeOff(first=first_day, last=last_day):
            return time_off.cancel(conn, person, first_day, last_day, now=now)
        case time_words.ListTimeOff():
            return time_off.upcoming(conn, person, now=now)
        case time_words.Reminders(on=on, minutes=minutes):
            return people.set_reminders(conn, person, on=on, minutes=minutes, now=now)
        case invoice_words.InvoiceRequest(client=client, first=first_day, last=last_day, draft=draft,
                                          grouping=grouping):  # fmt: skip
            return invoice_runs.request(conn, person.slack_id, client=client, first=first_day, last=last_day,
                                        draft=draft, now=now, grouping=grouping)  # fmt: skip
        case invoice_words.ClientsOverview(page=page):
            may_invoice(conn, person.slack_id)
            return ClientsWanted(page)
        case report_words.ReportRequest():
            return ReportWanted(command)
        case parsing.LastEntry(action=action):
            last = entries.last_entry(conn, person)
            if last is None:
                raise Refused("no_entries_yet")
            entries.own_entry(conn, person, last.id)  # refuses locked entries before the form opens
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
        raise Refused("rates_for_partners")
    if entry_id is None:
        last = entries.last_entry(conn, person)
        if last is None:
            raise Refused("no_entries_yet")
        entry_id = last.id
    explanation = pricing.explain(conn, entry_id)
    if explanation is None:
        raise Refused("no_entry", entry=entry_id)
    return RateAnswer(explanation)
