"""Type-ahead options for the project picker (block_suggestion)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot import ids
from bot.context import Deps
from bot.listeners.forms import read_entry_form
from bot.services import choices
from bot.views.entry_modal import MAX_OPTIONS, option, project_option

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.options(ids.PROJECT_INPUT)
    def project_options(ack: Ack, body: dict[str, Any]) -> None:
        ack(options=project_suggestions(deps, body["user"]["id"], body.get("value") or ""))

    @app.options(ids.TASK_INPUT)
    def task_options(ack: Ack, body: dict[str, Any]) -> None:
        ack(options=task_suggestions(deps, body.get("view") or {}, body.get("value") or ""))


def project_suggestions(deps: Deps, user_id: str, query: str) -> list[dict[str, Any]]:
    """Up to 100 visible projects (Slack's limit), the person's recent ones first; never raises."""
    try:
        with deps.db.transaction(read_only=True) as conn:
            return [project_option(p) for p in choices.project_choices(conn, user_id, query[:100])]
    except Exception:
        logger.exception("project options failed for %s", user_id)
        return []


def task_suggestions(deps: Deps, view: dict[str, Any], query: str) -> list[dict[str, Any]]:
    """Tasks of the project chosen in the same modal whose name contains the text."""
    try:
        project_id = read_entry_form(view).project_id
        if project_id is None:
            return []
        with deps.db.transaction(read_only=True) as conn:
            found = choices.task_choices(conn, project_id, query, limit=MAX_OPTIONS)
        return [option(t.name, str(t.id)) for t in found]
    except Exception:
        logger.exception("task options failed")
        return []
