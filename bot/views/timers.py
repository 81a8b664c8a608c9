"""What a person chooses when a timer is not saved as it stands: it ran past the firm's limit or
their midnight (save until start + 8 h, until the limit, all of it, other times, or discard),
or it began in a month closed since (save the part in the open month, or discard)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot import ids
from bot.services.clock import format_hours, local_time
from bot.services.entries import Invalid, Rule, Violation
from bot.views.blocks import Block, message, section
from bot.views.rules import refusal
from storage.people import PersonRow


def choices_for(err: Invalid) -> Violation | None:
    """The violation whose choices the answer offers, if any."""
    return next((v for v in err.violations if v.rule in (Rule.TIMER_REVIEW, Rule.CLOSED_MONTH)
                 and v.facts.get("timer_id")), None)  # fmt: skip


def _clock(person: PersonRow, instant: datetime) -> str:
    local = local_time(instant, person.timezone)
    return f"{local:%a} {local.hour:02d}:{local.minute:02d}"


def _button(label: str, index: int, value: dict[str, Any], *, style: str | None = None) -> Block:
    button: Block = {"type": "button", "text": {"type": "plain_text", "text": label[:75]},
                     "action_id": f"{ids.TIMER_CHOICE}:{index}", "value": json.dumps(value)}  # fmt: skip
    if style:
        button["style"] = style
    return button


def buttons(person: PersonRow, choice: Violation) -> list[Block]:
    f = choice.facts
    timer = f["timer_id"]
    found: list[Block] = []
    if choice.rule == Rule.TIMER_REVIEW:
        started: datetime = f["started_at"]
        for end in f["ends"]:
            span = format_hours(int((end - started).total_seconds()))
            found.append(_button(f"Save {span} (until {_clock(person, end)})", len(found),
                                 {"t": timer, "a": "end", "at": end.timestamp()}))  # fmt: skip
        found.append(_button("Other times…", len(found), {"t": timer, "a": "form"}))
    elif f.get("open_from") is not None:
        open_from: datetime = f["open_from"]
        span = format_hours(int((f["now"] - open_from).total_seconds()))
        found.append(_button(f"Save {span} from {_clock(person, open_from)}", len(found),
                             {"t": timer, "a": "from", "at": open_from.timestamp()}))  # fmt: skip
    found.append(_button("Discard the timer", len(found), {"t": timer, "a": "discard"}, style="danger"))
    if found:
        found[0]["style"] = found[0].get("style", "primary")
    return found


def choices(person: PersonRow, err: Invalid) -> dict[str, Any]:
    """The refusal, with the timer's choices as buttons under it."""
    choice = choices_for(err)
    text = refusal(err)
    if choice is None:
        return message(f":warning: {text}", [section(f":warning: {text}")])
    if choice.rule == Rule.CLOSED_MONTH:
        text += "\nThe timer is still running. Save the part in the open month, or discard it."
    return message(f":warning: {text}", blocks(person, err, text))


def blocks(person: PersonRow, err: Invalid, text: str) -> list[Block]:
    choice = choices_for(err)
    found: list[Block] = [section(f":warning: {text}")]
    if choice is not None:
        found.append({"type": "actions", "block_id": "timer_choices", "elements": buttons(person, choice)})
    return found


def choices_modal(person: PersonRow, err: Invalid) -> dict[str, Any]:
    """The same choices in a modal (a Stop clicked on the App Home)."""
    text = refusal(err)
    title, close = {"type": "plain_text", "text": "Stop the timer"}, {"type": "plain_text", "text": "Later"}
    return {"type": "modal", "title": title, "close": close, "blocks": blocks(person, err, text)}
