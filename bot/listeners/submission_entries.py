""" "View all" in the approver's DM: every entry of a submission in a modal, paged.

Whoever clicks must be the submitter, the approver or an admin (checked on every page: the
button and the modal's metadata come from the clicker's client, not from us).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import ids, metadata
from bot.context import Deps
from bot.errors import Refused
from bot.listeners.approvals import refuse
from bot.notify import open_view
from bot.services import approvals
from bot.shapes import whole_number
from bot.views import refusals
from bot.views.submission_entries import entries_modal
from storage import people

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.action(ids.VIEW_ALL_ENTRIES)
    def view_all(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        submission_id = whole_number(action.get("value"))
        if submission_id is not None:
            deps.background(lambda: _open(deps, client, body, submission_id))

    @app.action(re.compile(f"^{ids.ENTRIES_PAGE}(:.*)?$"))  # action ids are unique per block
    def turn_page(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        page = whole_number(action.get("value"), low=0) or 0
        deps.background(lambda: _turn(deps, client, body, page))


def _page(deps: Deps, user_id: str, submission_id: int, page: int) -> dict[str, Any]:
    with deps.db.transaction(read_only=True) as conn:
        overview = approvals.for_viewer(conn, submission_id, people.person(conn, user_id))
    sealed = metadata.seal({"u": user_id, "s": submission_id}, deps.secret)
    return entries_modal(overview, page=page, metadata=sealed)


def _open(deps: Deps, client: WebClient, body: dict[str, Any], submission_id: int) -> None:
    try:
        view = _page(deps, body["user"]["id"], submission_id, 0)
    except Refused as err:
        refuse(client, body, refusals.refusal(err))
        return
    open_view(client, body["trigger_id"], view)


def _turn(deps: Deps, client: WebClient, body: dict[str, Any], page: int) -> None:
    shown = body.get("view") or {}
    user_id = body["user"]["id"]
    try:
        data = metadata.unseal(shown.get("private_metadata") or "", deps.secret)
        if data.get("u") != user_id:
            raise Refused("not_viewer")
        view = _page(deps, user_id, int(data["s"]), page)
        client.views_update(view_id=shown["id"], hash=shown.get("hash"), view=view)
    except Exception as err:
        if not refusals.meant_for_people(err):
            raise
        logger.info("entries page refused for %s: %s", user_id, refusals.explain(err))
    except SlackApiError as err:  # hash_conflict: a newer page is showing; it stands
        logger.info("views.update skipped: %s", err.response.get("error"))
