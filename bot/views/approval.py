"""What submitters and approvers see: the submit answer, the approval DM and its outcomes."""

from __future__ import annotations

from typing import Any

from bot import ids
from bot.services.approvals import Decision, EntryDecided, Line, Overview, SubmitResult, Waiting
from bot.services.clock import format_hours
from bot.services.entries import Invalid
from bot.views.blocks import Block, context, escape, message, section, truncate
from bot.views.rules import sentences
from storage.models import EntryStatus, SubmissionStatus

# Approval DMs list this many entries, each a block with its own menu (a message holds 50
# blocks); the rest are counted and "View all" opens them in a paged modal.
DM_ENTRY_LINES = 40


def submitted(result: SubmitResult) -> dict[str, Any]:
    period = f"{result.first:%a %d %b} – {result.last:%a %d %b %Y}"
    lines = []
    for sent in result.sent:
        seconds = sum(e.duration_seconds for e in sent.entries)
        count = f"{len(sent.entries)} entries ({format_hours(seconds)})"
        lines.append(f":outbox_tray: {count} sent to {escape(sent.approver.name)} for approval.")
    if not result.sent:
        lines.append("Nothing to submit for this period.")
    blocks: list[Block] = [section(f"*Submitted: {period}*\n" + "\n".join(lines))]
    for held in result.held_back[:40]:
        e = held.entry
        what = escape(e.description) or "_no description_"
        blocks.append({
            **section(f":warning: {e.date:%a %d %b} {format_hours(e.duration_seconds)} "
                      f"{what}: {' '.join(sentences(Invalid(held.missing)))}"),
            "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Edit"},
                          "action_id": f"{ids.ENTRY_MENU}:{e.id}", "value": f"edit:{e.id}"},
        })  # fmt: skip
    if len(result.held_back) > 40:
        blocks.append(context(f"…and {len(result.held_back) - 40} more held back."))
    if result.held_back:
        blocks.append(context("Entries that need a field stay behind; fix them and submit again."))
    return message(f"Submitted {period}\n" + "\n".join(lines), blocks)


def approval_request(ov: Overview) -> dict[str, Any]:
    """The approver's DM, first as sent and then after every decision: who, what period, the
    entries (each with Approve / Reject… while it waits), and Approve all / Reject… for the
    rest; once closed, the outcome in place of the buttons."""
    period = f"{ov.first:%a %d %b} – {ov.last:%a %d %b %Y}"
    approved, rejected = ov.count(EntryStatus.APPROVED), ov.count(EntryStatus.REJECTED)
    waiting = sum(1 for line in ov.lines if line.pending)
    about = f"<@{ov.submitter}> submitted {format_hours(ov.seconds)} for {period}"
    if ov.pending:
        text = f"{escape(ov.submitter_name)} submitted {format_hours(ov.seconds)} for {period}"
        head = f"*{about}*"
        if approved or rejected:
            head += f"\n{approved} approved · {rejected} sent back · {waiting} waiting"
    else:
        text = _closed_text(ov, approved, rejected)
        verb, _, rest = text.partition(" ")
        head = f"*{verb}* {rest}\n{about}"
    blocks: list[Block] = [section(head)]
    shown = ov.lines[:DM_ENTRY_LINES]
    blocks += [_entry_block(ov, line) for line in shown]
    truncated = len(ov.lines) > len(shown)
    if truncated:
        blocks.append(context(f"…and {len(ov.lines) - len(shown)} more entries"))
    buttons: list[Block] = []
    value = str(ov.submission_id)
    if ov.pending:
        # After some entries were decided on their own, these decide only the waiting rest.
        approve, reject = ("Approve the rest", "Reject the rest…") if approved or rejected else (
            "Approve all", "Reject…")  # fmt: skip
        buttons += [
            {"type": "button", "style": "primary", "text": {"type": "plain_text", "text": approve},
             "action_id": ids.APPROVE_ALL, "value": value},
            {"type": "button", "text": {"type": "plain_text", "text": reject},
             "action_id": ids.REJECT_OPEN, "value": value},
        ]  # fmt: skip
    if truncated:
        buttons.append({"type": "button", "text": {"type": "plain_text", "text": "View all"},
                        "action_id": ids.VIEW_ALL_ENTRIES, "value": value})  # fmt: skip
    if buttons:
        blocks.append({"type": "actions", "block_id": f"decide:{ov.submission_id}", "elements": buttons})
    return message(text, blocks, ephemeral=False)


def _closed_text(ov: Overview, approved: int, rejected: int) -> str:
    when = f"{ov.decided_at:%Y-%m-%d %H:%M} UTC" if ov.decided_at else "an unknown time"
    if ov.status == SubmissionStatus.PARTIAL:
        return (f"Partly approved: {approved} approved, {rejected} sent back; closed by <@{ov.decided_by}> "
                f"at {when}")  # fmt: skip
    verb = "Approved" if ov.status == SubmissionStatus.APPROVED else "Rejected"
    text = f"{verb} by <@{ov.decided_by}> at {when} ({len(ov.lines)} entries)"
    if ov.reason:
        text += f": {escape(truncate(ov.reason, 500))}"
    return text


