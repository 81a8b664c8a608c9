"""Opening the entry, start and delete modals, and handling their submissions."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import ids, metadata
from bot.context import Deps
from bot.errors import Refused
from bot.notify import HOME_DELAY_IN_VIEW, home_changed, open_view
from bot.profiles import refresh_person
from bot.services import entries, people, timers
from bot.services.clock import format_hours
from bot.services.entries import Invalid
from bot.services.entries import form as entry_form
from bot.services.entries.form import EntryForm
from bot.services.track import FormRequest
from bot.shapes import whole_number
from bot.views import entry_modal as views
from bot.views import refusals
from bot.views.rules import describe
from bot.views.track import billed_note, work_label
from storage import catalog

logger = logging.getLogger(__name__)

# Which block of the entry and start modals shows each field's rule.
FIELD_BLOCKS = {
    "project": ids.PROJECT_BLOCK, "task": ids.TASK_BLOCK, "work_type": ids.WORK_TYPE_BLOCK,
    "date": ids.DATE_BLOCK, "duration": ids.DURATION_BLOCK, "start_time": ids.START_TIME_BLOCK,
    "end_time": ids.END_TIME_BLOCK, "description": ids.DESCRIPTION_BLOCK,
}  # fmt: skip


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
    newcomer = False
    try:
        with deps.db.transaction() as conn:
            person = people.get_or_register(conn, user_id, now=now)
            newcomer = people.needs_profile(person)
            view = _form(deps, conn, person, request, description)
    except Exception as err:
        if not refusals.meant_for_people(err):
            logger.exception("opening the %s form failed for %s", request.kind, user_id)
            view = views.done_modal(
                "Punchcard", ":warning: Something went wrong on our side. Please try again."
            )
        else:
            view = views.done_modal("Punchcard", f":warning: {refusals.explain(err)}")
    open_view(client, trigger_id, view)
    if newcomer:  # registered just now (a shortcut or a Home button came first): their profile
        refresh_person(deps, client, user_id)


def _form(deps: Deps, conn: Any, person: Any, request: FormRequest, description: str) -> dict[str, Any]:
    """The modal the request names, sealed with who opened it and what it changes."""
    now, kind, entry_id = deps.clock(), request.kind, request.entry_id
    seal: dict[str, Any] = {"u": person.slack_id}
    editing = False
    if kind == "start":
        defaults = entry_form.new_defaults(conn, person, now=now, description=description)
        return views.start_modal(defaults, metadata=metadata.seal(seal, deps.secret))
    if kind == "entry":
        defaults = entry_form.new_defaults(conn, person, now=now, description=description)
        if request.day is not None:
            defaults = replace(defaults, day=request.day)
    elif kind == "timer" and entry_id is not None:
        defaults = entry_form.timer_defaults(conn, person, entry_id)
        seal.update(timer=entry_id)
    elif kind == "edit" and entry_id is not None:
        defaults, version = entry_form.edit_defaults(conn, person, entry_id)
        seal.update(e=entry_id, v=version)
        editing = True
    elif kind == "delete" and entry_id is not None:
        entry = entries.own_entry(conn, person, entry_id)
        project = catalog.project(conn, entry.project_id)
        assert project is not None
        seal.update(e=entry.id, v=entries.version(entry))
        return views.delete_modal(entry, project, metadata=metadata.seal(seal, deps.secret))
    else:
        raise Refused("no_such_form")
    sealed = metadata.seal(seal, deps.secret)
    return views.entry_modal(defaults, catalog.work_types(conn), metadata=sealed, editing=editing)


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
        raise Refused("form_of_someone_else")
    return data


def _outcome(title: str, text: str) -> dict[str, Any]:
    return {"response_action": "update", "view": views.done_modal(title, text)}


def field_errors(err: Invalid) -> dict[str, str] | None:
    """The rules broken, under the fields they concern; None when one concerns the entry
    as a whole (then the whole form answers)."""
    if any(v.field not in FIELD_BLOCKS for v in err.violations):
        return None
    errors: dict[str, str] = {}
    for v in err.violations:
        errors.setdefault(FIELD_BLOCKS[v.field], describe(v))
    return errors


def _guard(user_id: str, work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run a submission; every failure becomes an answer Slack shows, never an exception."""
    try:
        return work()
    except Exception as err:
        if isinstance(err, Invalid) and (errors := field_errors(err)) is not None:
            return {"response_action": "errors", "errors": errors}
        if refusals.meant_for_people(err):
            return _outcome("Not saved", f":warning: {refusals.explain(err)}")
        logger.exception("a form submission failed for %s", user_id)
        return _outcome("Not saved", ":warning: Something went wrong on our side; nothing was saved.")


def _submit_entry(deps: Deps, user_id: str, view: dict[str, Any]) -> dict[str, Any]:
    def work() -> dict[str, Any]:
        data = _sealed(deps, user_id, view)
        form = read_entry_form(view)
        now = deps.clock()
        with deps.db.transaction() as conn:
            person = people.get_or_register(conn, user_id, now=now, for_update=True)
            if data.get("timer"):  # the time a timer stood for, by hand: the timer goes with it
                timers.replace(conn, person, int(data["timer"]), now=now)
            saved = entry_form.save(conn, person, form, now=now, entry_id=data.get("e"),
                                    expected_version=data.get("v"))  # fmt: skip
        verb = "Saved" if data.get("e") else "Logged"
        entry = saved.entry
        label = work_label(saved.project, saved.task, entry.description)
        return _outcome(
            verb,
            f":white_check_mark: {verb} {format_hours(entry.duration_seconds)} on {label} "
            f"for {entry.date:%a %d %b %Y}.{billed_note(saved)}",
        )

    return _guard(user_id, work)


def _submit_start(deps: Deps, user_id: str, view: dict[str, Any]) -> dict[str, Any]:
    def work() -> dict[str, Any]:
        _sealed(deps, user_id, view)
        form = read_entry_form(view)
        now = deps.clock()
        with deps.db.transaction() as conn:
            person = people.get_or_register(conn, user_id, now=now, for_update=True)
            started = timers.start(conn, person, project_id=form.project_id, task_id=form.task_id,
                                   description=form.description, now=now, origin="modal")  # fmt: skip
        label = work_label(started.project, started.task, started.timer.description)
        text = f":stopwatch: Timer running on {label}."
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
        with deps.db.transaction() as conn:
            person = people.get_or_register(conn, user_id, now=now, for_update=True)
            gone = entries.delete(conn, person, int(data["e"]), now=now, expected_version=data.get("v"))
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
        return whole_number(chosen.get("value"))

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
