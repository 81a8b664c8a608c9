"""The App Home tab: a pure function of HomeData, within Slack's limits (100 blocks)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot import ids
from bot.services.clock import format_hours, local_time
from bot.services.home_tab import ENTRIES_PER_PAGE, HomeData, RecentWork
from bot.services.reports import Period
from bot.views.blocks import Block, context, divider, header, section, truncate
from bot.views.track import entry_block, work_label

MAX_HOME_BLOCKS = 100
MAX_BUTTON_VALUE = 2000


def button(text: str, action_id: str, value: str = "", style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": truncate(text, 75)},
        "action_id": action_id,
    }
    if value:
        element["value"] = value
    if style:
        element["style"] = style
    return element


def _restart_value(work: RecentWork) -> str:
    data = {"p": work.project.id, "t": work.task.id if work.task else None, "d": work.description}
    value = json.dumps(data)
    if len(value) > MAX_BUTTON_VALUE:
        data["d"] = work.description[: MAX_BUTTON_VALUE // 2]
        value = json.dumps(data)[:MAX_BUTTON_VALUE]
        if len(value) >= MAX_BUTTON_VALUE:
            value = json.dumps({**data, "d": ""})
    return value


def _pair(work: RecentWork) -> str:
    return work.project.code + (f" › {work.task.name}" if work.task else "")


def _totals(period: Period) -> str:
    text = f"*{format_hours(period.total_seconds)}* tracked, {format_hours(period.billable_seconds)} billable"
    if period.scheduled_seconds:
        gap = period.scheduled_seconds - period.total_seconds
        text += f" of {format_hours(period.scheduled_seconds)} scheduled"
        text += f" ({format_hours(gap)} to go)" if gap > 0 else " (schedule met)"
    return text


def home_view(data: HomeData, *, now: datetime, page: int = 0) -> dict[str, Any]:
    blocks: list[Block] = [header("Punchcard")]
    if data.running:
        run = data.running
        started = local_time(run.timer.started_at, data.person.timezone).strftime("%H:%M")
        blocks.append({
            **section(f":stopwatch: *Running:* {work_label(run.project, run.task, run.timer.description)}\n"
                      f"{format_hours(run.elapsed_seconds)} since {started}"),
            "accessory": button("Stop", ids.STOP_TIMER, style="danger"),
        })  # fmt: skip
    else:
        blocks.append(section("No timer running."))
    blocks.append({
        "type": "actions",
        "elements": [button("Log time", ids.OPEN_ENTRY_MODAL, style="primary"),
                     button("Start timer…", ids.OPEN_START_MODAL)],
    })  # fmt: skip
    if data.recent:
        blocks.append(context("*Start again* — one click restarts the timer"))
        blocks.append({
            "type": "actions",
            "elements": [
                button(_pair(work), f"{ids.START_RECENT}:{i}", _restart_value(work))
                for i, work in enumerate(data.recent)
            ],
        })  # fmt: skip
    if data.approvals_waiting is not None:
        blocks.append(section(f":inbox_tray: *{data.approvals_waiting}* entries waiting for your approval."))
    if data.unbilled is not None:
        lines = [f"• {c.client}: {format_hours(c.seconds)}" for c in data.unbilled] or ["Nothing unbilled."]
        blocks.append(section("*Unbilled hours*\n" + "\n".join(lines)))

    blocks += [divider(), section(f"*Today* · {_totals(data.today)}")]
    today_lines = data.today.lines
    blocks += [entry_block(line) for line in today_lines[:ENTRIES_PER_PAGE]] or [
        context("Nothing yet today.")
    ]
    today_count = data.today.line_count
    if today_count > ENTRIES_PER_PAGE:
        blocks.append(context(f"…and {today_count - ENTRIES_PER_PAGE} more today."))

    # The week's earlier days, latest first, paged (home_data reads up to the page shown).
    earlier = sorted((ln for ln in data.week.lines if ln.entry.date != data.today.first),
                     key=lambda ln: (ln.entry.date, ln.entry.id), reverse=True)  # fmt: skip
    earlier_count = max(len(earlier), data.week.line_count - today_count)
    blocks += [divider(), section(f"*This week* · {_totals(data.week)}")]
    pages = max(1, -(-earlier_count // ENTRIES_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = earlier[page * ENTRIES_PER_PAGE : (page + 1) * ENTRIES_PER_PAGE]
    day = None
    for line in shown:
        if line.entry.date != day:
            day = line.entry.date
            blocks.append(context(f"*{day:%a %d %b}*"))
        blocks.append(entry_block(line))
    if not earlier_count:
        blocks.append(context("No earlier entries this week."))
    if pages > 1:
        nav = []
        if page > 0:
            nav.append(button("‹ Newer", f"{ids.HOME_PAGE}:newer", str(page - 1)))
        if page < pages - 1:
            nav.append(button("Older ›", f"{ids.HOME_PAGE}:older", str(page + 1)))
        blocks.append(context(f"Page {page + 1} of {pages}"))
        blocks.append({"type": "actions", "elements": nav})
    blocks.append(
        context(f"Updated {local_time(now, data.person.timezone):%a %H:%M} ({data.person.timezone})")
    )
    return {"type": "home", "blocks": blocks[:MAX_HOME_BLOCKS]}


def welcome_view() -> dict[str, Any]:
    """The Home tab of someone who has not tracked anything yet."""
    return {
        "type": "home",
        "blocks": [
            header("Punchcard"),
            section(
                "Track billable time without leaving Slack. Start a timer with "
                "`/track start <project>`, or log time you already worked:"
            ),
            {
                "type": "actions",
                "elements": [
                    button("Log time", ids.OPEN_ENTRY_MODAL, style="primary"),
                    button("Start timer…", ids.OPEN_START_MODAL),
                ],
            },
            context("`/track help` lists every command."),
        ],
    }
