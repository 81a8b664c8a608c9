"""``/track``: parse, one service call, one view, answered in the ack itself."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError

from bot import parsing
from bot.context import Deps
from bot.errors import UserError
from bot.services import people, track
from bot.services.clock import local_date
from bot.slack import make_client, profile_lookup
from bot.views import track as views
from storage.db import session_scope

logger = logging.getLogger(__name__)

COMMAND = "/track"
# users.info before the ack gets this long and no 429 retry; the full lookup runs after.
QUICK_LOOKUP_TIMEOUT = 2


def register(app: App, deps: Deps) -> None:
    quick = make_client(app.client.token, app.client.base_url, timeout=QUICK_LOOKUP_TIMEOUT, retry_429=False)

    @app.command(COMMAND)
    def handle_track(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        user_id = command["user_id"]
        answer, refresh = run_track(deps, quick, user_id=user_id, text=command.get("text", ""))
        ack(**answer)
        if refresh:
            deps.background(lambda: refresh_person(deps, client, user_id))


def run_track(deps: Deps, client: WebClient, *, user_id: str, text: str) -> tuple[dict[str, Any], bool]:
    """Everything between the request and the answer; never raises.

    The answer goes back in the ack (a few ms of database work), so the person sees it at
    once and nothing is left to fail after the ack. The flag asks for a profile refresh.
    """
    now = deps.clock()
    try:
        try:
            return _execute(deps, client, user_id=user_id, text=text, now=now)
        except IntegrityError:
            # Two first requests from a new person raced to register them: the loser retries.
            return _execute(deps, client, user_id=user_id, text=text, now=now)
    except UserError as err:
        return views.error(err.render()), False
    except Exception:
        ref = uuid.uuid4().hex[:8]
        logger.exception("/track failed (ref %s) for %s: %r", ref, user_id, text)
        return views.error(f"Something went wrong on our side; nothing was saved (ref `{ref}`)."), False


def _execute(
    deps: Deps, client: WebClient, *, user_id: str, text: str, now: datetime
) -> tuple[dict[str, Any], bool]:
    with session_scope(deps.sessions) as session:
        person = people.get_or_register(
            session, user_id, now=now, lookup=profile_lookup(client), for_update=True
        )
        command = parsing.parse(text, local_date(now, person.timezone))
        result = track.execute(session, person, command, now=now)
        return views.render(person, result), people.needs_profile(person)


def refresh_person(deps: Deps, client: WebClient, user_id: str) -> None:
    """After the ack: ask users.info again, with 429 retries, for someone registered without."""
    try:
        with session_scope(deps.sessions) as session:
            people.refresh_profile(session, user_id, now=deps.clock(), lookup=profile_lookup(client))
    except Exception:
        logger.exception("profile refresh failed for %s", user_id)
