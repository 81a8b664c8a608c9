"""Small Block Kit helpers and the platform's limits, so every view stays within them."""

from __future__ import annotations

from typing import Any

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_CONTEXT_ELEMENTS = 10
MAX_FALLBACK_TEXT = 4000

Block = dict[str, Any]


def escape(text: str) -> str:
    """mrkdwn escaping: user text must not turn into links or mentions."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def truncate(text: str, limit: int, more: str = "…") -> str:
    if len(text) <= limit:
        return text
    return text[: limit - len(more)] + more


def section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": truncate(text, MAX_SECTION_TEXT)}}


def context(*texts: str) -> Block:
    return {
        "type": "context",
        "elements": [
            {"type": "mrkdwn", "text": truncate(t, MAX_SECTION_TEXT)} for t in texts[:MAX_CONTEXT_ELEMENTS]
        ],
    }


def divider() -> Block:
    return {"type": "divider"}


def header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": truncate(text, 150)}}


def message(text: str, blocks: list[Block] | None = None, *, ephemeral: bool = True) -> dict[str, Any]:
    msg: dict[str, Any] = {"text": truncate(text, MAX_FALLBACK_TEXT)}
    if blocks:
        msg["blocks"] = blocks[:MAX_MESSAGE_BLOCKS]
    if ephemeral:
        msg["response_type"] = "ephemeral"
    return msg


def modal(
    callback_id: str,
    title: str,
    blocks: list[Block],
    *,
    metadata: str,
    submit: str | None = None,
    close: str = "Cancel",
) -> dict[str, Any]:
    """A modal view: ``metadata`` its (sealed) private_metadata; no ``submit``, no submit button."""
    view: dict[str, Any] = {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": metadata,
        "title": {"type": "plain_text", "text": truncate(title, 24)},
        "close": {"type": "plain_text", "text": close},
        "blocks": blocks[:MAX_VIEW_BLOCKS],
    }
    if submit is not None:
        view["submit"] = {"type": "plain_text", "text": submit}
    return view
