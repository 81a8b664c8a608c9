"""Invoices in Slack: the ``/track invoice`` answer, the summary posted beside the PDF (and
redrawn as the invoice moves on), the void reason modal, the answer when a run issued
nothing, and ``/track clients``. Pure functions of plain values; amounts in the invoice's
locale (Babel)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from bot import ids
from bot.errors import Refused
from bot.services.invoices.lifecycle import Voided
from bot.services.invoices.posts import Summary
from bot.services.invoices.runs import InvoiceQueued
from bot.views import refusals
from bot.views.blocks import Block, context, escape, header, message, modal, section, truncate

View = dict[str, Any]
PERIOD_ERROR = "Pick the period's first day, and a last day on or after it."
_STATUS = {"draft": "Draft", "issued": "Issued", "sent": "Sent", "paid": "Paid", "void": "Void"}


def money(amount: Decimal, currency: str, locale: str = "en_US") -> str:
    return str(format_currency(amount, currency, locale=locale))


def hours(value: Decimal, locale: str = "en_US") -> str:
    return str(format_decimal(value, format="#,##0.00", locale=locale))


def period(first: date, last: date, locale: str = "en_US") -> str:
    return f"{format_date(first, 'medium', locale=locale)} – {format_date(last, 'medium', locale=locale)}"


def queued(result: InvoiceQueued) -> dict[str, Any]:
    """``/track invoice``'s answer, at once: what is being built and where it will go."""
    when = period(result.first, result.last)
    if result.draft:
        text = (
            f":hourglass_flowing_sand: Building a *draft* invoice for *{escape(result.client)}*, {when}. "
            "It comes to you in a DM with *Issue* and *Discard*; nothing is billed or numbered "
            "until you issue it."
        )
    else:
        where = f"<#{result.channel}>" if result.channel else "your DMs (the client has no billing channel)"
        text = (
            f":hourglass_flowing_sand: Building the invoice for *{escape(result.client)}*, {when}, from "
            f"its approved time. The PDF and its summary will be posted in {where} in a few seconds."
        )
    return message(text)


def _title(s: Summary) -> str:
    if s.credit_note:
        return f"Credit note {s.number}"
    return f"Invoice {s.number}" if s.number else "Draft invoice"


def file_title(s: Summary) -> str:
    return f"{_title(s)} · {s.client} · {period(s.first, s.last, s.locale)}"


def _button(
    text: str,
    action_id: str,
    invoice_id: int,
    *,
    style: str | None = None,
    confirm: dict[str, Any] | None = None,
) -> Block:
    button: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": action_id,
        "value": str(invoice_id),
    }
    if style:
        button["style"] = style
    if confirm:
        button["confirm"] = confirm
    return button


def _confirm(title: str, text: str, yes: str) -> dict[str, Any]:
    return {
        "title": {"type": "plain_text", "text": title},
        "text": {"type": "mrkdwn", "text": text},
        "confirm": {"type": "plain_text", "text": yes},
        "deny": {"type": "plain_text", "text": "Cancel"},
    }


def summary(s: Summary, *, draft_post: bool = False, file_failed: bool = False) -> dict[str, Any]:
    """The summary beside the PDF: number, client, period, hours, total, dates and status, and
    what may be done next. ``draft_post``: the requester's DM about a draft, which tells where
    the invoice went once it was issued."""
    if draft_post and s.number:
        where = f" and posted in <#{s.channel}>" if s.channel else ""
        text = f":white_check_mark: Issued as *{s.number}*{where}."
        return message(
            f"Draft invoice for {s.client}: issued as {s.number}", [section(text)], ephemeral=False
        )
    money_of = lambda amount: money(amount, s.currency, s.locale)  # noqa: E731
    fields = [
        f"*Client*\n{escape(s.client)}",
        f"*Period*\n{period(s.first, s.last, s.locale)}",
        f"*Hours*\n{hours(s.hours, s.locale)}",
        f"*Total*\n{money_of(s.total)}",
    ]
    if s.issue_date and s.number:
        fields.append(f"*Issued*\n{format_date(s.issue_date, 'medium', locale=s.locale)}")
    if s.due_date and s.number and not s.credit_note:
        fields.append(f"*Due*\n{format_date(s.due_date, 'medium', locale=s.locale)}")
    fields.append(f"*Status*\n{_STATUS.get(s.status, s.status)}")
    blocks: list[Block] = [
        header(_title(s)),
        {"type": "section", "fields": [{"type": "mrkdwn", "text": truncate(f, 2000)} for f in fields]},
    ]
    by = f"<@{s.requested_by}>" if s.requested_by.startswith(("U", "W")) else "the command line"
    notes = [f"{s.lines} lines · {s.entries} entries · requested by {by}"]
    if s.credit_for:
        notes.append(f"cancels invoice {s.credit_for}")
    if s.status == "void":
        reason = f": {escape(truncate(s.void_reason, 500))}" if s.void_reason else ""
        credit = f" Credit note {s.credited_by} issued." if s.credited_by else ""
        blocks.append(section(f":no_entry: *Void*{reason}. Its time is back to approved.{credit}"))
    if s.status == "paid" and s.paid_at:
        notes.append(f"paid {format_date(s.paid_at.date(), 'medium', locale=s.locale)}")
    if s.number is None:
        notes.append("nothing is billed or numbered until it is issued")
    if file_failed:
        notes.append(":warning: the PDF could not be posted; `punchcard outbox --failed` says why")
    blocks.append(context(" · ".join(notes)))
    buttons = _buttons(s)
    if buttons:
        blocks.append({"type": "actions", "block_id": f"invoice:{s.invoice_id}", "elements": buttons})
    text = f"{_title(s)} · {s.client} · {period(s.first, s.last, s.locale)} · {money_of(s.total)}"
    return message(text, blocks, ephemeral=False)


