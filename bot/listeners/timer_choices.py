"""A person's choice about a timer not saved as it stood (``bot.services.entries.timed``):
save it until a chosen end, save its part in the open month, log other times in the form,
or discard it. The click is the clicker's: only their own running timer, and only the
timer the choice was offered for, can be changed."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot import ids
from bot.context import Deps
from bot.listeners.forms import open_form
from bot.notify import HOME_DELAY_IN_VIEW, home_changed
from bot.services import people, timers
from bot.services.entries import Invalid
from bot.services.track import FormRequest
from bot.shapes import whole_number
from bot.views import refusals
from bot.views import timers as timer_views
from bot.views import track as views
from bot.views.entry_modal import done_modal

logger = logging.getLogger(__name__)
KINDS = ("end", "from", "discard", "form")


def register(app: App, deps: Deps) -> None:
    @app.action(re.compile(f"^{ids.TIMER_CHOICE}(:.*)?$"))  # action ids are unique per block
    def timer_choice(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        try:
            value = json.loads(action.get("value") or "{}")
            timer_id, kind = whole_number(value["t"]), str(value["a"])
            at = datetime.fromtimestamp(float(value["at"]), UTC) if "at" in value else None
        except (ValueError, KeyError, TypeError, OverflowError, OSError):
            timer_id = None
        if timer_id is None:
            logger.warning("malformed timer choice: %r", action.get("value"))
            return
        if kind not in KINDS:
            return
        if kind == "form":
            trigger, user_id = body["trigger_id"], body["user"]["id"]
            request = FormRequest("timer", timer_id)
            deps.background(
                lambda: open_form(deps, client, trigger_id=trigger, user_id=user_id, request=request)
            )
            return
        deps.background(lambda: _choose(deps, client, body, timer_id, kind, at))


def _choose(
    deps: Deps, client: WebClient, body: dict[str, Any], timer_id: int, kind: str, at: datetime | None
) -> None:
    user_id = body["user"]["id"]
    now = deps.clock()
    person = None
    try:
        with deps.db.transaction() as conn:
            person = people.get_or_register(conn, user_id, now=now, for_update=True)
            if kind == "discard":
                answer = views.discarded(person, timers.discard(conn, person, now=now, timer_id=timer_id))
            else:
                end, begin = (at, None) if kind == "end" else (None, at)
                answer = views.stopped(
                    timers.stop(conn, person, now=now, timer_id=timer_id, end=end, begin=begin)
                )
    except Exception as err:
        if isinstance(err, Invalid) and person is not None and timer_views.choices_for(err):
            answer = timer_views.choices(person, err)  # still to choose (its month closed meanwhile)
        elif refusals.meant_for_people(err):
            answer = views.error(refusals.explain(err))
        else:
            logger.exception("a timer choice failed for %s", user_id)
            answer = views.error("Something went wrong on our side; nothing was changed.")
    _show(client, body, answer)
    home_changed(deps, client, user_id, delay=HOME_DELAY_IN_VIEW)


def _show(client: WebClient, body: dict[str, Any], answer: dict[str, Any]) -> None:
    """The outcome in place of the choices: the ephemeral message, or the modal they were in."""
    try:
        view = body.get("view")
        if view and view.get("id"):
            text = answer.get("text", "")
            client.views_update(view_id=view["id"], view=done_modal("Timer", text))
        elif body.get("response_url"):
            reply = {k: v for k, v in answer.items() if k != "response_type"}
            WebhookClient(body["response_url"]).send_dict({**reply, "replace_original": True})
    except (SlackApiError, OSError) as err:
        logger.warning("could not show the timer choice's outcome: %s", err)
