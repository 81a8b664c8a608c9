"""The "View all" modal: every entry of a submission, a page at a time.

A modal holds 100 blocks and a section 3000 characters: a page lists ``PAGE_SIZE`` entries,
one line each, packed into as few sections as fit, with Previous / Next below.
"""

from __future__ import annotations

from typing import Any

from bot import ids
from bot.services.approvals import Line, Overview
from bot.services.clock import format_hours
from bot.views.blocks import Block, context, escape, section, truncate
from storage.models import EntryStatus

PAGE_SIZE = 50
SECTION_CHARS = 2900  # under the 3000 a section allows, whatever the escaping added


def pages(ov: Overview) -> int:
    return max(1, -(-len(ov.lines) // PAGE_SIZE))


def entries_modal(ov: Overview, *, page: int, metadata: str) -> dict[str, Any]:
    """Page ``page`` (from 0, clamped) of the submission's entries: date, hours, project,
    description and status, with the reason of any sent back."""
    count = pages(ov)
    page = min(max(page, 0), count - 1)
    chosen = ov.lines[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    period = f"{ov.first:%a %d %b} – {ov.last:%a %d %b %Y}"
    blocks: list[Block] = [
        section(f"*<@{ov.submitter}>* · {period} · {len(ov.lines)} entries, {format_hours(ov.seconds)}")
    ]
    chunk: list[str] = []
    for line in (_line(ln) for ln in chosen):
        if chunk and len("\n".join([*chunk, line])) > SECTION_CHARS:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    if not ov.lines:
        blocks.append(section("_No entries._"))
    first = page * PAGE_SIZE + 1
    blocks.append(context(f"Entries {first}–{first + len(chosen) - 1} of {len(ov.lines)}"))
    nav = []
    if page > 0:
        nav.append(_page_button("‹ Previous", "previous", page - 1))
    if page < count - 1:
        nav.append(_page_button("Next ›", "next", page + 1))
    if nav:
        blocks.append({"type": "actions", "block_id": "entries_pages", "elements": nav})
    return {
        "type": "modal",
        "callback_id": ids.ENTRIES_MODAL,
        "title": {"type": "plain_text", "text": f"Entries {page + 1}/{count}"[:24]},
        "close": {"type": "plain_text", "text": "Close"},
        "private_metadata": metadata,
        "blocks": blocks,
    }


_STATUS = {
    EntryStatus.SUBMITTED: "waiting",
    EntryStatus.APPROVED: "approved",
    EntryStatus.REJECTED: "sent back",
}


def _line(line: Line) -> str:
    what = escape(truncate(" ".join(line.description.split()), 150)) or "_no description_"  # one line
    status = _STATUS.get(line.status, line.status.value)
    if line.status == EntryStatus.REJECTED and line.reason:
        status += f": {escape(truncate(line.reason, 150))}"
    if line.decided_by and not line.pending:
        status += f" (<@{line.decided_by}>)"
    return (
        f"{line.day:%a %d %b} · `{format_hours(line.seconds)}` · {escape(line.project)} · {what} · {status}"
    )


def _page_button(text: str, which: str, page: int) -> Block:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": text},
        "action_id": f"{ids.ENTRIES_PAGE}:{which}",
        "value": str(page),
    }
