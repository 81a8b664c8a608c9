"""A forgotten timer's DM (``bot.services.forgotten``): Stop now, Stop at… (a time picker),
Keep running. The click is the clicker's: the service changes only their own running timer,
and only the one the DM was about (its actions block's id says which); the DM then says what
happened, in place."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot import ids
from bot.context import Deps
from bot.errors import Refused
from bot.notify import HOME_DELAY_IN_VIEW, home_changed
from bot.services import forgotten, people
from bot.services.entries import Invalid
from bot.shapes import whole_number
from bot.views import forgotten as views
from bot.views import refusals
from bot.views import timers as timer_views
from bot.views import track as track_views

logger = logging.getLogger(__name__)
ACTIONS = re.compile(f"^({ids.FORGOTTEN_STOP_NOW}|{ids.FORGOTTEN_STOP_AT}|{ids.FORGOTTEN_KEEP})$")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class About:
    """Which timer the DM is about, as its block id says (authorization is the service's)."""

    owner: str
    timer_id: int
    started_at: datetime


def about(block_id: Any) -> About | None:
    if not isinstance(block_id, str):
        return None
    prefix, _, rest = block_id.partition(":")
    owner, _, rest = rest.partition(":")
    timer_word, _, started = rest.partition(":")
    timer_id = whole_number(timer_word)
    if prefix != ids.FORGOTTEN_BLOCK or not owner or timer_id is None:
        return None
    try:
        started_at = datetime.fromisoformat(started)
    except ValueError:
        return None
    return About(owner, timer_id, started_at) if started_at.tzinfo is not None else None


def chosen_time(value: Any) -> time | None:
    found = _TIME.match(value) if isinstance(value, str) else None
    return time(int(found.group(1)), int(found.group(2))) if found else None


def register(app: App, deps: Deps) -> None:
    @app.action(ACTIONS)
    def forgotten_choice(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        which = about(action.get("block_id"))
        at = chosen_time(action.get("selected_time"))
        kind = action["action_id"]
        if which is None or (kind == ids.FORGOTTEN_STOP_AT and at is None):
            logger.warning("malformed forgotten-timer choice: %r", {k: action.get(k) for k in
                           ("action_id", "block_id", "selected_time")})  # fmt: skip
            return
        deps.background(lambda: _choose(deps, client, body, which, kind, at))


def _choose(
    deps: Deps, client: WebClient, body: dict[str, Any], which: About, kind: str, at: time | None
) -> None:
    user_id = body["user"]["id"]
    now = deps.clock()
    person = None
    t, begun = which.timer_id, which.started_at
    try:
        with deps.db.transaction() as conn:
            person = people.get_or_register(conn, user_id, now=now, for_update=True)
            if kind == ids.FORGOTTEN_KEEP:
                answer = views.kept(forgotten.keep(conn, person, timer_id=t, started_at=begun, now=now))
            elif kind == ids.FORGOTTEN_STOP_NOW:
                answer = track_views.stopped(
                    forgotten.stop_now(conn, person, timer_id=t, started_at=begun, now=now)
                )
            else:
                assert at is not None
                answer = track_views.stopped(
                    forgotten.stop_at(conn, person, timer_id=t, started_at=begun, at=at, now=now)
                )
    except Exception as err:
        if isinstance(err, Invalid) and person is not None and timer_views.choices_for(err):
            answer = timer_views.choices(person, err)  # a long timer: the timer's own choices
        elif isinstance(err, Refused) and isinstance(err.facts.get("nudge"), forgotten.Nudge):
            answer = views.nudge(err.facts["nudge"], warning=refusals.explain(err))  # choose again
        elif refusals.meant_for_people(err):
            answer = track_views.error(refusals.explain(err))
        else:
            logger.exception("a forgotten-timer choice failed for %s", user_id)
            answer = views.went_wrong()
    _show(client, body, answer, in_place=user_id == which.owner)
    home_changed(deps, client, user_id, delay=HOME_DELAY_IN_VIEW)


def _show(client: WebClient, body: dict[str, Any], answer: dict[str, Any], *, in_place: bool) -> None:
    """The DM redrawn with the outcome; someone else's click is answered to them alone."""
    reply = {k: v for k, v in answer.items() if k != "response_type"}
    container = body.get("container") or {}
    channel = _text((body.get("channel") or {}).get("id")) or _text(container.get("channel_id"))
    ts = _text(container.get("message_ts")) or _text((body.get("message") or {}).get("ts"))
    url = body.get("response_url")
    try:
        if in_place and channel and ts:
            client.chat_update(channel=channel, ts=ts, **reply)
        elif url:
            extra = {"replace_original": True} if in_place else {"response_type": "ephemeral",
                                                                 "replace_original": False}  # fmt: skip
            WebhookClient(url).send_dict({**reply, **extra})
        elif channel:
            client.chat_postEphemeral(channel=channel, user=body["user"]["id"], **reply)
    except (SlackApiError, OSError) as err:
        logger.warning("could not show the forgotten-timer choice's outcome: %s", err)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
