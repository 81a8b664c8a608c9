"""What submitters and approvers see: the submit answer, the approval DM and its outcome."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from bot import ids
from bot.services import policy
from bot.services.approvals import Decision, Sent, SubmitResult, Waiting
from bot.services.clock import format_hours
from bot.views.blocks import Block, context, escape, message, section, truncate

# Approval DMs list this many entries; the rest are counted (a "View all" modal is to come).
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
                      f"{what}: needs {policy.describe(held.missing)}"),
            "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Edit"},
                          "action_id": f"{ids.ENTRY_MENU}:{e.id}", "value": f"edit:{e.id}"},
        })  # fmt: skip
    if len(result.held_back) > 40:
        blocks.append(context(f"…and {len(result.held_back) - 40} more held back."))
    if result.held_back:
        blocks.append(context("Entries that need a field stay behind; fix them and submit again."))
    return message(f"Submitted {period}\n" + "\n".join(lines), blocks)


def approval_request(sent: Sent, submitter_name: str, submitter_id: str, period: str) -> dict[str, Any]:
    """The approver's DM: who, what period, hours per project, the entries, the buttons."""
    by_project: dict[int, int] = defaultdict(int)
    for e in sent.entries:
        by_project[e.project_id] += e.duration_seconds
    total = sum(by_project.values())
    lines = [f"`{format_hours(e.duration_seconds):>5}` {e.date:%a %d %b} {escape(e.description)}"
             for e in sent.entries[:DM_ENTRY_LINES]]  # fmt: skip
    if len(sent.entries) > DM_ENTRY_LINES:
        lines.append(f"_…and {len(sent.entries) - DM_ENTRY_LINES} more entries_")
    value = str(sent.submission_id)
    return {
        "text": f"{submitter_name} submitted {format_hours(total)} for {period}",
        "blocks": [
            section(f"*<@{submitter_id}> submitted {format_hours(total)} for {period}*"),
            section(truncate("\n".join(lines), 2900)),
            {
                "type": "actions",
                "block_id": f"decide:{sent.submission_id}",
                "elements": [
                    {
                        "type": "button",
                        "style": "primary",
                        "text": {"type": "plain_text", "text": "Approve all"},
                        "action_id": ids.APPROVE_ALL,
                        "value": value,
                    },
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Reject…"},
                        "action_id": ids.REJECT_OPEN,
                        "value": value,
                    },
                ],
            },  # fmt: skip
        ],
    }


def outcome(decision: Decision) -> dict[str, Any]:
    """The approver's DM after the decision: the outcome in place of the buttons."""
    verb = "Approved" if decision.status.value == "approved" else "Rejected"
    when = f"{decision.decided_at:%Y-%m-%d %H:%M} UTC"
    text = f"{verb} by <@{decision.decided_by}> at {when} ({decision.entries} entries)"
    if decision.reason:
        text += f": {escape(decision.reason)}"
    return message(text, [section(f"*{verb}* — {text}")], ephemeral=False)


def submitter_notice(decision: Decision) -> dict[str, Any]:
    if decision.status.value == "approved":
        text = f":white_check_mark: <@{decision.decided_by}> approved your {decision.entries} entries."
        return message(text, [section(text)], ephemeral=False)
    text = (
        f":leftwards_arrow_with_hook: <@{decision.decided_by}> sent back {decision.entries} entries: "
        f"{escape(decision.reason)}"
    )
    return message(
        text,
        [
            section(text),
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": "Edit and resubmit"},
                        "action_id": ids.OPEN_ENTRY_MODAL,
                    }
                ],
            },
        ],
        ephemeral=False,
    )


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
