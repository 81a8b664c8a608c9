"""A forgotten timer's DM: it has been running a long time or since before midnight; stop it
now, stop it at a time (a time picker), or keep it running. And what the DM says once the
person has chosen."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot import ids
from bot.services.clock import local_time
from bot.services.forgotten import Kept, Nudge
from bot.views.blocks import Block, context, escape, message, section

Message = dict[str, Any]


def block_id(n: Nudge) -> str:
    """Which timer the DM is about, read back by the listener (the owner, the timer, its start)."""
    return f"{ids.FORGOTTEN_BLOCK}:{n.slack_id}:{n.timer_id}:{n.started_at.isoformat()}"


def _when(n: Nudge, instant: datetime) -> str:
    local = local_time(instant, n.timezone)
    return f"{local:%a} {local.hour:02d}:{local.minute:02d}"


def _span(minutes: int) -> str:
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def _timer(n: Nudge) -> str:
    what = f"*{escape(n.project_code)}*"
    if n.description:
        what += f" ({escape(n.description[:200])})"
    return f"Your timer on {what}, started {_when(n, n.started_at)}"


def _question(n: Nudge) -> str:
    why = (
        "is still running into a new day"
        if n.past_midnight
        else f"has run more than {_span(n.limit_minutes)}"
    )
    return f":alarm_clock: {_timer(n)}, {why}. Still working? Nothing is saved until it stops."


def nudge(n: Nudge, *, warning: str | None = None) -> Message:
    """The DM with its three choices; ``warning``: a choice just refused, said above them."""
    question = _question(n)
    blocks: list[Block] = []
    if warning:
        blocks.append(section(f":warning: {warning}"))
    initial = local_time(n.suggested_end, n.timezone)
    picker = {
        "type": "timepicker",
        "action_id": ids.FORGOTTEN_STOP_AT,
        "initial_time": f"{initial.hour:02d}:{initial.minute:02d}",
        "placeholder": {"type": "plain_text", "text": "Stop at…"},
    }
    buttons: list[Block] = [
        {"type": "button", "action_id": ids.FORGOTTEN_STOP_NOW, "style": "primary",
         "text": {"type": "plain_text", "text": "Stop now"}},
        picker,
        {"type": "button", "action_id": ids.FORGOTTEN_KEEP,
         "text": {"type": "plain_text", "text": "Keep running"}},
    ]  # fmt: skip
    blocks += [
        section(question),
        {"type": "actions", "block_id": block_id(n), "elements": buttons},
        context(
            "*Stop at…*: pick the time you stopped; the time from the start until then is saved. "
            "*Keep running*: I won't ask about this timer again."
        ),
    ]
    text = f":warning: {warning}\n{question}" if warning else question
    return message(text, blocks, ephemeral=False)


def kept(result: Kept) -> Message:
    text = (f":ok_hand: {_timer(result.nudge)}, keeps running. I won't ask about it again; "
            "`/track stop` saves it when you're done.")  # fmt: skip
    return message(text, [section(text)], ephemeral=False)


def went_wrong() -> Message:
    text = ":warning: Something went wrong on our side; nothing was changed."
    return message(text, [section(text)], ephemeral=False)
