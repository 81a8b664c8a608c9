"""The message shortcut "Track time for this message"."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import ids
from bot.context import Deps
from bot.listeners.forms import open_form
from bot.services.entries.rules import MAX_DESCRIPTION
from bot.services.track import FormRequest

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.shortcut(ids.TRACK_MESSAGE_SHORTCUT)
    def track_message(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        deps.background(lambda: _open(deps, client, body))


def _open(deps: Deps, client: WebClient, body: dict[str, Any]) -> None:
    """After the ack: the permalink, then the entry modal with the message as description."""
    message = body.get("message") or {}
    channel = (body.get("channel") or {}).get("id")
    link = ""
    if channel and message.get("ts"):
        try:
            link = client.chat_getPermalink(channel=channel, message_ts=message["ts"])["permalink"]
        except (SlackApiError, KeyError) as err:
            logger.info("no permalink for the shortcut: %s", err)
    text = (message.get("text") or "").strip()
    # The form opens with the message and its link; a message longer than an entry holds
    # is shown cut, visibly, for the person to shorten before saving.
    description = "\n".join(part for part in (text, link) if part)
    if len(description) > MAX_DESCRIPTION:
        description = text[: MAX_DESCRIPTION - len(link) - 2] + "…\n" + link
    open_form(deps, client, trigger_id=body["trigger_id"], user_id=body["user"]["id"],
              request=FormRequest("entry"), description=description)  # fmt: skip
