"""Type-ahead options for the project picker (block_suggestion)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App

from bot import ids
from bot.context import Deps
from bot.services import choices
from bot.views.entry_modal import project_option
from storage import rows
from storage.db import session_scope

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.options(ids.PROJECT_INPUT)
    def project_options(ack: Ack, body: dict[str, Any]) -> None:
        ack(options=project_suggestions(deps, body["user"]["id"], body.get("value") or ""))


def project_suggestions(deps: Deps, user_id: str, query: str) -> list[dict[str, Any]]:
    """Up to 100 visible projects (Slack's limit), the person's recent ones first; never raises."""
    try:
        with session_scope(deps.sessions) as session:
            person = rows.person(session.connection(), user_id)
            if person is None:
                return []
            return [project_option(p) for p in choices.project_choices(session, person, query[:100])]
    except Exception:
        logger.exception("project options failed for %s", user_id)
        return []
