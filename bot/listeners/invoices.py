"""Invoices' buttons and modals: Mark sent, Mark paid, Void… (a reason modal), a draft's Issue
and Discard, and ``/track clients`` (its pages and each client's Invoice… modal).

A click is a request from whoever clicked: every service called here checks that they are a
partner or an admin (``issue.may_invoice``) and that the invoice is in a state that allows it,
so a member's click, or a stale button, changes nothing. What a change tells the channel (the
summary redrawn, a credit note posted) is queued in the outbox in the change's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot import ids, metadata
from bot.context import Deps
from bot.errors import Refused
from bot.listeners.approvals import refuse
from bot.notify import open_view
from bot.services.invoices import lifecycle, runs
from bot.shapes import whole_number
from bot.views import invoices as views
from bot.views import refusals
from bot.views.entry_modal import done_modal

logger = logging.getLogger(__name__)
SORRY = "Something went wrong on our side; nothing was changed."


def register(app: App, deps: Deps) -> None:
    def on_invoice(change: Callable[[Any, str, int], object]) -> Callable[..., None]:
        """A summary button: ack, then the change by the clicker, a refusal told to them."""

        def listener(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
            ack()
            invoice_id = whole_number(action.get("value"))
            if invoice_id is None:
                logger.warning("malformed invoice button value: %r", action.get("value"))
                return
            deps.background(lambda: _act(deps, client, body, lambda conn, who: change(conn, who, invoice_id)))

        return listener

    now = deps.clock
    app.action(ids.INVOICE_MARK_SENT)(
        on_invoice(lambda c, who, i: lifecycle.mark_sent(c, i, actor=who, now=now()))
    )
    app.action(ids.INVOICE_MARK_PAID)(
        on_invoice(lambda c, who, i: lifecycle.mark_paid(c, i, actor=who, now=now()))
    )
    app.action(ids.INVOICE_ISSUE)(on_invoice(lambda c, who, i: runs.issue_draft(c, who, i, now=now())))
    app.action(ids.INVOICE_DISCARD)(
        on_invoice(lambda c, who, i: lifecycle.discard(c, i, actor=who, now=now()))
    )

    @app.action(ids.INVOICE_VOID)
    def void_open(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        invoice_id = whole_number(action.get("value"))
        if invoice_id is not None:
            deps.background(lambda: _open_void(deps, client, body, invoice_id))

    @app.view(ids.VOID_MODAL)
    def void_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = view["state"]["values"].get(ids.VOID_REASON_BLOCK, {})
        reason = (values.get(ids.VOID_REASON_INPUT, {}) or {}).get("value") or ""
        if not reason.strip():
            ack(
                response_action="errors",
                errors={ids.VOID_REASON_BLOCK: refusals.refusal(Refused("void_reason_needed"))},
            )
            return
        try:
            data = unseal(deps, body, view)
            with deps.db.transaction() as conn:
                voided = lifecycle.void(
                    conn, int(data["i"]), actor=body["user"]["id"], reason=reason, now=deps.clock()
                )
        except Exception as err:
            ack(
                response_action="update",
                view=done_modal("Not voided", f":warning: {explain(err, 'voiding')}"),
            )
            return
        ack(response_action="update", view=done_modal("Voided", views.voided(voided)))


def _act(deps: Deps, client: WebClient, body: dict[str, Any], change: Callable[[Any, str], object]) -> None:
    try:
        with deps.db.transaction() as conn:
            change(conn, body["user"]["id"])
    except Exception as err:
        refuse(client, body, explain(err, "an invoice button"))


def _open_void(deps: Deps, client: WebClient, body: dict[str, Any], invoice_id: int) -> None:
    user_id = body["user"]["id"]
    try:
        with deps.db.transaction(read_only=True) as conn:
            found = lifecycle.void_form(conn, invoice_id, actor=user_id)
    except Exception as err:
        refuse(client, body, explain(err, "opening the void form"))
        return
    open_view(
        client,
        body["trigger_id"],
        views.void_modal(found, metadata.seal({"u": user_id, "i": invoice_id}, deps.secret)),
    )


def unseal(deps: Deps, body: dict[str, Any], view: dict[str, Any]) -> dict[str, Any]:
    data = metadata.unseal(view.get("private_metadata") or "", deps.secret)
    if data.get("u") != body["user"]["id"]:
        raise Refused("form_of_someone_else")
    return data


def picked(values: dict[str, Any], block: str, action: str) -> date | None:
    chosen = (values.get(block, {}).get(action) or {}).get("selected_date")
    try:
        return date.fromisoformat(chosen) if isinstance(chosen, str) else None
    except ValueError:
        return None


def explain(err: Exception, doing: str) -> str:
    if refusals.meant_for_people(err):
        return refusals.explain(err)
    logger.exception("%s failed", doing, exc_info=err)
    return SORRY
