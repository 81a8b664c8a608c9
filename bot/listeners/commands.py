"""``/track``: parse, one service call, one view, answered in the ack itself."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App, BoltResponse
from slack_sdk import WebClient

from bot import dates, invoice_words, parsing, report_words
from bot.context import Deps
from bot.listeners.clients import send_clients
from bot.listeners.forms import open_form
from bot.listeners.reports import send_report
from bot.notify import home_changed
from bot.profiles import refresh_person
from bot.services import people, track
from bot.services.clock import local_date
from bot.services.entries import Invalid
from bot.services.track import ClientsWanted, FormRequest, ReportWanted
from bot.views import refusals
from bot.views import timers as timer_views
from bot.views import track as views
from storage import people as people_store

logger = logging.getLogger(__name__)

COMMAND = "/track"
# Subcommands answered on the serving loop itself (bot.web): measured at a few hundred
# microseconds of database work each (bench/track_compare.py). The rest (submit, approvals,
# reopen, rate, audit, the forms) go to the thread pool.
INLINE_SUBCOMMANDS = frozenset({"", "start", "stop", "status", "log", "today", "week", "help", "discard"})
# Answers that change nothing leave the Home tab as it is.
READ_ONLY = (
    parsing.Status,
    parsing.Report,
    parsing.Help,
    parsing.OpenModal,
    parsing.LastEntry,
    parsing.RateQuery,
    parsing.AuditQuery,
    parsing.Approvals,
    invoice_words.InvoiceRequest,
    invoice_words.ClientsOverview,
    report_words.ReportRequest,
)


@dataclass(frozen=True)
class Reply:
    message: dict[str, Any]  # the ack's body ({} for a bare ack)
    form: FormRequest | None = None  # a modal to open after the ack
    refresh_profile: bool = False  # registered from this request: read their Slack profile after the ack
    changed: bool = False  # timer or entries changed: republish the Home tab
    clients: int | None = None  # /track clients: this page of the overview, sent after the ack
    report: ReportWanted | None = None  # /track report: gathered and sent after the ack


def register(app: App, deps: Deps) -> None:
    @app.command(COMMAND)
    def handle_track(ack: Ack, command: dict[str, Any], client: WebClient) -> None:
        user_id = command["user_id"]
        reply = run_track(
            deps, user_id=user_id, text=command.get("text", ""), user_name=command.get("user_name")
        )
        ack(**reply.message)
        form = reply.form
        if form is not None:
            trigger = command.get("trigger_id", "")
            deps.background(
                lambda: open_form(deps, client, trigger_id=trigger, user_id=user_id, request=form)
            )
        page = reply.clients
        if page is not None:
            url = command["response_url"]
            deps.background(lambda: send_clients(deps, url, user_id, page))
        wanted = reply.report
        if wanted is not None:
            reply_url = command["response_url"]
            deps.background(lambda: send_report(deps, reply_url, user_id, wanted.request))
        if reply.refresh_profile:
            deps.background(lambda: refresh_person(deps, client, user_id))
        if reply.changed:
            home_changed(deps, client, user_id)


def run_track(deps: Deps, *, user_id: str, text: str, user_name: str | None = None) -> Reply:
    """Everything between the request and the answer; never raises.

    The answer goes back in the ack (a few ms of database work), so the person sees it at
    once and nothing is left to fail after the ack.
    """
    now = deps.clock()
    person = None
    try:
        with deps.db.transaction() as conn:
            person = people.get_or_register(conn, user_id, now=now, name_hint=user_name, for_update=True)
            day_first = dates.day_first(people_store.workspace(conn).locale)
            command = parsing.parse(text, local_date(now, person.timezone), day_first=day_first)
            result = track.execute(conn, person, command, now=now)
            refresh = people.needs_profile(person)
            if isinstance(result, FormRequest):
                return Reply({}, form=result, refresh_profile=refresh)
            if isinstance(result, ClientsWanted):
                return Reply({}, clients=result.page, refresh_profile=refresh)
            if isinstance(result, ReportWanted):
                return Reply(views.render(person, result), report=result, refresh_profile=refresh)
            changed = not isinstance(command, READ_ONLY)
            return Reply(views.render(person, result), refresh_profile=refresh, changed=changed)
    except Exception as err:
        if isinstance(err, Invalid) and person is not None and timer_views.choices_for(err):
            return Reply(timer_views.choices(person, err))  # the timer runs on until they choose
        if refusals.meant_for_people(err):
            return Reply(views.error(refusals.explain(err)))
        ref = uuid.uuid4().hex[:8]
        logger.exception("/track failed (ref %s) for %s: %r", ref, user_id, text)
        return Reply(views.error(f"Something went wrong on our side; nothing was saved (ref `{ref}`)."))


def batch_failed() -> BoltResponse:
    """The answer to each ``/track`` of a group transaction that could not commit."""
    message = views.error("Something went wrong on our side; nothing was saved. Please try again.")
    headers: dict[str, str | Sequence[str]] = {"content-type": "application/json;charset=utf-8"}
    return BoltResponse(status=200, body=json.dumps(message), headers=headers)
