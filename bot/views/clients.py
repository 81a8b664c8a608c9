"""``/track clients`` and what its client menus open: the dashboard (a page at a time), the
invoice modal, and share links (a new one, the link shown once; a client's links with Revoke).
Pure functions of plain values."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from babel.dates import format_date

from bot import ids
from bot.services import sharing
from bot.services.invoices.overview import ClientLine, ClientsPage
from bot.views.blocks import Block, context, escape, header, message, modal, section, truncate
from bot.views.invoices import _STATUS, View, hours, money

MAX_LINKS = 40  # listed in the links modal (two blocks each); the CLI lists them all


def clients(page: ClientsPage) -> dict[str, Any]:
    """``/track clients``: unbilled approved time and its value, time awaiting approval and
    the last invoice, per client, each with a menu (Invoice…, a new share link, its links);
    a page at a time."""
    owed = ", ".join(money(v, c, page.locale) for c, v in sorted(page.unbilled_value.items())) or "nothing"
    blocks: list[Block] = [header("Clients"), context(f"{page.clients} clients · approved, unbilled: {owed}")]
    blocks += [_client_block(line, page.locale) for line in page.lines]
    if not page.lines:
        blocks.append(section("No clients yet: import them with `punchcard import`."))
    nav = []
    if page.page > 1:
        nav.append(
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Previous"},
                "action_id": f"{ids.CLIENTS_PAGE}:previous",
                "value": str(page.page - 1),
            }
        )
    if page.page < page.pages:
        nav.append(
            {
                "type": "button",
                "text": {"type": "plain_text", "text": "Next"},
                "action_id": f"{ids.CLIENTS_PAGE}:next",
                "value": str(page.page + 1),
            }
        )
    if nav:
        blocks.append(context(f"Page {page.page} of {page.pages}"))
        blocks.append({"type": "actions", "block_id": "clients_pages", "elements": nav})
    return message(f"Clients: approved, unbilled {owed}", blocks)


def _client_block(line: ClientLine, locale: str) -> Block:
    value = money(line.unbilled_value, line.currency, locale)
    text = f"*{escape(line.name)}*\nUnbilled: *{hours(line.unbilled_hours, locale)} h* · *{value}*"
    if line.unpriced:
        text += f" ({line.unpriced} entries without a rate)"
    text += f" · awaiting approval: {hours(line.awaiting_hours, locale)} h"
    last = line.last
    if last is not None:
        issued = format_date(last.issue_date, "medium", locale=locale) if last.issue_date else "?"
        text += (
            f"\nLast invoice: {last.number}, {issued}, {money(last.total, last.currency, locale)}, "
            f"{_STATUS.get(last.status, last.status).lower()}"
        )
    else:
        text += "\nNo invoice yet"
    if line.links:
        text += f" · {line.links} share link{'s' if line.links != 1 else ''}"
    options = [("Invoice…", f"invoice:{line.client_id}"), ("New share link…", f"share:{line.client_id}")]
    if line.links:
        options.append(("Share links…", f"links:{line.client_id}"))
    return {
        **section(text),
        "block_id": f"client:{line.client_id}",
        "accessory": {
            "type": "overflow",
            "action_id": ids.CLIENT_MENU,
            "options": [{"text": {"type": "plain_text", "text": t}, "value": v} for t, v in options],
        },
    }


def invoice_modal(client: str, first: date, last: date, sealed: str) -> View:
    """The menu's **Invoice…**: the period (last month to begin with) and a draft first."""
    return modal(
        ids.INVOICE_MODAL,
        "Invoice",
        [
            section(
                f"Invoice *{escape(truncate(client, 200))}* for its approved, unbilled time of the period."
            ),
            {
                "type": "input",
                "block_id": ids.INVOICE_FROM_BLOCK,
                "label": {"type": "plain_text", "text": "From"},
                "element": {
                    "type": "datepicker",
                    "action_id": ids.INVOICE_FROM_INPUT,
                    "initial_date": first.isoformat(),
                },
            },
            {
                "type": "input",
                "block_id": ids.INVOICE_TO_BLOCK,
                "label": {"type": "plain_text", "text": "To"},
                "element": {
                    "type": "datepicker",
                    "action_id": ids.INVOICE_TO_INPUT,
                    "initial_date": last.isoformat(),
                },
            },
            {
                "type": "input",
                "block_id": ids.INVOICE_OPTIONS_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Options"},
                "element": {
                    "type": "checkboxes",
                    "action_id": ids.INVOICE_OPTIONS_INPUT,
                    "options": [
                        {
                            "text": {
                                "type": "plain_text",
                                "text": "Draft first (only you see it; nothing billed)",
                            },
                            "value": "draft",
                        }
                    ],
                },
            },
        ],
        metadata=sealed,
        submit="Build invoice",
    )


