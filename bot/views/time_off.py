"""Answers to ``/track off`` and ``/track reminders``."""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.services.clock import format_hours
from bot.services.people import ReminderSettings
from bot.services.time_off import TimeOffCancelled, TimeOffList, TimeOffTaken
from bot.views.blocks import context, escape, message, section

SHOWN = 30  # days off listed


def day(d: date) -> str:
    return f"{d:%a} {d:%b} {d.day}, {d.year}"


def span(first: date, last: date) -> str:
    return day(first) if first == last else f"{day(first)} – {day(last)}"


def answer(result: TimeOffTaken | TimeOffCancelled | TimeOffList) -> dict[str, Any]:
    if isinstance(result, TimeOffTaken):
        how = "off" if result.seconds is None else f"off for {format_hours(result.seconds)} of the day"
        text = f":palm_tree: {span(result.first, result.last)}: {how}"
        if result.reason:
            text += f" ({escape(result.reason)})"
        counted = len(result.working_days)
        text += f". {counted} working day{'s' if counted != 1 else ''} in it"
        text += "." if counted else " (nothing was expected on these days anyway)."
        if result.holidays:
            text += (
                " Public holidays in it: "
                + ", ".join(f"{day(d)} ({escape(n)})" for d, n in result.holidays)
                + "."
            )
        hint = (
            "Missing-hours nudges leave these days out. `/track off cancel "
            + (result.first.isoformat() if result.first == result.last else f"{result.first}..{result.last}")
            + "` undoes it."
        )
        return message(text, [section(text), context(hint)])
    if isinstance(result, TimeOffCancelled):
        if not result.removed:
            text = f"No time off was recorded on {span(result.first, result.last)}; nothing changed."
        else:
            days = f"{result.removed} day{'s' if result.removed != 1 else ''}"
            text = f"Cancelled {days} off in {span(result.first, result.last)}."
        return message(text, [section(text)])
    if not result.days:
        text = "No days off recorded. " + "`/track off friday` records one."
        return message(text, [section(text)])
    lines = [
        f"• {day(r.date)}" + ("" if r.seconds is None else f": {format_hours(r.seconds)} off")
        + (f" — {escape(r.reason)}" if r.reason else "")
        for r in result.days[:SHOWN]
    ]  # fmt: skip
    more = len(result.days) - SHOWN
    if more > 0:
        lines.append(f"…and {more} more")
    text = "*Your days off*\n" + "\n".join(lines)
    return message(text, [section(text)])


def reminders(settings: ReminderSettings) -> dict[str, Any]:
    at = f"{settings.minutes // 60:02d}:{settings.minutes % 60:02d}"
    if settings.on:
        text = (f":alarm_clock: Missing-hours reminders are on: at {at} ({escape(settings.timezone)}) on "
                "your working days, when your previous working day is short of your schedule.")  # fmt: skip
    else:
        text = ":no_bell: Missing-hours reminders are off. `/track reminders on` turns them back on."
    hint = "`/track reminders at 17:30` moves them; `/track reminders off` stops them."
    return message(text, [section(text), context(hint)])
