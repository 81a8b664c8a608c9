"""The missing-hours nudge: the previous working day's expected vs logged hours, the earlier
short days, and buttons that fill the gap. Redrawn in place as days are filled."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from bot import ids
from bot.services.clock import format_hours, zone
from bot.services.missing_hours import MAX_SNOOZES, DayState, Nudge
from bot.views.blocks import Block, context, section


def _day(d: date) -> str:
    return f"{d:%A}, {d:%b} {d.day}"


def _button(label: str, action: str, value: dict[str, Any], *, style: str | None = None) -> Block:
    button: Block = {"type": "button", "text": {"type": "plain_text", "text": label},
                     "action_id": action, "value": json.dumps(value)}  # fmt: skip
    if style:
        button["style"] = style
    return button


def _line(d: DayState, tolerance: int) -> str:
    if d.expected == 0:
        why = {"holiday": "a public holiday", "off": "marked off"}.get(d.off or "", "nothing expected")
        return f":white_check_mark: *{_day(d.day)}*: {why}"
    if d.missing <= tolerance:
        logged = f"{format_hours(d.logged)} of {format_hours(d.expected)} logged"
        return f":white_check_mark: *{_day(d.day)}*: {logged}"
    return (f":hourglass: *{_day(d.day)}*: {format_hours(d.logged)} of {format_hours(d.expected)} logged, "
            f"*{format_hours(d.missing)} missing*")  # fmt: skip


def nudge(n: Nudge) -> dict[str, Any]:
    """The DM (chat.postMessage / chat.update arguments without channel)."""
    short = n.short
    at = f"{n.reminder_minutes // 60:02d}:{n.reminder_minutes % 60:02d}"
    settings = f"Reminders come at {at} on your working days: `/track reminders at 17:30` moves them, `/track reminders off` stops them."  # noqa: E501
    if not short:
        text = ":white_check_mark: All caught up, thank you: " + ", ".join(_day(d.day) for d in n.days) + "."
        lines = "\n".join(_line(d, n.tolerance) for d in n.days)
        return {"text": text, "blocks": [section(text), section(lines), context(settings)]}
    first = n.days[0]
    if first in short:
        text = f"Your time for {_day(first.day)} looks incomplete: {format_hours(first.logged)} of {format_hours(first.expected)} logged."  # noqa: E501
    else:
        days = f"{len(short)} earlier day{'s' if len(short) != 1 else ''}"
        text = f"{_day(first.day)} is filled in; {days} still short."
    blocks: list[Block] = [section(f":wave: {text}")]
    for d in n.days:
        value = {"d": d.day.isoformat(), "t": n.today.isoformat(), "s": n.snoozes}
        line = section(_line(d, n.tolerance))
        if d in short:
            line["accessory"] = _button(
                "Log time", f"{ids.MISSING_LOG}:{d.day.isoformat()}", value, style="primary"
            )
        blocks.append(line)
        if d in short:
            blocks.append({"type": "actions", "block_id": f"missing_hours:{d.day.isoformat()}", "elements": [
                _button("I was off", f"{ids.MISSING_OFF}:{d.day.isoformat()}", value),
            ]})  # fmt: skip
    if n.snoozes < MAX_SNOOZES:
        snooze = {"d": short[0].day.isoformat(), "t": n.today.isoformat(), "s": n.snoozes}
        blocks.append({"type": "actions", "block_id": "missing_hours:snooze",
                       "elements": [_button("Snooze 2 hours", ids.MISSING_SNOOZE, snooze)]})  # fmt: skip
    blocks.append(context(settings))
    return {"text": text, "blocks": blocks}


def snoozed(until: datetime, timezone_name: str) -> dict[str, Any]:
    local = until.astimezone(zone(timezone_name))
    text = f":zzz: Snoozed: I'll ask again at {local:%H:%M}."
    return {"text": text, "blocks": [section(text)]}


def cannot_snooze() -> dict[str, Any]:
    text = (
        "That's as often as today's reminder can be snoozed; it will be back tomorrow if days are "
        "still short."
    )
    return {"text": text, "blocks": [section(text)]}
