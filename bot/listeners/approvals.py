"""Submissions and their approval: the approver's DM buttons and the reject reason modal.

A click is a request from whoever clicked: ``approvals.decide`` checks the clicker may decide,
and claims the decision once, so double clicks and two approvers get one outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import ids, metadata
from bot.context import Deps
from bot.errors import UserError
from bot.notify import dm, home_changed, open_view
from bot.services import approvals, submissions
from bot.services.approvals import Decision, EntryDecided, SubmitResult
from bot.views import approval as views
from bot.views.entry_modal import done_modal
from storage import rows
from storage.db import read_scope, write_scope

logger = logging.getLogger(__name__)


def notify_approvers(deps: Deps, client: WebClient, submitter_id: str, result: SubmitResult) -> None:
    """After the ack of /track submit: one DM per approver, remembered for the outcome."""
    for sent in result.sent:
        try:
            with read_scope(deps.sessions) as conn:
                overview = submissions.overview(conn, sent.submission_id)
            if overview is None:
                continue
            posted = dm(client, sent.approver.slack_id, views.approval_request(overview))
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
        _open_reject(deps, client, body, int(action.get("value") or 0))

    @app.action(ids.ENTRY_DECISION)
    def entry_decision(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        kind, _, rest = ((action.get("selected_option") or {}).get("value") or "").partition(":")
        submission_id, _, entry_id = rest.partition(":")
        if kind not in ("approve", "reject") or not (submission_id.isdigit() and entry_id.isdigit()):
            logger.warning("malformed entry decision: %r", action.get("selected_option"))
            return
        if kind == "approve":
            deps.background(lambda: _decide_entry(deps, client, body, int(submission_id), int(entry_id)))
            return
        _open_reject(deps, client, body, int(submission_id), entry_id=int(entry_id))

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
            announce = _reject(deps, client, user_id, view.get("private_metadata") or "", reason)
        except UserError as err:
            ack(response_action="update", view=done_modal("Not rejected", f":warning: {err.render()}"))
            return
        except Exception:
            logger.exception("rejecting failed")
            ack(response_action="update", view=done_modal("Not rejected", ":warning: Something went wrong."))
            return
        ack(response_action="update", view=done_modal("Rejected", "Sent back with your reason."))
        deps.background(announce)


def _reject(deps: Deps, client: WebClient, user_id: str, sealed: str, reason: str) -> Callable[[], None]:
    """Claim the rejection the reason form was opened for (the submission's pending entries,
    or one entry); returns what tells everyone, to run after the ack."""
    data = metadata.unseal(sealed, deps.secret)
    if data.get("u") != user_id:
        raise UserError("This form was opened by someone else; nothing was changed.")
    if data.get("e"):
        decided = _claim_entry(deps, user_id, int(data["s"]), int(data["e"]), approve=False, reason=reason)
        return lambda: _announce_entry(deps, client, decided)
    decision = _claim(deps, user_id, int(data["s"]), approve=False, reason=reason)
    return lambda: _announce(deps, client, decision)


def _open_reject(
    deps: Deps, client: WebClient, body: dict[str, Any], submission_id: int, *, entry_id: int | None = None
) -> None:
    """The reason modal, sealed with who opened it and what it sends back."""
    data = {"u": body["user"]["id"], "s": submission_id, "c": (body.get("channel") or {}).get("id")}
    if entry_id is not None:
        data["e"] = entry_id
    trigger, view = body["trigger_id"], views.reject_modal(submission_id, metadata.seal(data, deps.secret))
    deps.background(lambda: open_view(client, trigger, view))


def _claim(deps: Deps, user_id: str, submission_id: int, *, approve: bool, reason: str = "") -> Decision:
    now = deps.clock()
    with write_scope(deps.sessions) as conn:
        actor = rows.person(conn, user_id)
        if actor is None:
            raise UserError("Only this submission's approver or an admin can decide it; nothing was changed.")
        return approvals.decide(conn, submission_id, actor, approve=approve, now=now, reason=reason)


def _claim_entry(
    deps: Deps, user_id: str, submission_id: int, entry_id: int, *, approve: bool, reason: str = ""
) -> EntryDecided:
    now = deps.clock()
    with write_scope(deps.sessions) as conn:
        actor = rows.person(conn, user_id)
        if actor is None:
            raise UserError("Only this submission's approver or an admin can decide it; nothing was changed.")
        return approvals.decide_entry(
            conn, submission_id, entry_id, actor, approve=approve, now=now, reason=reason
        )


def _decide_entry(
    deps: Deps, client: WebClient, body: dict[str, Any], submission_id: int, entry_id: int
) -> None:
    try:
        decided = _claim_entry(deps, body["user"]["id"], submission_id, entry_id, approve=True)
    except UserError as err:
        refuse(client, body, err.render())
        return
    except Exception:
        logger.exception("deciding entry %s of submission %s failed", entry_id, submission_id)
        refuse(client, body, "Something went wrong on our side; nothing was changed.")
        return
    _announce_entry(deps, client, decided)


def _decide(
    deps: Deps, client: WebClient, body: dict[str, Any], submission_id: int, *, approve: bool
) -> None:
    user_id = body["user"]["id"]
    try:
        decision = _claim(deps, user_id, submission_id, approve=approve)
    except UserError as err:
        refuse(client, body, err.render())
        return
    except Exception:
        logger.exception("deciding submission %s failed", submission_id)
        refuse(client, body, "Something went wrong on our side; nothing was changed.")
        return
    _announce(deps, client, decision)


def _announce(deps: Deps, client: WebClient, decision: Decision) -> None:
    """The outcome replaces the buttons in the approver's DM; the submitter hears of it."""
    _update_dm(deps, client, decision.submission, decision.channel, decision.message_ts)
    dm(client, decision.submitter.slack_id, views.submitter_notice(decision))
    home_changed(deps, client, decision.submitter.slack_id)


def _announce_entry(deps: Deps, client: WebClient, decided: EntryDecided) -> None:
    """The DM shows each entry's outcome (and the submission's once closed); the submitter
    hears of this entry."""
    _update_dm(deps, client, decided.submission, decided.channel, decided.message_ts)
    dm(client, decided.submitter.slack_id, views.entry_notice(decided))
    home_changed(deps, client, decided.submitter.slack_id)


def _update_dm(
    deps: Deps, client: WebClient, submission_id: int, channel: str | None, ts: str | None
) -> None:
    """The approver's DM redrawn from the submission as it is now (read after the commit)."""
    if not (channel and ts):
        return
    with read_scope(deps.sessions) as conn:
        overview = submissions.overview(conn, submission_id)
    if overview is None:
        return
    try:
        client.chat_update(channel=channel, ts=ts, **views.approval_request(overview))
    except SlackApiError as err:
        logger.warning("chat.update failed: %s", err.response.get("error"))


def refuse(client: WebClient, body: dict[str, Any], text: str) -> None:
    channel = (body.get("channel") or {}).get("id")
    if channel:
        try:
            client.chat_postEphemeral(channel=channel, user=body["user"]["id"], text=f":warning: {text}")
        except SlackApiError as err:
            logger.warning("could not tell %s: %s", body["user"]["id"], err.response.get("error"))