def entry_line(line: Line, *, description: int = 200, reason: int = 300) -> str:
    """One entry and, once decided, its outcome: by whom, when, and why when sent back."""
    what = escape(truncate(" ".join(line.description.split()), description)) or "_no description_"
    text = f"`{format_hours(line.seconds):>5}` {line.day:%a %d %b} · {escape(line.project)} · {what}"
    when = f"{line.decided_at:%Y-%m-%d %H:%M} UTC" if line.decided_at else ""
    if line.status == EntryStatus.APPROVED:
        return f":white_check_mark: {text}\napproved by <@{line.decided_by}> at {when}"
    if line.status == EntryStatus.REJECTED:
        why = f": {escape(truncate(line.reason, reason))}" if line.reason else ""
        return f":leftwards_arrow_with_hook: {text}\nsent back by <@{line.decided_by}> at {when}{why}"
    return text


def _entry_block(ov: Overview, line: Line) -> Block:
    block: Block = {**section(entry_line(line)), "block_id": f"entry:{line.entry_id}"}
    if ov.pending and line.pending:
        value = f"{ov.submission_id}:{line.entry_id}"
        block["accessory"] = {
            "type": "overflow", "action_id": ids.ENTRY_DECISION,
            "options": [
                {"text": {"type": "plain_text", "text": "Approve"}, "value": f"approve:{value}"},
                {"text": {"type": "plain_text", "text": "Reject…"}, "value": f"reject:{value}"},
            ],
        }  # fmt: skip
    return block


def submitter_notice(decision: Decision) -> dict[str, Any]:
    count = f"{decision.entries} remaining entries" if decision.earlier else f"{decision.entries} entries"
    if decision.approved:
        text = f":white_check_mark: <@{decision.decided_by}> approved your {count}."
        return message(text, [section(text)], ephemeral=False)
    text = (
        f":leftwards_arrow_with_hook: <@{decision.decided_by}> sent back {count}: {escape(decision.reason)}"
    )
    return message(text, [section(text), _resubmit_button(ids.OPEN_ENTRY_MODAL)], ephemeral=False)


def entry_notice(decided: EntryDecided) -> dict[str, Any]:
    """The submitter hears of each entry decided on its own, with the reason when sent back."""
    description = escape(truncate(decided.description, 200))
    what = f"`{format_hours(decided.seconds)}` {decided.day:%a %d %b} {description}"
    if decided.approved:
        text = f":white_check_mark: <@{decided.decided_by}> approved your entry {what}."
        return message(text, [section(text)], ephemeral=False)
    text = (
        f":leftwards_arrow_with_hook: <@{decided.decided_by}> sent back your entry {what}: "
        f"{escape(decided.reason)}"
    )
    # The button edits this very entry (the entry menu's edit), which can then be resubmitted.
    entry_id = decided.entry_id
    button = _resubmit_button(f"{ids.ENTRY_MENU}:{entry_id}", value=f"edit:{entry_id}")
    return message(text, [section(text), button], ephemeral=False)


def _resubmit_button(action_id: str, *, value: str | None = None) -> Block:
    button: Block = {"type": "button", "text": {"type": "plain_text", "text": "Edit and resubmit"},
                     "action_id": action_id}  # fmt: skip
    if value is not None:
        button["value"] = value
    return {"type": "actions", "elements": [button]}


def reject_modal(submission_id: int, metadata: str) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": ids.REJECT_MODAL,
        "title": {"type": "plain_text", "text": "Send back"},
        "submit": {"type": "plain_text", "text": "Reject"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": metadata,
        "blocks": [{
            "type": "input", "block_id": ids.REASON_BLOCK,
            "label": {"type": "plain_text", "text": "Why? The person sees this."},
            "element": {"type": "plain_text_input", "action_id": ids.REASON_INPUT, "multiline": True,
                        "max_length": 2000},
        }],
    }  # fmt: skip


def waiting_list(waiting: list[Waiting]) -> dict[str, Any]:
    """`/track approvals`: each pending submission with the same buttons as its DM."""
    if not waiting:
        return message(
            "Nothing is waiting for your approval.", [section("Nothing is waiting for your approval.")]
        )
    blocks: list[Block] = [section(f"*{len(waiting)} submissions waiting for you*")]
    for w in waiting[:20]:
        value = str(w.submission_id)
        blocks.append(section(f"<@{w.submitter}> · {w.first:%a %d %b} – {w.last:%a %d %b} · "
                              f"{w.entries} entries, {format_hours(w.seconds)}"))  # fmt: skip
        blocks.append({
            "type": "actions", "block_id": f"decide:{value}",
            "elements": [
                {"type": "button", "style": "primary", "text": {"type": "plain_text", "text": "Approve all"},
                 "action_id": ids.APPROVE_ALL, "value": value},
                {"type": "button", "text": {"type": "plain_text", "text": "Reject…"},
                 "action_id": ids.REJECT_OPEN, "value": value},
            ],
        })  # fmt: skip
    if len(waiting) > 20:
        blocks.append(context(f"…and {len(waiting) - 20} more; decide these first."))
    return message(f"{len(waiting)} submissions waiting for you", blocks)
