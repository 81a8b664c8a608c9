"""Submissions and their approval: the approver's DM buttons and the reject reason modal.

A click is a request from whoever clicked: ``approvals.decide`` checks the clicker may decide,
and claims the decision once, so double clicks and two approvers get one outcome. What the
decision tells people (the approver's DM redrawn, the submitter's notice) is queued in the
outbox in the decision's own transaction and delivered by the sender (bot.delivery).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import ids, metadata
from bot.context import Deps
from bot.errors import Refused
from bot.notify import home_changed, open_view
from bot.services import approvals
from bot.shapes import whole_number
from bot.views import approval as views
from bot.views import refusals
from bot.views.entry_modal import done_modal
from storage import people

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.action(ids.APPROVE_ALL)
    def approve_all(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        submission_id = whole_number(action.get("value"))
        if submission_id is None:
            logger.warning("malformed approve-all value: %r", action.get("value"))
            return
        deps.background(lambda: _decide_after_ack(deps, client, body, submission_id))

    @app.action(ids.REJECT_OPEN)
    def reject_open(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        submission_id = whole_number(action.get("value"))
        if submission_id is None:
            logger.warning("malformed reject value: %r", action.get("value"))
            return
        _open_reject(deps, client, body, submission_id)

    @app.action(ids.ENTRY_DECISION)
    def entry_decision(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        kind, _, rest = ((action.get("selected_option") or {}).get("value") or "").partition(":")
        submission_word, _, entry_word = rest.partition(":")
        submission_id, entry_id = whole_number(submission_word), whole_number(entry_word)
        if kind not in ("approve", "reject") or submission_id is None or entry_id is None:
            logger.warning("malformed entry decision: %r", action.get("selected_option"))
            return
        if kind == "approve":
            deps.background(lambda: _decide_after_ack(deps, client, body, submission_id, entry_id))
            return
        _open_reject(deps, client, body, submission_id, entry_id=entry_id)

    @app.view(ids.REJECT_MODAL)
    def reject_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user_id = body["user"]["id"]
        values = view["state"]["values"].get(ids.REASON_BLOCK, {})
        reason = (values.get(ids.REASON_INPUT, {}) or {}).get("value") or ""
        if not reason.strip():
            ack(
                response_action="errors",
                errors={ids.REASON_BLOCK: refusals.refusal(Refused("reason_needed"))},
            )
            return
        try:
            submitter = _reject(deps, user_id, view.get("private_metadata") or "", reason)
        except Exception as err:
            if not refusals.meant_for_people(err):
                logger.exception("rejecting failed")
            text = refusals.explain(err) if refusals.meant_for_people(err) else "Something went wrong."
            ack(response_action="update", view=done_modal("Not rejected", f":warning: {text}"))
            return
        ack(response_action="update", view=done_modal("Rejected", "Sent back with your reason."))
        home_changed(deps, client, submitter)


def _reject(deps: Deps, user_id: str, sealed: str, reason: str) -> str:
    """Claim the rejection the reason form was opened for (the submission's pending entries,
    or one entry); the submitter's Slack id."""
    data = metadata.unseal(sealed, deps.secret)
    if data.get("u") != user_id:
        raise Refused("form_of_someone_else")
    entry_id = int(data["e"]) if data.get("e") else None
    return _decide(deps, user_id, int(data["s"]), entry_id, approve=False, reason=reason)


def _open_reject(
    deps: Deps, client: WebClient, body: dict[str, Any], submission_id: int, *, entry_id: int | None = None
) -> None:
    """The reason modal, sealed with who opened it and what it sends back."""
    data: dict[str, Any] = {
        "u": body["user"]["id"],
        "s": submission_id,
        "c": (body.get("channel") or {}).get("id"),
    }
    if entry_id is not None:
        data["e"] = entry_id
    trigger, view = body["trigger_id"], views.reject_modal(submission_id, metadata.seal(data, deps.secret))
    deps.background(lambda: open_view(client, trigger, view))


def _decide(
    deps: Deps, user_id: str, submission_id: int, entry_id: int | None, *, approve: bool, reason: str = ""
) -> str:
    """One decision, whole or for one entry, by whoever clicked; the submitter's Slack id."""
    now = deps.clock()
    with deps.db.transaction() as conn:
        actor = people.person(conn, user_id)
        if entry_id is None:
            return approvals.decide(
                conn, submission_id, actor, approve=approve, now=now, reason=reason
            ).submitter
        decided = approvals.decide_entry(conn, submission_id, entry_id, actor, approve=approve, now=now,
                                         reason=reason)  # fmt: skip
        return decided.submitter


def _decide_after_ack(
    deps: Deps, client: WebClient, body: dict[str, Any], submission_id: int, entry_id: int | None = None
) -> None:
    try:
        submitter = _decide(deps, body["user"]["id"], submission_id, entry_id, approve=True)
    except Exception as err:
        if not refusals.meant_for_people(err):
            logger.exception("deciding submission %s (entry %s) failed", submission_id, entry_id)
        text = refusals.explain(err) if refusals.meant_for_people(err) else (
            "Something went wrong on our side; nothing was changed.")  # fmt: skip
        refuse(client, body, text)
        return
    home_changed(deps, client, submitter)


def refuse(client: WebClient, body: dict[str, Any], text: str) -> None:
    """An ephemeral answer to the clicker, in the channel they clicked in."""
    channel = (body.get("channel") or {}).get("id")
    if channel:
        try:
            client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text=f":warning: {text}")
        except SlackApiError as err:
            logger.warning("could not tell %s: %s", body["user"]["id"], err.response.get("error"))
