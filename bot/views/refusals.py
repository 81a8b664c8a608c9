"""The words for every refusal a service makes (``bot.errors.Refused``), and the one place
that turns any error meant for a person into what they read."""

from __future__ import annotations

from typing import Any

from bot.errors import Refused, UserError
from bot.services.entries.rules import Invalid
from bot.views import rules

_TEXT = {
    "no_approver": "Nobody can approve this time yet: the firm has no partner, and neither the project nor "
    "its client has an approver.",
    "no_submission": "That submission does not exist.",
    "not_approver": "Only this submission's approver or an admin can decide it; nothing was changed.",
    "not_viewer": "Only the submitter, the approver or an admin can see these entries.",
    "reason_needed": "Say why, so the person can fix it.",
    "not_in_submission": "That entry is no longer part of this submission; nothing was changed.",
    "approvals_for_partners": "Approvals are for partners and admins; `/track submit` sends yours.",
    "reopen_for_partners": "Only partners and admins can reopen entries.",
    "reopen_reason_needed": "Say why it is reopened: `/track reopen <entry id> <reason>`.",
    "no_entry": "There is no entry {entry}.",
    "not_reopenable": "Entry {entry} is {status}; only submitted or approved entries reopen.",
    "rates_for_partners": "Only partners and admins can see rates.",
    "no_entries_yet": "You have no entries yet. Log one with `/track log` or `/track new`.",
    "no_history": "No history of entry {entry} that you can see.",
    "not_a_month": "{text!r} is not a month; write it as YYYY-MM, e.g. 2026-10",
    "month_already_closed": "{month} is already closed.",
    "month_reason_needed": "Reopening a closed month needs a reason (--reason).",
    "month_not_closed": "{month} is not closed.",
    "form_of_someone_else": "This form was opened by someone else, so nothing was saved.",
    "no_such_form": "That form does not exist.",
    "invoices_for_partners": "Only partners and admins can invoice; nothing was changed.",
    "no_such_client": "That client does not exist.",
    "no_such_invoice": "That invoice does not exist.",
    "invoice_not_draft": "That invoice is no longer a draft ({status}); nothing was changed.",
    "invoice_not_issued": "Invoice {number} is {status}; only an issued invoice is marked sent.",
    "invoice_not_payable": "Invoice {number} is {status}; only an issued or sent invoice is marked paid.",
    "invoice_not_voidable": "Invoice {number} is {status}; only an issued or sent invoice can be voided.",
    "void_reason_needed": "Say why the invoice is voided; the reason is kept with it.",
    "sharing_for_partners": "Only partners and admins can share a client's hours; nothing was changed.",
    "no_such_link": "There is no such share link.",
    "link_already_revoked": "That link ({hint}…) was revoked already.",
    "invoice_print_failed": "Invoice {number} was issued (its time is billed) but its PDF could not be made "
    "after several tries; an admin can find why in the log (a firm's own template?), then void it to bill "
    "the time again.",
    "invoice_run_failed": "building it failed several times; an admin can find why in the log "
    "(`punchcard invoice` from the command line says it at once).",
    "invoice_unpriced": "{count} approved entries on {project} have no rate, so nothing was invoiced: "
    "reopen them after setting a rate (`punchcard rates`).",
    "project_closed": "That project is closed; pick another one.",
    "closed_months": "{months} is closed, so its time can't be approved or sent back; an admin can reopen "
    "the month first (`punchcard period reopen`). Nothing was changed.",
    "period_reversed": "--from {first} is after --to {last}",
    "no_client": "no client named {name!r}",
    "time_off_reversed": "{last} is before {first}: a range of days off runs from its first day to its last.",
    "time_off_too_long": "That is more than {days} days; record a long absence a year at a time.",
    "time_off_too_old": "Time off can be recorded up to {days} days back; ask an admin to import older days.",
    "time_off_hours": "Hours off in a day are more than 0 and at most 24.",
    "stop_at_not_yet": "It hasn't been {chosen:%H:%M} yet since the timer started, so the timer can't have "
    "stopped then; pick a time that has passed. Nothing was saved.",
}
_VERB = {"partial": "decided"}  # else the status itself: approved, rejected


def _already(facts: dict[str, Any]) -> str:
    who = f" by <@{facts['by']}>" if facts.get("by") else ""
    when = f" at {facts['at']:%Y-%m-%d %H:%M} UTC" if facts.get("at") else ""
    outcome = str(facts.get("outcome"))
    return f"Already {_VERB.get(outcome, outcome)}{who}{when}."


def refusal(err: Refused) -> str:
    if err.reason == "already_decided":
        return _already(err.facts)
    template = _TEXT.get(err.reason)
    return template.format(**err.facts) if template else err.reason


def explain(err: Exception, *, hint: str = "") -> str:
    """What the person reads for an error meant for them (UserError, Refused, Invalid)."""
    if isinstance(err, Invalid):
        return rules.refusal(err, hint=hint)
    if isinstance(err, Refused):
        return refusal(err)
    if isinstance(err, UserError):
        return err.render()
    raise TypeError(f"not an error for people: {err!r}")


def meant_for_people(err: Exception) -> bool:
    return isinstance(err, Invalid | Refused | UserError)
