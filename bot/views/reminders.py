"""Reminders: what an approver reads about submissions waiting for them."""

from __future__ import annotations

from typing import Any

from bot.services.clock import format_hours
from bot.services.reminders import PendingItem, PendingReminder
from bot.views.blocks import Block, context, message, section

MAX_LISTED = 40  # a message holds 50 blocks


def _item(item: PendingItem, link: str | None) -> str:
    period = f"{item.first:%a %d %b} – {item.last:%a %d %b}"
    line = (f"<@{item.submitter}> · {period} · {item.entries} entries, {format_hours(item.seconds)} · "
            f"waiting {item.working_days} working days")  # fmt: skip
    return line + (f" · <{link}|Open the request>" if link else "")


def pending_approvals(
    reminder: PendingReminder, waiting: list[tuple[PendingItem, str | None]]
) -> dict[str, Any]:
    n = len(waiting)
    head = f":hourglass_flowing_sand: {n} submission{'s' if n != 1 else ''} waiting for your approval"
    blocks: list[Block] = [section(f"*{head}*")]
    for item, link in waiting[:MAX_LISTED]:
        blocks.append(section(_item(item, link)))
    if n > MAX_LISTED:
        blocks.append(context(f"…and {n - MAX_LISTED} more: `/track approvals` lists them all."))
    else:
        blocks.append(context("`/track approvals` lists them with their buttons."))
    return message(head, blocks, ephemeral=False)
