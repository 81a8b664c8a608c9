"""Submissions and their approval: the approver's DM buttons and the reject reason modal.

A click is a request from whoever clicked: ``approvals.decide`` checks the clicker may decide,
and claims the decision once, so double clicks and two approvers get one outcome.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import ids, metadata
from bot.context import Deps
from bot.errors import UserError
from bot.notify import dm, home_changed, open_view
from bot.services import approvals
from bot.services.approvals import Decision, SubmitResult
from bot.views import approval as views
from bot.views.entry_modal import done_modal
from storage import rows
from storage.db import write_scope

logger = logging.getLogger(__name__)


def notify_approvers(deps: Deps, client: WebClient, submitter_id: str, result: SubmitResult) -> None:
    """After the ack of /track submit: one DM per approver, remembered for the outcome."""
    period = f"{result.first:%a %d %b} – {result.last:%a %d %b %Y}"
    for sent in result.sent:
        try:
            with write_scope(deps.sessions) as conn:
                submitter = rows.person(conn, submitter_id)
            name = submitter.name if submitter else submitter_id
            posted = dm(
                client, sent.approver.slack_id, views.approval_request(sent, name, submitter_id, period)
            )
            if posted is not None:
                with write_scope(deps.sessions) as conn:
                    approvals.remember_message(conn, sent.submission_id, channel=posted[0], ts=posted[1])
        except Exception:
            logger.exception("notifying the approver of submission %s failed", sent.submission_id)


def register(app: App, deps: Deps) -> None:
    @app.action(ids.APPROVE_ALL)
    def approve_all(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        deps.background(lambda: _decide(deps, client, body, int(action.get("value") or 0), approve=True))

    @app.action(ids.REJECT_OPEN)
    def reject_open(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        seal = metadata.seal({"u": body["user"]["id"], "s": int(action.get("value") or 0),
                              "c": (body.get("channel") or {}).get("id")}, deps.secret)  # fmt: skip
        trigger = body["trigger_id"]
        view = views.reject_modal(int(action.get("value") or 0), seal)
        deps.background(lambda: open_view(client, trigger, view))

    @app.view(ids.REJECT_MODAL)
    def reject_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        user_id = body["user"]["id"]
        reason = (view["state"]["values"].get(ids.REASON_BLOCK, {}).get(ids.REASON_INPUT, {}) or {}).get(
            "value"
        ) or ""
        if not reason.strip():
            ack(response_action="errors", errors={ids.REASON_BLOCK: "Say why, so the person can fix it."})
            return
        try:
            data = metadata.unseal(view.get("private_metadata") or "", deps.secret)
            if data.get("u") != user_id:
                raise UserError("This form was opened by someone else; nothing was changed.")
            decision = _claim(deps, user_id, int(data["s"]), approve=False, reason=reason)
        except UserError as err:
            ack(response_action="update", view=done_modal("Not rejected", f":warning: {err.render()}"))
            return
        except Exception:
            logger.exception("rejecting failed")
            ack(response_action="update", view=done_modal("Not rejected", ":warning: Something went wrong."))
            return
        ack(response_action="update", view=done_modal("Rejected", "Sent back with your reason."))
        deps.background(lambda: _announce(deps, client, decision))


def _claim(deps: Deps, user_id: str, submission_id: int, *, approve: bool, reason: str = "") -> Decision:
    now = deps.clock()
    with write_scope(deps.sessions) as conn:
        actor = rows.person(conn, user_id)
        if actor is None:
            raise UserError("Only this submission's approver or an admin can decide it; nothing was changed.")
        return approvals.decide(conn, submission_id, actor, approve=approve, now=now, reason=reason)


def _decide(
    deps: Deps, client: WebClient, body: dict[str, Any], submission_id: int, *, approve: bool
) -> None:
    user_id = body["user"]["id"]
    try:
        decision = _claim(deps, user_id, submission_id, approve=approve)
    except UserError as err:
        _refuse(client, body, err.render())
        return
    except Exception:
        logger.exception("deciding submission %s failed", submission_id)
        _refuse(client, body, "Something went wrong on our side; nothing was changed.")
        return
    _announce(deps, client, decision)


def _announce(deps: Deps, client: WebClient, decision: Decision) -> None:
    """The outcome replaces the buttons in the approver's DM; the submitter hears of it."""
    if decision.channel and decision.message_ts:
        try:
            client.chat_update(channel=decision.channel, ts=decision.message_ts, **views.outcome(decision))
        except SlackApiError as err:
            logger.warning("chat.update failed: %s", err.response.get("error"))
    dm(client, decision.submitter.slack_id, views.submitter_notice(decision))
    home_changed(deps, client, decision.submitter.slack_id)


def _refuse(client: WebClient, body: dict[str, Any], text: str) -> None:
    channel = (body.get("channel") or {}).get("id")
    if channel:
        try:
            client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text=f":warning: {text}")
        except SlackApiError as err:
            logger.warning("could not tell %s: %s", body["user"]["id"], err.response.get("error"))
