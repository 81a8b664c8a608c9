"""Buttons and menus: Home tab buttons, entry overflow menus, and the project picker in modals.

A click is a request from whoever clicked: every handler acts as ``body["user"]["id"]`` and the
services refuse what that person may not do, whatever the button said.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import ids
from bot.context import Deps
from bot.errors import UserError
from bot.listeners.forms import open_form, read_entry_form
from bot.notify import HOME_DELAY_IN_VIEW, home_changed, publish_home
from bot.services import choices, people, policy, timers
from bot.services.track import FormRequest
from bot.views import entry_modal as views
from storage.db import session_scope

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.action(ids.STOP_TIMER)
    def stop_timer(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        stop = lambda session, person, now: timers.stop(session.connection(), person, now=now)  # noqa: E731
        deps.background(lambda: _change_timer(deps, client, body, stop))

    @app.action(re.compile(f"^{ids.START_RECENT}(:.*)?$"))
    def start_recent(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        try:
            value = json.loads(action.get("value") or "{}")
            project_id, task_id = int(value["p"]), value.get("t")
            description = str(value.get("d") or "")
        except (ValueError, KeyError, TypeError):
            logger.warning("malformed start button value: %r", action.get("value"))
            return

        def start(session: Any, person: Any, now: Any) -> Any:
            project = choices.visible_project(session, project_id)
            if project is None:
                raise UserError("That project is closed; pick another one.")
            task = next((t for t in choices.tasks(session, project.id) if t.id == task_id), None)
            return timers.start(
                session.connection(), person, project=project, task=task, work_type=None,
                description=description, now=now, origin="home",
            )  # fmt: skip

        deps.background(lambda: _change_timer(deps, client, body, start))

    @app.action(ids.OPEN_ENTRY_MODAL)
    def open_entry(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        _open_later(deps, client, body, FormRequest("entry"))

    @app.action(ids.OPEN_START_MODAL)
    def open_start(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        _open_later(deps, client, body, FormRequest("start"))

    @app.action(re.compile(f"^{ids.ENTRY_MENU}(:.*)?$"))
    def entry_menu(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        # An overflow menu sends its chosen option; an Edit button (held-back entries) its value.
        chosen = (action.get("selected_option") or {}).get("value") or action.get("value") or ""
        kind, _, entry_id = chosen.partition(":")
        if kind not in ("edit", "delete") or not entry_id.isdigit():
            logger.warning("malformed entry menu value: %r", action.get("selected_option"))
            return
        _open_later(deps, client, body, FormRequest(kind, int(entry_id)))

    @app.action(re.compile(f"^{ids.HOME_PAGE}(:.*)?$"))  # action ids are unique per block
    def home_page(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        page = int(action["value"]) if str(action.get("value", "")).isdigit() else 0
        deps.background(lambda: publish_home(deps, client, body["user"]["id"], page=page))

    @app.action(ids.PROJECT_INPUT)
    def project_chosen(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """The task list (and billable default) follow the project chosen in a modal."""
        ack()
        deps.background(lambda: _update_task_list(deps, client, body["user"]["id"], body.get("view") or {}))


# With process_before_response, Slack gets its answer only when a listener returns: anything
# that calls Slack or is slow runs on the background pool, after the ack.
def _open_later(deps: Deps, client: WebClient, body: dict[str, Any], request: FormRequest) -> None:
    trigger_id, user_id = body["trigger_id"], body["user"]["id"]
    deps.background(lambda: open_form(deps, client, trigger_id=trigger_id, user_id=user_id, request=request))


def _update_task_list(deps: Deps, client: WebClient, user_id: str, view: dict[str, Any]) -> None:
    try:
        updated = _follow_project(deps, user_id, view)
        if updated is not None:
            client.views_update(view_id=view["id"], hash=view.get("hash"), view=updated)
    except SlackApiError as err:
        # hash_conflict: the person changed the view meanwhile; their newer view stands.
        logger.info("views.update skipped: %s", err.response.get("error"))
    except Exception:
        logger.exception("updating the task list failed")


def _follow_project(deps: Deps, user_id: str, view: dict[str, Any]) -> dict[str, Any] | None:
    form = read_entry_form(view)
    now = deps.clock()
    with session_scope(deps.sessions) as session:
        person = people.get_or_register(session.connection(), user_id, now=now, lookup=lambda _id: None)
        project = choices.visible_project(session, form.project_id) if form.project_id else None
        if project is None:
            return None
        defaults = views.EntryDefaults(
            day=form.day or choices.new_entry_defaults(session, person, now=now).day,
            project=project,
            tasks=choices.tasks(session, project.id),
            duration=form.duration,
            start_time=form.start_time,
            end_time=form.end_time,
            description=form.description,
            work_type_id=form.work_type_id,
            billable=policy.default_billable(project, None),
        )
        work_types = choices.work_types(session)
    metadata = view.get("private_metadata", "")
    if view.get("callback_id") == ids.START_MODAL:
        return views.start_modal(defaults, metadata=metadata)
    editing = view.get("title", {}).get("text") == "Edit entry"
    return views.entry_modal(defaults, work_types, metadata=metadata, editing=editing)


def _change_timer(deps: Deps, client: WebClient, body: dict[str, Any], change: Any) -> None:
    """Start or stop from the Home tab, then republish it; a refusal is shown as a message."""
    user_id = body["user"]["id"]
    now = deps.clock()
    try:
        with session_scope(deps.sessions) as session:
            person = people.get_or_register(
                session.connection(), user_id, now=now, lookup=lambda _id: None, for_update=True
            )
            change(session, person, now)
    except UserError as err:
        _tell(client, body, err.render())
    except Exception:
        logger.exception("timer change from the Home tab failed for %s", user_id)
        _tell(client, body, "Something went wrong on our side; nothing was changed.")
    home_changed(deps, client, user_id, delay=HOME_DELAY_IN_VIEW)


def _tell(client: WebClient, body: dict[str, Any], text: str) -> None:
    trigger = body.get("trigger_id")
    if trigger:
        try:
            client.views_open(trigger_id=trigger, view=views.done_modal("Punchcard", f":warning: {text}"))
        except SlackApiError as err:
            logger.warning("could not show a refusal: %s", err.response.get("error"))
