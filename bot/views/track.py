"""What ``/track`` answers, built from service results. Pure functions of plain values."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from bot import ids, parsing
from bot.services import approvals, people, reports, time_off
from bot.services.clock import format_hours, local_time
from bot.services.entries import Saved
from bot.services.entries.rules import EDITABLE
from bot.services.invoices.runs import InvoiceQueued
from bot.services.timers import Discarded, Running, Started
from bot.services.track import (
    ClientsWanted,
    FormRequest,
    HelpResult,
    History,
    Logged,
    RateAnswer,
    Reopened,
    ReportWanted,
    Result,
    StatusResult,
    Stopped,
    WaitingList,
)
from bot.views import audit as audit_views
from bot.views import invoices as invoice_views
from bot.views import rates
from bot.views import rules as rule_views
from bot.views import time_off as time_off_views
from bot.views.blocks import Block, context, escape, message, section
from storage.catalog import ProjectRow, TaskRow
from storage.people import PersonRow

Message = dict[str, Any]


def work_label(project: ProjectRow, task: TaskRow | None, description: str = "") -> str:
    label = f"*{escape(project.code)}* {escape(project.name)}"
    if task is not None:
        label += f" › {escape(task.name)}"
    if description:
        label += f" — {escape(description)}"
    return label


def _clock(person: PersonRow, instant: Any) -> str:
    local = local_time(instant, person.timezone)
    return f"{local.hour:02d}:{local.minute:02d}"


def _saved_text(saved: Saved) -> str:
    e = saved.entry
    return (
        f"Saved {format_hours(e.duration_seconds)} on {work_label(saved.project, saved.task, e.description)}"
    )


def billed_note(saved: Saved) -> str:
    """When the time billed is not the time measured, say so and why (" 0:00 measured,
    billed 0.1 h under the firm's 6-minute increment"); else nothing."""
    billed, raw = saved.billed, saved.entry.duration_seconds
    if billed is None or billed.seconds == raw:
        return ""
    why = f"the firm's {billed.increment_minutes}-minute increment"
    if billed.rounding.value != "up":
        why += f", rounded {billed.rounding.value}"
    if billed.minimum_minutes and billed.seconds == billed.minimum_minutes * 60 and raw < billed.seconds:
        why = f"the firm's {billed.minimum_minutes}-minute minimum"
    hours = (Decimal(billed.seconds) / 3600).quantize(Decimal("0.01")).normalize()
    return f" ({format_hours(raw)} measured, billed {hours:f} h under {why})"


def _missing_text(saved: Saved) -> str | None:
    """What the firm's policy still asks of a saved timer entry, in the rules' own words."""
    if not saved.pending:
        return None
    hint = " (add `type:<name>` when you start)" if any(v.field == "work_type" for v in saved.pending) else ""
    said = " ".join(rule_views.sentences(rule_views.Invalid(saved.pending)))
    return f":warning: {said} Add it{hint} before you submit this period for approval."


def render(person: PersonRow, result: Result) -> Message:
    match result:
        case Started():
            return started(person, result)
        case Stopped(saved=saved):
            return stopped(saved)
        case Discarded():
            return discarded(person, result)
        case Logged():
            return logged(result)
        case StatusResult():
            return status(person, result)
        case reports.Period():
            return period(person, result)
        case HelpResult():
            return help_message()
        case FormRequest():
            return message("Opening the form…")
        case InvoiceQueued():
            return invoice_views.queued(result)
        case ClientsWanted():
            return message("Gathering every client's figures…")
        case ReportWanted():
            return message("Building your report…")
        case approvals.SubmitResult():
            from bot.views.approval import submitted

            return submitted(result)
        case WaitingList(waiting=waiting):
            from bot.views.approval import waiting_list

            return waiting_list(waiting)
        case RateAnswer(explanation=explanation):
            text = rates.explanation_text(explanation)
            return message(text, [section(escape(text))])
        case History(entry_id=entry_id, records=records):
            text = f"History of entry {entry_id}:\n" + audit_views.render(records)
            return message(text, [section(escape(text))])
        case time_off.TimeOffTaken() | time_off.TimeOffCancelled() | time_off.TimeOffList():
            return time_off_views.answer(result)
        case people.ReminderSettings():
            return time_off_views.reminders(result)
        case Reopened(entry=entry):
            text = f"Entry {entry.id} is a draft again; its owner can change and resubmit it."
            return message(text, [section(text)])
    raise AssertionError(f"no view for {result!r}")


def started(person: PersonRow, result: Started) -> Message:
    lines = []
    if result.saved is not None:
        lines.append(_saved_text(result.saved) + "." + billed_note(result.saved))
        missing = _missing_text(result.saved)
        if missing:
            lines.append(missing)
    now_running = work_label(result.project, result.task, result.timer.description)
    lines.insert(
        0, f":stopwatch: Timer running on {now_running} since {_clock(person, result.timer.started_at)}."
    )
    if not result.timer.billable:
        lines.append("_Non-billable._")
    return message(lines[0] if len(lines) == 1 else "\n".join(lines), [section("\n".join(lines))])


def discarded(person: PersonRow, result: Discarded) -> Message:
    text = (f":wastebasket: Discarded the timer on *{escape(result.project.code)}* "
            f"({format_hours(result.elapsed_seconds)} since {_clock(person, result.timer.started_at)}); "
            "nothing was saved.")  # fmt: skip
    return message(text, [section(text)])


def stopped(saved: Saved) -> Message:
    lines = [f":white_check_mark: {_saved_text(saved)}.{billed_note(saved)}"]
    missing = _missing_text(saved)
    if missing:
        lines.append(missing)
    return message("\n".join(lines), [section("\n".join(lines))])


def logged(result: Logged) -> Message:
    saved = result.saved
    e = saved.entry
    text = (
        f":white_check_mark: Logged {format_hours(e.duration_seconds)} on "
        f"{work_label(saved.project, saved.task, e.description)} for {_day(e.date)}.{billed_note(saved)}"
    )
    if not e.billable:
        text += " _Non-billable._"
    return message(text, [section(text)])


def _day(day: date) -> str:
    return day.strftime("%a %d %b %Y")


def running_line(person: PersonRow, run: Running) -> str:
    return (
        f":stopwatch: Running: {work_label(run.project, run.task, run.timer.description)} — "
        f"{format_hours(run.elapsed_seconds)} since {_clock(person, run.timer.started_at)}"
    )


def status(person: PersonRow, result: StatusResult) -> Message:
    total = result.today_seconds + (result.running.elapsed_seconds if result.running else 0)
    first = running_line(person, result.running) if result.running else "No timer is running."
    text = f"{first}\nToday: {format_hours(total)} tracked."
    return message(text, [section(first), context(f"Today: *{format_hours(total)}* tracked")])


# Title, running timer, summary and the "more" note leave this many blocks for the entries.
PERIOD_ENTRY_BLOCKS = 45


def entry_menu(entry_id: int) -> dict[str, Any]:
    """The Edit / Delete overflow of an entry (action ids must be unique within a message)."""
    return {
        "type": "overflow",
        "action_id": f"{ids.ENTRY_MENU}:{entry_id}",
        "options": [
            {"text": {"type": "plain_text", "text": "Edit"}, "value": f"edit:{entry_id}"},
            {"text": {"type": "plain_text", "text": "Delete"}, "value": f"delete:{entry_id}"},
        ],
    }


def entry_block(line: reports.EntryLine) -> Block:
    e = line.entry
    flag = "" if e.billable else " _(non-billable)_"
    text = (
        f"`{format_hours(e.duration_seconds):>5}` {work_label(line.project, line.task, e.description)}{flag}"
    )
    if e.status not in EDITABLE:
        return section(f"{text} :lock: _{e.status.value}_")
    return {**section(text), "accessory": entry_menu(e.id)}


def period(person: PersonRow, result: reports.Period) -> Message:
    title = (
        f"Today, {_day(result.first)}"
        if result.label == "today"
        else f"Week of {_day(result.first)} – {_day(result.last)}"
    )
    entry_blocks: list[Block] = []
    shown = 0
    for day in sorted({line.entry.date for line in result.lines}):
        day_lines = [line for line in result.lines if line.entry.date == day]
        if result.label == "week":
            if len(entry_blocks) + 2 > PERIOD_ENTRY_BLOCKS:
                break
            day_total = sum(line.entry.duration_seconds for line in day_lines)
            entry_blocks.append(context(f"*{_day(day)}* — {format_hours(day_total)}"))
        for line in day_lines:
            if len(entry_blocks) >= PERIOD_ENTRY_BLOCKS:
                break
            entry_blocks.append(entry_block(line))
            shown += 1
    if not result.lines:
        entry_blocks.append(section("_No time tracked yet._"))
    summary = (
        f"*{format_hours(result.total_seconds)}* tracked, {format_hours(result.billable_seconds)} billable"
    )
    if result.scheduled_seconds:
        summary += f" · scheduled {format_hours(result.scheduled_seconds)}"
        gap = result.scheduled_seconds - result.total_seconds
        summary += f" ({format_hours(gap)} to go)" if gap > 0 else " (schedule met)"
    blocks = [section(f"*{title}*"), *entry_blocks]
    if shown < len(result.lines):
        blocks.append(context(f"…and {len(result.lines) - shown} more entries: the App Home lists them all."))
    if result.running:
        blocks.append(section(running_line(person, result.running)))
    blocks.append(context(summary))
    return message(f"{title}: {format_hours(result.total_seconds)} tracked", blocks)


HELP_LINES = [
    (
        "start",
        "Start a timer (a running one is saved first)",
        "/track start ACME-WEB Design homepage wireframes",
    ),
    ("stop", "Stop the timer and save the entry (a description given replaces its own)", "/track stop"),
    ("discard", "Drop the running timer without saving its time", "/track discard"),
    ("status", "What is running, and today's total", "/track status"),
    (
        "log",
        "Log time by hand; `on <date>` for another day",
        "/track log 1h30m ACME-WEB Build fixed the footer on yesterday",
    ),
    ("new", "A form to log time (also `/track log` alone; `/track start` alone starts one)", "/track new"),
    ("edit", "Change your last entry", "/track edit last"),
    ("delete", "Delete your last entry", "/track delete last"),
    ("rate", "Which rate priced an entry (partners and admins)", "/track rate last"),
    ("audit", "An entry's history: who changed what, when", "/track audit last"),
    ("submit", "Send this week's time for approval (or `last week`, or a period)", "/track submit"),
    ("approvals", "Submissions waiting for you (partners and admins)", "/track approvals"),
    ("off", "Days off: a day, a range (`a..b`), some hours of a day; `cancel` undoes", "/track off friday"),
    (
        "reminders",
        "The morning nudge about missing hours: `at 17:30`, `off`, `on`",
        "/track reminders at 17:30",
    ),
    (
        "reopen",
        "Send an entry back to draft, with a reason (partners and admins)",
        "/track reopen 42 wrong matter",
    ),
    (
        "invoice",
        "Invoice a client's approved time for a period (partners and admins); `draft` to see it first",
        "/track invoice Acme last month",
    ),
    ("clients", "Unbilled time, awaiting approval and the last invoice, per client", "/track clients"),
    (
        "report",
        "Hours, billable share and value for a period, by client, project, task, person or work type; "
        "a chart to your DM, CSV or XLSX on request",
        "/track report last month by project",
    ),
    ("today", "Today's entries against your schedule", "/track today"),
    ("week", "This week's entries against your schedule", "/track week"),
    ("help", "This list", "/track help"),
]


def help_message() -> Message:
    lines = [f"*{name}* — {what}\n`{example}`" for name, what, example in HELP_LINES]
    notes = (
        "Projects by code or name (a unique beginning is enough; quote names with spaces). "
        "The word after the project is a task when it names one. Durations: "
        + parsing.DURATION_FORMS
        + ". Dates: "
        + parsing.DATE_FORMS
        + ". "
        "Add `type:<work type>` to set a work type."
    )
    return message("How to use /track", [section("\n".join(lines)), context(notes)])


def error(text: str) -> Message:
    return message(f":warning: {text}", [section(f":warning: {text}")])
