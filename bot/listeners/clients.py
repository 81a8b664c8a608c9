"""``/track clients`` and its client menus: the dashboard's pages, **Invoice…** (a period
modal), **New share link…** (a modal; the link shown once) and **Share links…** (a modal
listing them, each with Revoke, redrawn after a revoke).

Whoever clicks is checked by the service (partners and admins), never by what the menu offers.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot import ids, invoice_words, metadata
from bot.context import Deps
from bot.listeners.approvals import refuse
from bot.listeners.invoices import explain, picked, unseal
from bot.notify import open_view
from bot.services import sharing
from bot.services.clock import local_date
from bot.services.invoices import overview, runs
from bot.shapes import whole_number
from bot.slack import respond
from bot.views import clients as views
from bot.views import invoices as invoice_views
from bot.views.entry_modal import done_modal
from storage import people

logger = logging.getLogger(__name__)


def register(app: App, deps: Deps) -> None:
    @app.action(re.compile(f"^{ids.CLIENTS_PAGE}:"))
    def clients_page(ack: Ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        ack()
        page, url = whole_number(action.get("value"), high=10_000), body.get("response_url")
        if page is not None and url:
            deps.background(lambda: send_clients(deps, url, body["user"]["id"], page, replace=True))

    @app.action(ids.CLIENT_MENU)
    def client_menu(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        choice, _, word = ((action.get("selected_option") or {}).get("value") or "").partition(":")
        client_id = whole_number(word)
        opens = {"invoice": _open_invoice, "share": _open_share, "links": _open_links}.get(choice)
        if opens is None or client_id is None:
            logger.warning("malformed client menu choice: %r", action.get("selected_option"))
            return
        deps.background(lambda: opens(deps, client, body, client_id))

    @app.view(ids.INVOICE_MODAL)
    def invoice_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = view["state"]["values"]
        first = picked(values, ids.INVOICE_FROM_BLOCK, ids.INVOICE_FROM_INPUT)
        last = picked(values, ids.INVOICE_TO_BLOCK, ids.INVOICE_TO_INPUT)
        if first is None or last is None or last < first:
            block = ids.INVOICE_FROM_BLOCK if first is None else ids.INVOICE_TO_BLOCK
            ack(response_action="errors", errors={block: invoice_views.PERIOD_ERROR})
            return
        draft = "draft" in _checked(values, ids.INVOICE_OPTIONS_BLOCK, ids.INVOICE_OPTIONS_INPUT)
        try:
            data = unseal(deps, body, view)
            with deps.db.transaction() as conn:
                queued = runs.request(
                    conn,
                    body["user"]["id"],
                    client=int(data["c"]),
                    first=first,
                    last=last,
                    draft=draft,
                    now=deps.clock(),
                )
        except Exception as err:
            ack(
                response_action="update",
                view=done_modal("No invoice", f":warning: {explain(err, 'invoicing')}"),
            )
            return
        ack(response_action="update", view=done_modal("Invoice", invoice_views.queued(queued)["text"]))

    @app.view(ids.SHARE_MODAL)
    def share_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = view["state"]["values"]
        chosen = (
            (values.get(ids.SHARE_PROJECT_BLOCK, {}).get(ids.SHARE_PROJECT_INPUT) or {}).get(
                "selected_option"
            )
            or {}
        ).get("value")
        project = whole_number(chosen) if chosen != "all" else None
        expires = picked(values, ids.SHARE_EXPIRES_BLOCK, ids.SHARE_EXPIRES_INPUT)
        descriptions = "descriptions" in _checked(values, ids.SHARE_OPTIONS_BLOCK, ids.SHARE_OPTIONS_INPUT)
        try:
            data = unseal(deps, body, view)
            with deps.db.transaction() as conn:
                created = sharing.create(
                    conn,
                    body["user"]["id"],
                    client=int(data["c"]),
                    project=project,
                    expires=expires,
                    descriptions=descriptions,
                    now=deps.clock(),
                )
        except Exception as err:
            ack(response_action="update", view=done_modal("No link", f":warning: {explain(err, 'sharing')}"))
            return
        text = views.share_made(
            sharing.url(deps.base_url, created.token), created, base_known=bool(deps.base_url)
        )
        ack(response_action="update", view=done_modal("Share link", text))

    @app.action(ids.SHARE_REVOKE)
    def share_revoke(ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient) -> None:
        ack()
        link_id = whole_number(action.get("value"))
        if link_id is not None:
            deps.background(lambda: _revoke(deps, client, body, link_id))


def send_clients(deps: Deps, response_url: str, user_id: str, page: int, *, replace: bool = False) -> None:
    """``/track clients``, gathered after the ack and answered through the response URL."""
    try:
        with deps.db.transaction(read_only=True) as conn:
            message = views.clients(overview.overview(conn, user_id, page=page))
    except Exception as err:
        message = invoice_views.refused(explain(err, "gathering the clients"))
        replace = False
    respond(response_url, message, replace_original=replace)


def _open_invoice(deps: Deps, client: WebClient, body: dict[str, Any], client_id: int) -> None:
    user_id = body["user"]["id"]
    try:
        with deps.db.transaction(read_only=True) as conn:
            name = runs.client_form(conn, user_id, client_id)
            person = people.person(conn, user_id)
    except Exception as err:
        refuse(client, body, explain(err, "opening the invoice form"))
        return
    first, last = invoice_words.last_month(local_date(deps.clock(), person.timezone if person else "UTC"))
    sealed = metadata.seal({"u": user_id, "c": client_id}, deps.secret)
    open_view(client, body["trigger_id"], views.invoice_modal(name, first, last, sealed))


def _open_share(deps: Deps, client: WebClient, body: dict[str, Any], client_id: int) -> None:
    user_id = body["user"]["id"]
    try:
        with deps.db.transaction(read_only=True) as conn:
            form = sharing.form(conn, user_id, client_id)
    except Exception as err:
        refuse(client, body, explain(err, "opening the share form"))
        return
    sealed = metadata.seal({"u": user_id, "c": client_id}, deps.secret)
    open_view(client, body["trigger_id"], views.share_modal(form, sealed))


def _links_view(deps: Deps, user_id: str, client_id: int) -> dict[str, Any]:
    with deps.db.transaction(read_only=True) as conn:
        form = sharing.form(conn, user_id, client_id)
        found = sharing.links(conn, user_id, client=client_id)
        today = sharing.today(conn, deps.clock())
    return views.links_modal(
        form.client, found, today, metadata.seal({"u": user_id, "c": client_id}, deps.secret)
    )


def _open_links(deps: Deps, client: WebClient, body: dict[str, Any], client_id: int) -> None:
    try:
        view = _links_view(deps, body["user"]["id"], client_id)
    except Exception as err:
        refuse(client, body, explain(err, "listing the share links"))
        return
    open_view(client, body["trigger_id"], view)


def _revoke(deps: Deps, client: WebClient, body: dict[str, Any], link_id: int) -> None:
    """Revoke, by whoever clicked, then redraw the links modal it was clicked in."""
    user_id = body["user"]["id"]
    try:
        with deps.db.transaction() as conn:
            revoked = sharing.revoke(conn, user_id, link_id=link_id, now=deps.clock())
        view = _links_view(deps, user_id, revoked.client_id)
    except Exception as err:
        refuse(client, body, explain(err, "revoking a share link"))
        return
    shown = body.get("view") or {}
    if not shown.get("id"):
        return
    try:
        client.views_update(view_id=shown["id"], hash=shown.get("hash"), view=view)
    except SlackApiError as err:  # closed meanwhile, or redrawn by another click first
        logger.info("the links modal was not redrawn: %s", err.response.get("error"))


def _checked(values: dict[str, Any], block: str, action: str) -> set[str]:
    chosen = (values.get(block, {}).get(action) or {}).get("selected_options") or []
    return {str(option.get("value")) for option in chosen if isinstance(option, dict)}
