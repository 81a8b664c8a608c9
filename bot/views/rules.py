"""The words for each entry rule (``bot.services.entries.rules``): one sentence per rule, the
same on every surface (``/track``, the entry form under its field, a stopped timer)."""

from __future__ import annotations

from datetime import date

from bot.parsing import DURATION_FORMS
from bot.services.entries.rules import Invalid, Rule, Violation
from bot.views.blocks import escape
from storage.models import EntryStatus

MAX_CANDIDATES = 10
LABELS = {"description": "a description", "work_type": "a work type", "task": "a task"}


def describe_fields(fields: list[str]) -> str:
    labels = [LABELS[f] for f in fields]
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def _month(day: date) -> str:
    return f"{day:%B %Y}"


def _locked(v: Violation) -> str:
    approver = v.facts.get("approver")
    who = f"{approver} (the project's approver) or an admin" if approver else "a partner or an admin"
    reasons = {
        EntryStatus.SUBMITTED: f"it is submitted for approval; {who} can send it back to you",
        EntryStatus.APPROVED: f"it is approved and locked; {who} can reopen it",
        EntryStatus.BILLED: f"it is on an invoice; {who} can reopen it only by voiding the invoice",
    }
    status = v.facts.get("status")
    return f"This entry can't be changed: {reasons.get(status, str(status))}."  # type: ignore[arg-type]


def _review(v: Violation) -> str:
    f = v.facts
    ran = f["ran"]
    hours = int(ran.total_seconds() // 3600)
    span = f"{hours}:{int(ran.total_seconds() % 3600 // 60):02d}"
    why = (f"more than the firm's {int(f['limit'].total_seconds() // 3600)} hours" if ran > f["limit"]
           else "past midnight")  # fmt: skip
    return f"This timer has run {span}, {why}, so it was not saved: say how long you worked."


def describe(v: Violation) -> str:
    """The rule's sentence (mrkdwn-safe: names are escaped)."""
    f = v.facts
    code = escape(str(f.get("code", "")))
    match v.rule:
        case Rule.DURATION:
            return "An entry is more than zero and at most 24 hours."
        case Rule.DURATION_MISSING:
            return f"How long? Write {DURATION_FORMS}, or give start and end times."
        case Rule.DURATION_FORMAT:
            return f"That is not a duration. Write it as {DURATION_FORMS}."
        case Rule.TIMES_INCOMPLETE:
            return "Give both a start and an end time, or a duration instead."
        case Rule.TIMES_AND_DURATION:
            return "Give a duration or start and end times, not both."
        case Rule.DATE_MISSING:
            return "Pick the day the work was done."
        case Rule.FUTURE:
            return f"{f['day']:%a %d %b %Y} is in the future; you can only log time already worked."
        case Rule.TOO_EARLY:
            first = f"{f['earliest']:%a %d %b %Y}"
            return f"{f['day']:%a %d %b %Y} is before {first}, the earliest day this firm takes time for."
        case Rule.CLOSED_MONTH:
            return f"{_month(f['day'])} is closed, so its time can't change; an admin can reopen it."
        case Rule.PROJECT:
            return "Choose a project you can track time on."
        case Rule.NO_MATCH:
            return (
                f"No active project matches `{escape(str(f.get('query', '')))}`. "
                "Use a project's code or name "
                "(a unique beginning is enough; quote names with spaces)."
            )
        case Rule.AMBIGUOUS:
            candidates = list(f.get("candidates", []))
            listing = "\n".join(f"• `{escape(p.code)}` {escape(p.name)}" for p in candidates[:MAX_CANDIDATES])
            more = "\n…and more; type more of the name." if f.get("more") else ""
            return f"`{escape(str(f.get('query', '')))}` matches more than one project:\n{listing}{more}"
        case Rule.UNKNOWN_WORK_TYPE:
            known = ", ".join(f"`{escape(n)}`" for n in f.get("known", []))
            name = escape(str(f.get("name", "")))
            return f"`{name}` is not a work type of this workspace. Known: {known or 'none'}."
        case Rule.TASK_OF_PROJECT:
            return f"That task is not a task of {code}; choose one of its tasks."
        case Rule.TASK_CLOSED:
            return f"The task {escape(str(f.get('task', '')))} of {code} is closed; choose an open one."
        case Rule.WORK_TYPE:
            return "Choose one of the work types in the list."
        case Rule.REQUIRED:
            return f"{code} needs {describe_fields(list(f.get('fields', [])))}."
        case Rule.MIN_DESCRIPTION:
            return f"Write at least {f['minimum']} characters so the client can read it."
        case Rule.LONG_DESCRIPTION:
            return (f"The description is {f['length']:,} characters; one entry holds at most {f['limit']:,}. "
                    "Shorten it (nothing was cut).")  # fmt: skip
        case Rule.NUL:
            return "The description holds a NUL character, which can't be stored; remove it."
        case Rule.NOT_YOURS:
            return "That entry is not one of yours, so nothing was changed."
        case Rule.LOCKED:
            return _locked(v)
        case Rule.STALE:
            return "This entry changed after you opened it; nothing was saved. Open it again."
        case Rule.TIMER_REVIEW:
            return _review(v)
        case Rule.TIMER_SPAN:
            return "That span is outside the time the timer ran; nothing was saved."
        case Rule.TIMER_GONE:
            return "That timer is no longer running, so nothing was changed."
        case Rule.NO_TIMER:
            return "No timer is running. Start one with `/track start <project>`."
    return str(v.rule)


def sentences(err: Invalid) -> list[str]:
    """Each rule broken, once (several missing fields are one sentence)."""
    required = [v for v in err.violations if v.rule == Rule.REQUIRED]
    fields = [f for v in required for f in v.facts.get("fields", [])]
    merged = (
        Violation(required[0].field, Rule.REQUIRED, {**required[0].facts, "fields": fields})
        if required
        else None
    )
    out: list[str] = []
    for v in err.violations:
        text = describe(merged if merged is not None and v.rule == Rule.REQUIRED else v)
        if text not in out:
            out.append(text)
    return out


def refusal(err: Invalid, *, hint: str = "") -> str:
    """A refused change as one message: every rule it broke, and that nothing was saved."""
    lines = sentences(err)
    text = lines[0] if len(lines) == 1 else "\n".join(f"• {line}" for line in lines)
    final = {Rule.NOT_YOURS, Rule.STALE, Rule.NO_TIMER, Rule.TIMER_REVIEW, Rule.TIMER_GONE, Rule.TIMER_SPAN}
    if not any(v.rule in final for v in err.violations):
        text += "\nNothing was saved."
    if err.timer and not any(v.rule == Rule.TIMER_REVIEW or v.facts.get("timer_id") for v in err.violations):
        hint = hint or TIMER_HINT
    return text + (f"\n{hint}" if hint else "")


TIMER_HINT = (
    "The timer is still running. Log the time you worked with `/track log`, then drop the timer "
    "with `/track discard`."
)
