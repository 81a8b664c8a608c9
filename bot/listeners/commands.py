"""``/track``: parse, one service call, one view, answered in the ack itself."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote_plus

from slack_bolt import Ack, App, BoltResponse
from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError

from bot import parsing
from bot.context import Deps
from bot.errors import UserError
from bot.listeners.approvals import notify_approvers
from bot.listeners.forms import open_form
from bot.notify import home_changed
from bot.services import people, track
from bot.services.approvals import SubmitResult
from bot.services.clock import local_date
from bot.services.track import FormRequest
from bot.slack import make_client, profile_lookup
from bot.views import track as views
from storage.db import after_commit, session_scope, write_scope

logger = logging.getLogger(__name__)

COMMAND = "/track"
# users.info before the ack gets this long and no 429 retry; the full lookup runs after.
QUICK_LOOKUP_TIMEOUT = 2
# Answers that change nothing leave the Home tab as it is.
READ_ONLY = (
    parsing.Status,
    parsing.Report,
    parsing.Help,
    parsing.OpenModal,
    parsing.LastEntry,
    parsing.RateQuery,
)


@dataclass(frozen=True)
class Reply:
    message: dict[str, Any]  # the ack's body ({} for a bare ack)
    form: FormRequest | None = None  # a modal to open after the ack
    refresh_profile: bool = False  # registered without a Slack profile: look it up after the ack
    changed: bool = False  # timer or entries changed: republish the Home tab
    submitted: SubmitResult | None = None  # approvers to tell after the ack


def register(app: App, deps: Deps) -> None:
    quick = make_client(app.client.token, app.client.base_url, timeout=QUICK_LOOKUP_TIMEOUT, retry_429=False)

    @app.command(COMMAND)
    def handle_track(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        user_id = command["user_id"]
        reply = run_track(deps, quick, user_id=user_id, text=command.get("text", ""))
        ack(**reply.message)
        form = reply.form
        if form is not None:
            trigger = command.get("trigger_id", "")
            deps.background(
                lambda: open_form(deps, client, trigger_id=trigger, user_id=user_id, request=form)
            )
        if reply.refresh_profile:
            deps.background(lambda: refresh_person(deps, client, user_id))
        if reply.changed:
            home_changed(deps, client, user_id)
        submitted = reply.submitted
        if submitted is not None and submitted.sent:
            deps.background(lambda: notify_approvers(deps, client, user_id, submitted))


def run_track(deps: Deps, client: WebClient, *, user_id: str, text: str) -> Reply:
    """Everything between the request and the answer; never raises.

    The answer goes back in the ack (a few ms of database work), so the person sees it at
    once and nothing is left to fail after the ack.
    """
    now = deps.clock()
    try:
        try:
            return _execute(deps, client, user_id=user_id, text=text, now=now)
        except IntegrityError:
            # Two first requests from a new person raced to register them: the loser retries.
            return _execute(deps, client, user_id=user_id, text=text, now=now)
    except UserError as err:
        return Reply(views.error(err.render()))
    except Exception:
        ref = uuid.uuid4().hex[:8]
        logger.exception("/track failed (ref %s) for %s: %r", ref, user_id, text)
        return Reply(views.error(f"Something went wrong on our side; nothing was saved (ref `{ref}`)."))


def _execute(deps: Deps, client: WebClient, *, user_id: str, text: str, now: datetime) -> Reply:
    with write_scope(deps.sessions) as conn:
        person = people.get_or_register(
            conn, user_id, now=now, lookup=profile_lookup(client), for_update=True
        )
        after_commit(deps.sessions, lambda: deps.known_people.add(user_id))
        command = parsing.parse(text, local_date(now, person.timezone))
        result = track.execute(conn, person, command, now=now)
        refresh = people.needs_profile(person)
        if isinstance(result, FormRequest):
            return Reply({}, form=result, refresh_profile=refresh)
        changed = not isinstance(command, READ_ONLY)
        submitted = result if isinstance(result, SubmitResult) else None
        return Reply(
            views.render(person, result), refresh_profile=refresh, changed=changed, submitted=submitted
        )


def answers_without_waiting(deps: Deps) -> Callable[[str], bool]:
    """For bot.web: whether a request body can be dispatched without waiting on I/O. Only a
    ``/track`` from someone this process has not seen registered waits, on users.info (up to
    QUICK_LOOKUP_TIMEOUT); every other listener answers from the database alone and leaves
    Slack calls to after the ack."""

    def check(body: str) -> bool:
        if not body.startswith(("token=", "command=")) and "&command=" not in body:
            return True  # interactivity (payload=) and events (JSON)
        user_id = _form_field(body, "user_id")
        return user_id is None or user_id in deps.known_people

    return check


def is_track_command(body: str) -> bool:
    """For bot.web's group commit: whether a request body is a ``/track`` slash command
    (its answers come from one write scope, and it hands slow work to the background)."""
    return _form_field(body, "command") == COMMAND


def _form_field(body: str, name: str) -> str | None:
    """One field of a form-encoded body, read without parsing the rest (the text can be long)."""
    form = "&" + body
    key = f"&{name}="
    start = form.find(key)
    if start == -1:
        return None
    start += len(key)
    end = form.find("&", start)
    value = form[start : end if end != -1 else len(form)]
    if "%" in value or "+" in value:  # Slack's ids need no quoting, but be exact
        value = unquote_plus(value)
    return value


def batch_failed() -> BoltResponse:
    """The answer to each ``/track`` of a group transaction that could not commit."""
    message = views.error("Something went wrong on our side; nothing was saved. Please try again.")
    headers: dict[str, str | Sequence[str]] = {"content-type": "application/json;charset=utf-8"}
    return BoltResponse(status=200, body=json.dumps(message), headers=headers)


def refresh_person(deps: Deps, client: WebClient, user_id: str) -> None:
    """After the ack: ask users.info again, with 429 retries, for someone registered without."""
    try:
        with session_scope(deps.sessions) as session:
            people.refresh_profile(session, user_id, now=deps.clock(), lookup=profile_lookup(client))
    except Exception:
        logger.exception("profile refresh failed for %s", user_id)