def share_modal(form: sharing.Form, sealed: str) -> View:
    """A new share link: one project or all, a last day, descriptions or not."""
    options = [{"text": {"type": "plain_text", "text": "All projects"}, "value": "all"}]
    options += [
        {"text": {"type": "plain_text", "text": truncate(f"{code} · {name}", 75)}, "value": str(pid)}
        for pid, code, name in form.projects[:99]
    ]
    return modal(
        ids.SHARE_MODAL,
        "Share hours",
        [
            section(
                f"A link for *{escape(truncate(form.client, 200))}* to see its billable hours by project, "
                "task and type of work, approved and awaiting approval, and its budgets: never rates, "
                "amounts or other clients."
            ),
            {
                "type": "input",
                "block_id": ids.SHARE_PROJECT_BLOCK,
                "label": {"type": "plain_text", "text": "Projects"},
                "element": {
                    "type": "static_select",
                    "action_id": ids.SHARE_PROJECT_INPUT,
                    "options": options,
                    "initial_option": options[0],
                },
            },
            {
                "type": "input",
                "block_id": ids.SHARE_EXPIRES_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Last day it opens"},
                "element": {"type": "datepicker", "action_id": ids.SHARE_EXPIRES_INPUT},
            },
            {
                "type": "input",
                "block_id": ids.SHARE_OPTIONS_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Options"},
                "element": {
                    "type": "checkboxes",
                    "action_id": ids.SHARE_OPTIONS_INPUT,
                    "options": [
                        {
                            "text": {"type": "plain_text", "text": "Show each entry's description"},
                            "value": "descriptions",
                        }
                    ],
                },
            },
        ],
        metadata=sealed,
        submit="Make link",
    )


def share_made(link_url: str, created: sharing.Created, *, base_known: bool) -> str:
    """The new link, shown once (only its hash is kept)."""
    scope = created.link.project or "all projects"
    until = f", until {created.link.expires_on.isoformat()}" if created.link.expires_on else ""
    text = (
        f":link: A link for *{escape(created.link.client)}* ({scope}{until}"
        f"{', with descriptions' if created.link.descriptions else ''}):\n{link_url}\n\n"
        "Copy it now: it is shown only once. Revoke it any time from `/track clients`."
    )
    if not base_known:
        text += (
            "\n:warning: PUNCHCARD_BASE_URL is not set: put the address clients reach Punchcard at before it."
        )
    return text


def links_modal(client: str, links: list[Any], today: date, sealed: str) -> View:
    """A client's share links, newest first, each with its state, openings and a Revoke."""
    blocks: list[Block] = [section(f"Share links for *{escape(truncate(client, 200))}*")]
    for link in links[:MAX_LINKS]:
        state = sharing.expiry(link, today)
        opened = f"opened {link.opens}×, last {_when(link.last_opened_at)}" if link.opens else "never opened"
        text = (
            f"`{link.hint}…` · {escape(link.project or 'all projects')}"
            f"{' · descriptions' if link.descriptions else ''} · made {_when(link.created_at)} by "
            f"{_who(link.created_by)}\n{_STATE.get(state, state)}"
            f"{f' (until {link.expires_on.isoformat()})' if link.expires_on and state == 'live' else ''}"
            f" · {opened}"
        )
        block: Block = {**section(text), "block_id": f"link:{link.id}"}
        if state != "revoked":
            block["accessory"] = {
                "type": "button",
                "style": "danger",
                "text": {"type": "plain_text", "text": "Revoke"},
                "action_id": ids.SHARE_REVOKE,
                "value": str(link.id),
                "confirm": {
                    "title": {"type": "plain_text", "text": "Revoke this link?"},
                    "text": {"type": "mrkdwn", "text": "Whoever has it sees “Not found” from now on."},
                    "confirm": {"type": "plain_text", "text": "Revoke"},
                    "deny": {"type": "plain_text", "text": "Cancel"},
                },
            }
        blocks.append(block)
    if len(links) > MAX_LINKS:
        blocks.append(context(f"…and {len(links) - MAX_LINKS} older links: `punchcard share --list`"))
    if not links:
        blocks.append(section("No links yet."))
    return modal(
        ids.SHARE_LINKS_MODAL,
        "Share links",
        blocks,
        metadata=sealed,
        close="Done",
    )


_STATE = {
    "live": ":large_green_circle: live",
    "expired": ":white_circle: expired",
    "revoked": ":no_entry: revoked",
}


def _when(instant: datetime | None) -> str:
    return f"{instant:%Y-%m-%d %H:%M} UTC" if instant else "never"


def _who(actor: str) -> str:
    return f"<@{actor}>" if actor.startswith(("U", "W")) else "the command line"
