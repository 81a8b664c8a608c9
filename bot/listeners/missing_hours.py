"""The missing-hours nudge's buttons: **Log time** opens the entry form on the day, **I was
off** records the day off, **Snooze** asks again in two hours. Each acts for the clicker
alone: the day in the button is only which of their own days."""

from __future__ import annotations

import json
import logging
import re
from datetime import date
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient

from bot import ids
from bot.context import Deps
from bot.listeners.forms import open_form
from bot.services import missing_hours, people, time_off
from bot.services.track import FormRequest
from bot.views import missing_hours as views
from bot.views import refusals

logger = logging.getLogger(__name__)


def _value(action: dict[str, Any]) -> tuple[date, date, int] | None:
    """(the day, the nudge's day, which snooze), or None for a value we did not write."""
    try:
        value = json.loads(action.get("value") or "{}")
        snoozes = int(value.get("s", 0))
        if not 0 <= snoozes <= missing_hours.MAX_SNOOZES:
            return None
        return date.fromisoformat(value["d"]), date.fromisoformat(value["t"]), snoozes
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def register(app: App, deps: Deps) -> None:
    @app.action(re.compile(f"^({ids.MISSING_LOG}|{ids.MISSING_OFF}|{ids.MISSING_SNOOZE})(:.*)?$"))
    def missing_hours_click(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        found = _value(action)
        if found is None:
            logger.warning("malformed missing-hours button: %r", action.get("value"))
            return
        day, today, snoozes = found
        user_id, which = body["user"]["id"], str(action["action_id"]).split(":")[0]
        if which == ids.MISSING_LOG:
            trigger = body["trigger_id"]
            request = FormRequest("entry", day=day)
            deps.background(
                lambda: open_form(deps, client, trigger_id=trigger, user_id=user_id, request=request)
            )
        elif which == ids.MISSING_OFF:
            deps.background(lambda: _off(deps, body, user_id, day))
        else:
            deps.background(lambda: _snooze(deps, body, user_id, today, snoozes))


def _off(deps: Deps, body: dict[str, Any], user_id: str, day: date) -> None:
    """The day off, for the clicker; the nudge is redrawn through the outbox."""
    now = deps.clock()
    try:
        with deps.db.transaction() as conn:
            person = people.get_or_register(conn, user_id, now=now)
            time_off.take(conn, person, day, day, seconds=None, reason="", now=now, cause="button")
    except Exception as err:
        if not refusals.meant_for_people(err):
            logger.exception("I was off failed for %s", user_id)
        _reply(body, {"text": ":warning: " + (refusals.explain(err) if refusals.meant_for_people(err)
                                              else "Something went wrong on our side; nothing was changed.")},
               replace=False)  # fmt: skip


def _snooze(deps: Deps, body: dict[str, Any], user_id: str, today: date, snoozes: int) -> None:
    now = deps.clock()
    try:
        with deps.db.transaction() as conn:
            person = people.get_or_register(conn, user_id, now=now)
            until = missing_hours.snooze(conn, person.slack_id, today, snoozes, now=now)
    except Exception:
        logger.exception("snoozing the missing-hours nudge failed for %s", user_id)
        return
    _reply(
        body,
        views.snoozed(until, person.timezone) if until else views.cannot_snooze(),
        replace=until is not None,
    )


def _reply(body: dict[str, Any], message: dict[str, Any], *, replace: bool) -> None:
    url = body.get("response_url")
    if not url:
        return
    try:
        extra = (
            {"replace_original": True}
            if replace
            else {"response_type": "ephemeral", "replace_original": False}
        )
        WebhookClient(url).send_dict({**message, **extra})
    except (SlackApiError, OSError) as err:
        logger.warning("could not answer the missing-hours button: %s", err)
