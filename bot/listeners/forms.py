"""Opening the entry, start and delete modals, and handling their submissions."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import ids, metadata
from bot.context import Deps
from bot.errors import UserError
from bot.notify import HOME_DELAY_IN_VIEW, home_changed, open_view
from bot.services import choices, entry_form, people, timers
from bot.services.clock import format_hours
from bot.services.entry_form import EntryForm, FormErrors
from bot.services.track import FormRequest
from bot.views import entry_modal as views
from bot.views.track import work_label
from storage.db import session_scope

logger = logging.getLogger(__name__)


def open_form(
    deps: Deps,
    client: WebClient,
    *,
    trigger_id: str,
    user_id: str,
    request: FormRequest,
    description: str = "",
) -> None:
    """Build the modal the request names and open it; a refusal opens as a message instead."""
    now = deps.clock()
    try:
        with session_scope(deps.sessions) as session:
            person = people.get_or_register(session.connection(), user_id, now=now, lookup=lambda _id: None)
            seal: dict[str, Any] = {"u": user_id}
            if request.kind in ("entry", "start"):
                defaults = choices.new_entry_defaults(session, person, now=now, description=description)
                if request.kind == "start":
                    view = views.start_modal(defaults, metadata=metadata.seal(seal, deps.secret))
                else:
                    work_types = choices.work_types(session)
                    view = views.entry_modal(
                        defaults, work_types, metadata=metadata.seal(seal, deps.secret), editing=False
                    )
            elif request.kind == "edit" and request.entry_id is not None:
                defaults, version = choices.edit_defaults(session, person, request.entry_id)
                seal.update(e=request.entry_id, v=version)
                view = views.entry_modal(
                    defaults,
                    choices.work_types(session),
                    metadata=metadata.seal(seal, deps.secret),
                    editing=True,
                )
            elif request.kind == "delete" and request.entry_id is not None:
                entry, project, version = entry_form.deletable(session, person, request.entry_id)
                seal.update(e=entry.id, v=version)
                view = views.delete_modal(entry, project, metadata=metadata.seal(seal, deps.secret))
            else:
                raise UserError("That form does not exist.")
    except UserError as err:
        view = views.done_modal("Punchcard", f":warning: {err.render()}")
    except Exception:
        logger.exception("opening the %s form failed for %s", request.kind, user_id)
        view = views.done_modal("Punchcard", ":warning: Something went wrong on our side. Please try again.")
    open_view(client, trigger_id, view)


def register(app: App, deps: Deps) -> None:
    @app.view(ids.ENTRY_MODAL)
    def submit_entry(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user_id = body["user"]["id"]
        ack(**_submit_entry(deps, user_id, view))
        home_changed(deps, client, user_id, delay=HOME_DELAY_IN_VIEW)

    @app.view(ids.START_MODAL)
    def submit_start(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user_id = body["user"]["id"]
        ack(**_submit_start(deps, user_id, view))
        home_changed(deps, client, user_id, delay=HOME_DELAY_IN_VIEW)

    @app.view(ids.DELETE_CONFIRM_MODAL)
    def submit_delete(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user_id = body["user"]["id"]
        ack(**_submit_delete(deps, user_id, view))
        home_changed(deps, client, user_id, delay=HOME_DELAY_IN_VIEW)


def _sealed(deps: Deps, user_id: str, view: dict[str, Any]) -> dict[str, Any]:
    data = metadata.unseal(view.get("private_metadata") or "", deps.secret)
    if data.get("u") != user_id:
        raise UserError("This form was opened by someone else, so nothing was saved.")
    return data


def _outcome(title: str, text: str) -> dict[str, Any]:
    return {"response_action": "update", "view": views.done_modal(title, text)}


def _guard(user_id: str, work: Any) -> dict[str, Any]:
    """Run a submission; every failure becomes an answer Slack shows, never an exception."""
    try:
        return work()
    except FormErrors as err:
        return {"response_action": "errors", "errors": err.errors}
    except UserError as err:
        return _outcome("Not saved", f":warning: {err.render()}")
    except Exception:
        logger.exception("a form submission failed for %s", user_id)
        return _outcome("Not saved", ":warning: Something went wrong on our side; nothing was saved.")


def _submit_entry(deps: Deps, user_id: str, view: dict[str, Any]) -> dict[str, Any]:
    def work() -> dict[str, Any]:
        data = _sealed(deps, user_id, view)
        form = read_entry_form(view)
        now = deps.clock()
        with session_scope(deps.sessions) as session:
            person = people.get_or_register(
                session.connection(), user_id, now=now, lookup=lambda _id: None, for_update=True
            )
            entry, project = entry_form.save(
                session, person, form, now=now, entry_id=data.get("e"), expected_version=data.get("v")
            )
            task = next((t for t in choices.tasks(session, project.id) if t.id == entry.task_id), None)
        verb = "Saved" if data.get("e") else "Logged"
        label = work_label(project, task, entry.description)
        return _outcome(
            verb,
            f":white_check_mark: {verb} {format_hours(entry.duration_seconds)} on {label} "
            f"for {entry.date:%a %d %b %Y}.",
        )

    return _guard(user_id, work)


def _submit_start(deps: Deps, user_id: str, view: dict[str, Any]) -> dict[str, Any]:
    def work() -> dict[str, Any]:
        _sealed(deps, user_id, view)
        form = read_entry_form(view)
        now = deps.clock()
        with session_scope(deps.sessions) as session:
            person = people.get_or_register(
                session.connection(), user_id, now=now, lookup=lambda _id: None, for_update=True
            )
            project = choices.visible_project(session, form.project_id) if form.project_id else None
            if project is None:
                raise FormErrors({ids.PROJECT_BLOCK: "Choose a project you can track time on."})
            task = next((t for t in choices.tasks(session, project.id) if t.id == form.task_id), None)
            if form.task_id is not None and task is None:
                raise FormErrors({ids.TASK_BLOCK: f"That task is not a task of {project.code}."})
            started = timers.start(
                session.connection(), person, project=project, task=task, work_type=None,
                description=form.description.strip(), now=now, origin="modal",
            )  # fmt: skip
        text = f":stopwatch: Timer running on {work_label(project, task, started.timer.description)}."
        if started.saved is not None:
            saved = started.saved
            text += (
                f"\nSaved {format_hours(saved.entry.duration_seconds)} on "
                f"{work_label(saved.project, saved.task, saved.entry.description)}."
            )
        return _outcome("Timer running", text)

    return _guard(user_id, work)


def _submit_delete(deps: Deps, user_id: str, view: dict[str, Any]) -> dict[str, Any]:
    def work() -> dict[str, Any]:
        data = _sealed(deps, user_id, view)
        now = deps.clock()
        with session_scope(deps.sessions) as session:
            person = people.get_or_register(
                session.connection(), user_id, now=now, lookup=lambda _id: None, for_update=True
            )
            gone = entry_form.delete(session, person, int(data["e"]), now=now, expected_version=data.get("v"))
        return _outcome(
            "Deleted",
            f":wastebasket: Deleted {format_hours(gone.duration_seconds)} from {gone.date:%a %d %b %Y}.",
        )

    return _guard(user_id, work)


def read_entry_form(view: dict[str, Any]) -> EntryForm:
    """The modal's state values as typed data (Slack sends every input block's value)."""
    values: dict[str, dict[str, Any]] = view.get("state", {}).get("values", {})

    def element(block: str, action: str) -> dict[str, Any]:
        return values.get(block, {}).get(action, {}) or {}

    def selected_id(block: str, action: str) -> int | None:
        chosen = element(block, action).get("selected_option") or {}
        try:
            return int(chosen.get("value", ""))
        except ValueError:
            return None

    raw_day = element(ids.DATE_BLOCK, ids.DATE_INPUT).get("selected_date")
    try:
        day = date.fromisoformat(raw_day) if raw_day else None
    except ValueError:
        day = None
    billable_options = element(ids.BILLABLE_BLOCK, ids.BILLABLE_INPUT).get("selected_options")
    return EntryForm(
        project_id=selected_id(ids.PROJECT_BLOCK, ids.PROJECT_INPUT),
        task_id=selected_id(ids.TASK_BLOCK, ids.TASK_INPUT),
        day=day,
        duration=element(ids.DURATION_BLOCK, ids.DURATION_INPUT).get("value") or "",
        start_time=element(ids.START_TIME_BLOCK, ids.START_TIME_INPUT).get("selected_time"),
        end_time=element(ids.END_TIME_BLOCK, ids.END_TIME_INPUT).get("selected_time"),
        description=element(ids.DESCRIPTION_BLOCK, ids.DESCRIPTION_INPUT).get("value") or "",
        work_type_id=selected_id(ids.WORK_TYPE_BLOCK, ids.WORK_TYPE_INPUT),
        # No billable block (a non-billable project) means not billable.
        billable=bool(billable_options) if ids.BILLABLE_BLOCK in values else False,
    )
