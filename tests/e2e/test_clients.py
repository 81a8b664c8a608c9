"""``/track clients`` end to end: what is left to bill per client, and each client's menu:
Invoice… (a period modal that builds the invoice), New share link… (the link shown once,
opening the client's page) and Share links… (each with Revoke, the modal redrawn)."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from typing import Any

from bot.views import invoices as views
from tests.conftest import RunningApp, interact
from tests.e2e.test_invoices import MEMBER, PARTNER, app, dumped, november, posted_in, statuses

__all__ = ["app"]


def menu(app: RunningApp, user: dict[str, Any], value: str, channel: str = "DU0PARTNER") -> None:
    status, _ = interact(app, {
        "type": "block_actions", "user": user, "channel": {"id": channel},
        "container": {"type": "message", "message_ts": "1.1", "channel_id": channel, "is_ephemeral": True},
        "response_url": app.fake.response_url(),
        "actions": [{"action_id": "client_menu", "block_id": "client:1", "type": "overflow",
                     "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": value}}],
    })  # fmt: skip
    assert status == 200


def client_id(app: RunningApp, name: str, nth: int = 0) -> str:
    page = app.fake.wait_for("response_url", count=nth + 1)[nth].params
    block = next(b for b in page["blocks"] if name in str(b.get("text")))
    return str(block["block_id"].split(":")[1])


def status_of(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return int(r.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


def test_clients_shows_unbilled_time_awaiting_approval_and_the_last_invoice(app: RunningApp) -> None:
    november(app)
    app.say("clients", user_id="U0PARTNER")
    first = app.fake.wait_for("response_url")[0].params
    text = dumped(first["blocks"])
    assert "Acme Corp" in text and "7.20 h" in text and "$2,025.00" in text and "No invoice yet" in text
    assert text.index("Acme Corp") < text.index("Globex")  # most to bill first
    assert first["response_type"] == "ephemeral"
    app.say("invoice Acme last month", user_id="U0PARTNER")
    app.fake.wait_for("files.completeUploadExternal", timeout=60)
    app.say("clients", user_id="U0PARTNER")
    second = dumped(app.fake.wait_for("response_url", count=2)[1].params["blocks"])
    assert "Last invoice: INV-2026-0001" in second and "0.00 h" in second


def test_the_clients_invoice_menu_opens_a_period_form_that_builds_the_invoice(app: RunningApp) -> None:
    november(app)
    app.say("clients", user_id="U0PARTNER")
    acme = client_id(app, "Acme Corp")
    menu(app, MEMBER, f"invoice:{acme}", channel="DU0MEMBER")
    assert "Only partners and admins" in app.fake.wait_for("chat.postEphemeral")[0].params["text"]
    menu(app, PARTNER, f"invoice:{acme}")
    modal = app.fake.wait_for("views.open")[0].params["view"]
    assert [b["element"].get("initial_date") for b in modal["blocks"] if b["type"] == "input"][:2] == [
        "2026-11-01", "2026-11-30"]  # last month, in the clicker's timezone  # fmt: skip

    def submit(first: str, last: str) -> dict[str, Any]:
        values = {
            "invoice_from": {"invoice_from_pick": {"type": "datepicker", "selected_date": first}},
            "invoice_to": {"invoice_to_pick": {"type": "datepicker", "selected_date": last}},
            "invoice_options": {"invoice_options_check": {"type": "checkboxes", "selected_options": []}},
        }
        view = {**modal, "id": "VINV", "state": {"values": values}}
        status, answer = interact(app, {"type": "view_submission", "user": PARTNER, "view": view})
        assert status == 200
        return answer

    assert submit("2026-11-30", "2026-11-01")["errors"] == {"invoice_to": views.PERIOD_ERROR}
    assert "Building the invoice for *Acme Corp*" in dumped(submit("2026-11-01", "2026-11-30"))
    shared, summary = posted_in(app, "C0BILLING", 2)
    assert shared["files"][0]["name"] == "INV-2026-0001.pdf" and statuses(app) == ["billed"] * 4


def test_a_new_share_link_is_shown_once_opens_the_page_and_is_revoked_from_the_links_modal(
    app: RunningApp,
) -> None:
    november(app)
    app.say("clients", user_id="U0PARTNER")
    acme = client_id(app, "Acme Corp")
    menu(app, MEMBER, f"share:{acme}", channel="DU0MEMBER")
    assert "Only partners and admins can share" in app.fake.wait_for("chat.postEphemeral")[0].params["text"]
    menu(app, PARTNER, f"share:{acme}")
    modal = app.fake.wait_for("views.open")[0].params["view"]
    values = {
        "share_project": {"share_project_select": {"type": "static_select", "selected_option": {
            "text": {"type": "plain_text", "text": "All projects"}, "value": "all"}}},
        "share_expires": {"share_expires_pick": {"type": "datepicker", "selected_date": None}},
        "share_options": {"share_options_check": {"type": "checkboxes", "selected_options": [
            {"text": {"type": "plain_text", "text": "x"}, "value": "descriptions"}]}},
    }  # fmt: skip
    status, answer = interact(app, {"type": "view_submission", "user": PARTNER,
                                    "view": {**modal, "id": "VSHARE", "state": {"values": values}}})  # fmt: skip
    assert status == 200 and answer["response_action"] == "update"
    said = dumped(answer["view"])
    token = re.search(r"https://punchcard\.example\.com/r/([A-Za-z0-9_-]{32,})", said).group(1)  # type: ignore[union-attr]
    assert "shown only once" in said and "with descriptions" in said
    assert status_of(f"{app.url}/r/{token}") == 200

    app.say("clients", user_id="U0PARTNER")
    page = dumped(app.fake.wait_for("response_url", count=2)[1].params["blocks"])
    assert "1 share link" in page and f"links:{acme}" in page
    menu(app, PARTNER, f"links:{acme}")
    listed = app.fake.wait_for("views.open", count=2)[1].params["view"]
    assert token[:6] in dumped(listed) and "opened 1×" in dumped(listed)
    revoke = next(
        b["accessory"] for b in listed["blocks"] if b.get("accessory", {}).get("action_id") == "share_revoke"
    )
    status, _ = interact(app, {
        "type": "block_actions", "user": PARTNER, "view": {**listed, "id": "VLINKS", "hash": "h1"},
        "actions": [{"action_id": "share_revoke", "block_id": "link:1", "type": "button", "value": revoke["value"]}],
    })  # fmt: skip
    assert status == 200
    redrawn = app.fake.wait_for("views.update")[0].params
    assert redrawn["view_id"] == "VLINKS" and "revoked" in dumped(redrawn["view"])
    assert "share_revoke" not in dumped(redrawn["view"])  # nothing left to revoke
    assert status_of(f"{app.url}/r/{token}") == 404