def _buttons(s: Summary) -> list[Block]:
    i = s.invoice_id
    if s.status == "draft":
        return [
            _button(
                "Issue",
                ids.INVOICE_ISSUE,
                i,
                style="primary",
                confirm=_confirm(
                    "Issue this invoice?",
                    "It takes the next number and bills its time; it is posted to the "
                    "client's billing channel.",
                    "Issue",
                ),
            ),
            _button(
                "Discard",
                ids.INVOICE_DISCARD,
                i,
                style="danger",
                confirm=_confirm(
                    "Discard this draft?",
                    "Nothing was billed or numbered; the time stays approved.",
                    "Discard",
                ),
            ),
        ]
    out = []
    if s.status == "issued" and not s.credit_note:
        out.append(_button("Mark sent", ids.INVOICE_MARK_SENT, i, style="primary"))
    if s.status in ("issued", "sent") and not s.credit_note:
        out.append(
            _button(
                "Mark paid",
                ids.INVOICE_MARK_PAID,
                i,
                confirm=_confirm(
                    "Mark as paid?",
                    f"Invoice {s.number}: {money(s.total, s.currency, s.locale)}.",
                    "Mark paid",
                ),
            )
        )
        out.append(_button("Void…", ids.INVOICE_VOID, i, style="danger"))
    return out


def discarded() -> dict[str, Any]:
    return message(
        "Draft invoice discarded",
        [section(":wastebasket: Draft discarded; nothing was billed.")],
        ephemeral=False,
    )


def nothing(payload: dict[str, Any]) -> dict[str, Any]:
    """A run that issued nothing, told to its requester: nothing to bill, or why not."""
    client, reason = escape(str(payload.get("client") or "")), str(payload.get("reason") or "")
    when = period(date.fromisoformat(payload["first"]), date.fromisoformat(payload["last"]))
    if reason == "nothing_to_invoice":
        text = (
            f":information_source: Nothing to invoice for *{client}*, {when}: no approved, billable time "
            "that is not on an invoice already, and no fee, milestone or retainer month due. "
            "Time still awaiting approval is invoiced once approved."
        )
    else:
        why = refusals.refusal(Refused(reason, **(payload.get("facts") or {})))
        head = (
            f"*{client}*, {when}"
            if reason == "invoice_print_failed"
            else f"No invoice for *{client}*, {when}"
        )
        text = f":warning: {head}: {why}"
    return message(text, [section(text)], ephemeral=False)


def voided(result: Voided) -> str:
    """The void modal's outcome, in place."""
    text = (
        f":no_entry: *{result.invoice.number}* is void; {result.released} entries are back to approved "
        "and can be invoiced again."
    )
    if result.credit_note:
        text += f" Credit note *{result.credit_note}* is being posted beside it."
    return text


def refused(text: str) -> dict[str, Any]:
    return message(f":warning: {text}")


def void_modal(s: Summary, sealed: str) -> View:
    return modal(
        ids.VOID_MODAL,
        "Void invoice",
        [
            section(
                f"Void *{s.number}* for *{escape(s.client)}* ({money(s.total, s.currency, s.locale)})? "
                "It keeps its number, bills nothing any more, and its time goes back to approved."
            ),
            {
                "type": "input",
                "block_id": ids.VOID_REASON_BLOCK,
                "label": {"type": "plain_text", "text": "Reason (kept with the invoice)"},
                "element": {
                    "type": "plain_text_input",
                    "action_id": ids.VOID_REASON_INPUT,
                    "multiline": True,
                    "max_length": 2000,
                },
            },
        ],
        metadata=sealed,
        submit="Void",
    )
