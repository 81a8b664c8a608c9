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
from bot.listeners.forms import open_form, read_entry_form
from bot.notify import HOME_DELAY_IN_VIEW, home_changed, publish_home
from bot.services import people, timers
from bot.services.clock import local_date
from bot.services.entries import Invalid, rules
from bot.services.track import FormRequest
from bot.shapes import whole_number
from bot.views import entry_modal as views
from bot.views import refusals
from bot.views import timers as timer_views
from storage import catalog
from storage import people as people_store

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.action(ids.STOP_TIMER)
    def stop_timer(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        stop = lambda conn, person, now: timers.stop(conn, person, now=now)  # noqa: E731
        deps.background(lambda: _change_timer(deps, client, body, stop))

    @app.action(re.compile(f"^{ids.START_RECENT}(:.*)?$"))
    def start_recent(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        try:
            value = json.loads(action.get("value") or "{}")
            project_id, task_id = whole_number(value["p"]), value.get("t")
            description = str(value.get("d") or "")
        except (ValueError, KeyError, TypeError):
            project_id = None
        if project_id is None:
            logger.warning("malformed start button value: %r", action.get("value"))
            return

        def start(conn: Any, person: Any, now: Any) -> Any:
            # The button's value comes from the clicker's client: the service checks it all.
            return timers.start(
                conn,
                person,
                project_id=project_id,
                task_id=whole_number(task_id),
                description=description,
                now=now,
                origin="home",
            )

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
        kind, _, entry_word = chosen.partition(":")
        entry_id = whole_number(entry_word)
        if kind not in ("edit", "delete") or entry_id is None:
            logger.warning("malformed entry menu value: %r", action.get("selected_option"))
            return
        _open_later(deps, client, body, FormRequest(kind, entry_id))

    @app.action(re.compile(f"^{ids.HOME_PAGE}(:.*)?$"))  # action ids are unique per block
    def home_page(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        page = whole_number(action.get("value"), low=0) or 0
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
    with deps.db.transaction(read_only=True) as conn:
        project = catalog.visible_project(conn, form.project_id) if form.project_id else None
        if project is None:
            return None
        person = people_store.person(conn, user_id)
        defaults = views.EntryDefaults(
            day=form.day or local_date(now, person.timezone if person else "UTC"),
            project=project,
            tasks=catalog.tasks_of(conn, project.id),
            duration=form.duration,
            start_time=form.start_time,
            end_time=form.end_time,
            description=form.description,
            work_type_id=form.work_type_id,
            billable=rules.billable(project, None),
        )
        work_types = catalog.work_types(conn)
    metadata = view.get("private_metadata", "")
    if view.get("callback_id") == ids.START_MODAL:
        return views.start_modal(defaults, metadata=metadata)
    editing = view.get("title", {}).get("text") == "Edit entry"
    return views.entry_modal(defaults, work_types, metadata=metadata, editing=editing)


def _change_timer(deps: Deps, client: WebClient, body: dict[str, Any], change: Any) -> None:
    """Start or stop from the Home tab, then republish it; a refusal is shown as a message."""
    user_id = body["user"]["id"]
    now = deps.clock()
    person = None
    try:
        with deps.db.transaction() as conn:
            person = people.get_or_register(
                conn, user_id, now=now, name_hint=_user_name(body), for_update=True
            )
            change(conn, person, now)
    except Exception as err:
        if isinstance(err, Invalid) and person is not None and timer_views.choices_for(err):
            _show(client, body, timer_views.choices_modal(person, err))  # the timer runs on until they choose
        elif refusals.meant_for_people(err):
            _tell(client, body, refusals.explain(err))
        else:
            logger.exception("timer change from the Home tab failed for %s", user_id)
            _tell(client, body, "Something went wrong on our side; nothing was changed.")
    home_changed(deps, client, user_id, delay=HOME_DELAY_IN_VIEW)


def _user_name(body: dict[str, Any]) -> str | None:
    user = body.get("user") or {}
    return user.get("name") or user.get("username")


def _tell(client: WebClient, body: dict[str, Any], text: str) -> None:
    _show(client, body, views.done_modal("Punchcard", f":warning: {text}"))


def _show(client: WebClient, body: dict[str, Any], view: dict[str, Any]) -> None:
    trigger = body.get("trigger_id")
    if trigger:
        try:
            client.views_open(trigger_id=trigger, view=view)
        except SlackApiError as err:
            logger.warning("could not show a refusal: %s", err.response.get("error"))
