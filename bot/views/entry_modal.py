"""The entry modal (log or edit time), the start modal, and the delete confirmation."""

from __future__ import annotations

from typing import Any

from bot import ids
from bot.parsing import DURATION_FORMS
from bot.services.clock import format_hours
from bot.services.entries.form import FormDefaults
from bot.services.entries.rules import MAX_DESCRIPTION
from bot.views.blocks import escape, section, truncate
from storage.catalog import ProjectRow, WorkTypeRow
from storage.entries import EntryRow

MAX_OPTIONS = 100  # Slack's limit for a static select
MAX_OPTION_TEXT = 75
View = dict[str, Any]


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": truncate(text, MAX_OPTION_TEXT)}, "value": value}


def project_option(project: ProjectRow) -> dict[str, Any]:
    return option(f"{project.code} · {project.name}", str(project.id))


EntryDefaults = FormDefaults  # what the form shows when it opens (bot.services.entries.form)


def _input(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = True, **extra: Any
) -> dict:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": element,
        "optional": optional,
        **extra,
    }


def _project_block(defaults: EntryDefaults) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "external_select",
        "action_id": ids.PROJECT_INPUT,
        "placeholder": {"type": "plain_text", "text": "Type a project code or name"},
        "min_query_length": 0,
    }
    if defaults.project is not None:
        element["initial_option"] = project_option(defaults.project)
    # dispatch_action: choosing a project sends block_actions, and the task list follows it.
    return _input(ids.PROJECT_BLOCK, "Project", element, optional=False, dispatch_action=True)


def _task_block(defaults: EntryDefaults) -> dict[str, Any] | None:
    if not defaults.tasks:
        return None
    options = [option(t.name, str(t.id)) for t in defaults.tasks]
    chosen = [o for o in options if o["value"] == str(defaults.task_id)]
    element: dict[str, Any] = {
        "action_id": ids.TASK_INPUT,
        "placeholder": {"type": "plain_text", "text": "Phase or service"},
    }
    if len(options) <= MAX_OPTIONS:
        element.update(type="static_select", options=options)
    else:
        # More tasks than a static select may hold: type-ahead over all of them instead.
        element.update(type="external_select", min_query_length=0)
    if chosen:
        element["initial_option"] = chosen[0]
    return _input(ids.TASK_BLOCK, "Task", element)


def _work_type_block(work_types: list[WorkTypeRow], chosen_id: int | None) -> dict[str, Any] | None:
    if not work_types:
        return None
    options = [option(w.name, str(w.id)) for w in work_types[:MAX_OPTIONS]]
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": ids.WORK_TYPE_INPUT,
        "placeholder": {"type": "plain_text", "text": "Kind of work"},
        "options": options,
    }
    chosen = [o for o in options if o["value"] == str(chosen_id)]
    if chosen:
        element["initial_option"] = chosen[0]
    return _input(ids.WORK_TYPE_BLOCK, "Work type", element)


def _description_block(text: str) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.DESCRIPTION_INPUT,
        "multiline": True,
        "max_length": MAX_DESCRIPTION,
        "placeholder": {"type": "plain_text", "text": "What did you do? The client may read this."},
    }
    if text:
        element["initial_value"] = text[:MAX_DESCRIPTION]  # the service hands over what fits
    return _input(ids.DESCRIPTION_BLOCK, "Description", element)


def _billable_block(billable: bool, allowed: bool) -> dict[str, Any] | None:
    if not allowed:
        return None
    choice = option("Billable", "billable")
    element: dict[str, Any] = {"type": "checkboxes", "action_id": ids.BILLABLE_INPUT, "options": [choice]}
    if billable:
        element["initial_options"] = [choice]
    return _input(ids.BILLABLE_BLOCK, "Billing", element)


def entry_modal(
    defaults: EntryDefaults, work_types: list[WorkTypeRow], *, metadata: str, editing: bool
) -> View:
    """Log time (or edit an entry): one modal, every field of an entry."""
    duration: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": ids.DURATION_INPUT,
        "placeholder": {"type": "plain_text", "text": "1h30m, 90m, 1.5h or 1:30"},
    }
    if defaults.duration:
        duration["initial_value"] = defaults.duration
    start: dict[str, Any] = {"type": "timepicker", "action_id": ids.START_TIME_INPUT}
    end: dict[str, Any] = {"type": "timepicker", "action_id": ids.END_TIME_INPUT}
    if defaults.start_time:  # an entry's times, or a timer's start (the person gives its end)
        start["initial_time"] = defaults.start_time
    if defaults.end_time:
        end["initial_time"] = defaults.end_time
    allowed_billable = defaults.project is None or defaults.project.billing_type.value != "non_billable"
    blocks = [
        _project_block(defaults),
        _task_block(defaults),
        _input(
            ids.DATE_BLOCK,
            "Date",
            {"type": "datepicker", "action_id": ids.DATE_INPUT, "initial_date": defaults.day.isoformat()},
            optional=False,
        ),
        _input(ids.DURATION_BLOCK, "Duration", duration, hint={"type": "plain_text", "text": _hint()}),
        _input(ids.START_TIME_BLOCK, "Or from", start),
        _input(ids.END_TIME_BLOCK, "to", end),
        _description_block(defaults.description),
        _work_type_block(work_types, defaults.work_type_id),
        _billable_block(defaults.billable, allowed_billable),
    ]
    return {
        "type": "modal",
        "callback_id": ids.ENTRY_MODAL,
        "title": {"type": "plain_text", "text": "Edit entry" if editing else "Log time"},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": metadata,
        "blocks": [b for b in blocks if b is not None],
    }


def _hint() -> str:
    return truncate("Durations: " + DURATION_FORMS.replace("`", "") + ". Or give start and end times.", 150)


def start_modal(defaults: EntryDefaults, *, metadata: str) -> View:
    blocks = [_project_block(defaults), _task_block(defaults), _description_block(defaults.description)]
    return {
        "type": "modal",
        "callback_id": ids.START_MODAL,
        "title": {"type": "plain_text", "text": "Start a timer"},
        "submit": {"type": "plain_text", "text": "Start"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "private_metadata": metadata,
        "blocks": [b for b in blocks if b is not None],
    }


def delete_modal(entry: EntryRow, project: ProjectRow, *, metadata: str) -> View:
    label = f"*{escape(project.code)}* {escape(project.name)}"
    if entry.description:
        label += f" — {escape(entry.description)}"
    text = f"Delete {format_hours(entry.duration_seconds)} on {label} from {entry.date:%a %d %b %Y}?"
    return {
        "type": "modal",
        "callback_id": ids.DELETE_CONFIRM_MODAL,
        "title": {"type": "plain_text", "text": "Delete entry"},
        "submit": {"type": "plain_text", "text": "Delete"},
        "close": {"type": "plain_text", "text": "Keep it"},
        "private_metadata": metadata,
        "blocks": [section(text)],
    }


def done_modal(title: str, text: str) -> View:
    """What a submitted modal turns into: the outcome, in place."""
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": truncate(title, 24)},
        "close": {"type": "plain_text", "text": "Done"},
        "blocks": [section(text)],
    }
