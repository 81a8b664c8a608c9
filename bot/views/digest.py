"""The weekly digest a partner reads on Monday morning: the firm's pace last week (who is
missing hours), budgets and their projections, approvals waiting, time-log quality."""

from __future__ import annotations

from typing import Any

from bot.services.clock import format_hours
from bot.services.digest import Digest
from bot.views.blocks import MAX_SECTION_TEXT, Block, context, divider, escape, header, section
from bot.views.budgets import bar, outlook, subject_name
from bot.views.partner import quality_blocks

PEOPLE_PER_SECTION = 20
PEOPLE_SECTIONS = 5  # at most 100 people short listed; the rest are counted


def _week(d: Digest) -> str:
    return f"{d.first:%b} {d.first.day} – {d.last:%b} {d.last.day}, {d.last.year}"


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %" if whole else "–"


def _people(d: Digest) -> list[Block]:
    short = d.short
    if not d.pace:
        return [section("Nobody's schedule expected hours last week.")]
    if not short:
        return [section(f":white_check_mark: Everyone logged their expected hours ({len(d.pace)} people).")]
    blocks: list[Block] = [section(f"*Missing hours* ({len(short)} of {len(d.pace)} people short)")]
    shown = short[: PEOPLE_PER_SECTION * PEOPLE_SECTIONS]
    for i in range(0, len(shown), PEOPLE_PER_SECTION):
        page = shown[i : i + PEOPLE_PER_SECTION]
        lines = [f"• <@{p.slack_id}> {format_hours(p.logged)} of {format_hours(p.expected)} "
                 f"(*{format_hours(p.missing)} missing*)" for p in page]  # fmt: skip
        blocks.append(section("\n".join(lines)[:MAX_SECTION_TEXT]))
    if len(short) > len(shown):
        blocks.append(context(f"…and {len(short) - len(shown)} more people short."))
    return blocks


def _budgets(d: Digest) -> list[Block]:
    if not d.budgets:
        return []
    lines = [f"• {subject_name(c)}: `{bar(c.percent)}` runs out {outlook(c)}" for c in d.budgets]
    return [divider(), section("*Budgets*\n" + "\n".join(lines))]


def _approvals(d: Digest) -> list[Block]:
    if not d.waiting:
        return [divider(), section(":inbox_tray: No time is waiting for approval.")]
    mine = len(d.waiting_for_reader)
    text = f":inbox_tray: {d.waiting} submission{'s' if d.waiting != 1 else ''} waiting for approval"
    text += f", {mine} of them for you: `/track approvals`." if mine else "."
    return [divider(), section(text)]


def digest(d: Digest) -> dict[str, Any]:
    summary = (f"Logged {format_hours(d.logged)} of {format_hours(d.expected)} expected hours "
               f"({_percent(d.logged, d.expected)}).")  # fmt: skip
    blocks: list[Block] = [header(f"Weekly digest: {_week(d)}"), section(summary), *_people(d),
                           *_budgets(d), *_approvals(d), divider(), *quality_blocks(d.quality)]  # fmt: skip
    return {"text": f"Weekly digest, {_week(d)}: {escape(summary)}", "blocks": blocks}
