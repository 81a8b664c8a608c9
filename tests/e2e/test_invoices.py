"""Invoices from Slack, end to end: ``/track invoice`` acks at once, the builder issues the
invoice after the ack, the PDF reaches the client's billing channel through files_upload_v2's
three steps with its summary and buttons; running it again bills nothing; Void by a member
changes nothing, by a partner with a reason releases the time; drafts are issued or discarded
from the requester's DM; ``/track clients`` shows what is left to bill."""

from __future__ import annotations

import io
import json
import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pypdf
import pytest
from sqlalchemy import select

from bot.invoicing import Builder
from storage.models import EntryStatus, Invoice, InvoiceLine, OutboxMessage, TimeEntry
from tests.conftest import RunningApp, import_firm, interact, session_scope
from tests.fakeslack import Call
from tests.unit.test_invoice_build import approved

DECEMBER = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
PARTNER = {"id": "U0PARTNER", "username": "ada", "team_id": "T0FAKE"}
MEMBER = {"id": "U0MEMBER", "username": "max", "team_id": "T0FAKE"}
FIRM = """
workspace: {timezone: UTC, currency: USD, billing_increment_minutes: 6}
firm: {name: Hale & Partners LLP, address: "1 Fleet Street\\nLondon", tax_id: GB123456789,
       payment_terms_days: 30, credit_notes: true}
people:
  - {slack_id: U0PARTNER, name: Ada Partner, role: partner, timezone: UTC, rate: 400}
  - {slack_id: U0MEMBER, name: Max Member, role: member, timezone: UTC, rate: 150}
clients:
  - name: Acme Corp
    billing_channel: C0BILLING
    projects:
      - {name: Website, code: WEB, billing: hourly, rate: 250, tasks: [{name: Design, rate: 300}, {name: Build}]}
  - name: Globex
    billing_channel: C0GLOBEX
    projects:
      - {name: Support, code: RET, billing: retainer, fee: 5000, included_hours: 10, rate: 180}
      - name: Brand
        code: FIX
        billing: fixed_fee
        fee: 12000
        milestones:
          - {name: Kickoff, amount: 3000, due: 2026-11-15}
          - {name: Launch, amount: 9000, due: 2027-01-31}
"""


@pytest.fixture
def app(running_app: RunningApp) -> Iterator[RunningApp]:
    running_app.clock.set(DECEMBER)
    import_firm(running_app.db, FIRM, DECEMBER)
    yield running_app


def dumped(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def wait_until(check: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
    return found


def pdf_text(upload: Call) -> str:
    reader = pypdf.PdfReader(io.BytesIO(upload.params["body"]))
    return " ".join(page.extract_text() for page in reader.pages)


def posted_in(app: RunningApp, channel: str, count: int = 1) -> list[dict[str, Any]]:
    """Messages the bot posted in a channel (files shared, summaries), once there are ``count``."""
    return wait_until(lambda: (m := app.fake.posted(channel)) and len(m) >= count and m)


def statuses(app: RunningApp) -> list[str]:
    with session_scope(app.sessions) as s:
        return [e.value for e in s.scalars(select(TimeEntry.status).order_by(TimeEntry.id))]


def invoices(app: RunningApp) -> list[tuple[str | None, str, Decimal]]:
    with session_scope(app.sessions) as s:
        rows = s.execute(select(Invoice.number, Invoice.status, Invoice.total).order_by(Invoice.id))
        return [tuple(r) for r in rows]  # type: ignore[misc]


def click(
    app: RunningApp, user: dict[str, Any], action_id: str, value: str, channel: str = "C0BILLING"
) -> None:
    status, _ = interact(app, {
        "type": "block_actions", "user": user, "channel": {"id": channel},
        "container": {"type": "message", "message_ts": "1.1", "channel_id": channel},
        "response_url": app.fake.response_url(),
        "actions": [{"action_id": action_id, "block_id": f"invoice:{value}", "type": "button", "value": value}],
    })  # fmt: skip
    assert status == 200


def submit_void(app: RunningApp, user: dict[str, Any], modal: dict[str, Any], reason: str) -> dict[str, Any]:
    state = {"values": {"void_reason": {"void_reason_text": {"type": "plain_text_input", "value": reason}}}}
    status, answer = interact(app, {"type": "view_submission", "user": user,
                                    "view": {**modal, "id": "VVOID", "state": state}})  # fmt: skip
    assert status == 200
    return answer


def buttons(message: dict[str, Any]) -> dict[str, str]:
    return {
        e["action_id"]: e["value"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
    }


def november(app: RunningApp) -> list[int]:
    return [
        approved(app.db, "WEB", date(2026, 11, 3), "1.5", task="Design", description="Wireframes for the homepage"),
        approved(app.db, "WEB", date(2026, 11, 4), "2", task="Build", description="Templates"),
        approved(app.db, "WEB", date(2026, 11, 5), "0.7", task="Build", description="Fixed the footer"),
        approved(app.db, "WEB", date(2026, 11, 18), "3", task="Design", description="Style guide"),
    ]  # fmt: skip


def test_track_invoice_posts_the_pdf_and_a_summary_in_the_billing_channel_and_bills_the_time_once(
    app: RunningApp,
) -> None:
    november(app)
    started = time.perf_counter()
    answer = app.say("invoice Acme last month", user_id="U0PARTNER")
    assert time.perf_counter() - started < 1.0
    assert "Building the invoice for *Acme Corp*" in answer and "<#C0BILLING>" in answer
    # files_upload_v2: the upload URL, the bytes, then the file shared in the channel.
    complete = app.fake.wait_for("files.completeUploadExternal", timeout=60)[0]
    assert complete.params["channel_id"] == "C0BILLING"
    steps = [c.method for c in app.fake.calls if c.method.startswith("file")]
    assert steps == ["files.getUploadURLExternal", "file_upload", "files.completeUploadExternal"]
    upload = app.fake.calls_to("file_upload")[0]
    assert upload.params["body"][:5] == b"%PDF-"
    assert app.fake.calls_to("files.getUploadURLExternal")[0].params["filename"] == "INV-2026-0001.pdf"
    text = pdf_text(upload)
    with session_scope(app.sessions) as s:
        lines = s.execute(select(InvoiceLine.hours, InvoiceLine.rate, InvoiceLine.amount)).all()
        total = s.scalar(select(Invoice.total))
    # Design 4.5 h x 300 = 1,350.00; Build 2.7 h x 250 = 675.00: each multiplies out, and they add up.
    assert sorted((h, r, a) for h, r, a in lines) == [(Decimal("2.70"), Decimal(250), Decimal("675.00")),
                                                      (Decimal("4.50"), Decimal(300), Decimal("1350.00"))]  # fmt: skip
    assert all(h * r == a for h, r, a in lines) and total == sum(a for _h, _r, a in lines) == Decimal(
        "2025.00"
    )
    for shown in (
        "INV-2026-0001",
        "Acme Corp",
        "$1,350.00",
        "$675.00",
        "$2,025.00",
        "Wireframes for the homepage",
    ):
        assert shown in text, shown
    shared, summary = posted_in(app, "C0BILLING", 2)
    assert shared["files"][0]["name"] == "INV-2026-0001.pdf"
    assert "Invoice INV-2026-0001" in summary["text"] and "$2,025.00" in summary["text"]
    assert "Nov 1, 2026 – Nov 30, 2026" in dumped(summary["blocks"])
    assert set(buttons(summary)) == {"invoice_mark_sent", "invoice_mark_paid", "invoice_void"}
    assert statuses(app) == ["billed"] * 4

    # Again: nothing left to bill; the requester is told, nothing is posted, no number is taken.
    app.say("invoice acme last month", user_id="U0PARTNER")
    told = wait_until(lambda: [m for m in app.fake.posted("DU0PARTNER") if "Nothing to invoice" in m["text"]])
    assert "*Acme Corp*" in told[0]["text"]
    assert len(app.fake.calls_to("files.completeUploadExternal")) == 1
    assert invoices(app) == [("INV-2026-0001", "issued", Decimal("2025.00"))]


def test_a_member_can_neither_invoice_nor_void(app: RunningApp) -> None:
    november(app)
    assert "Only partners and admins can invoice" in app.say("invoice Acme last month", user_id="U0MEMBER")
    assert "Only partners and admins can invoice" in app.say("clients", user_id="U0MEMBER")
    app.say("invoice Acme last month", user_id="U0PARTNER")
    summary = posted_in(app, "C0BILLING", 2)[1]
    invoice_id = buttons(summary)["invoice_void"]
    click(app, MEMBER, "invoice_void", invoice_id)
    refusal = app.fake.wait_for("chat.postEphemeral")[0].params
    assert refusal["user"] == "U0MEMBER" and "Only partners and admins" in refusal["text"]
    assert not app.fake.calls_to("views.open")
    # A void form submitted by someone it was not opened for (forged) changes nothing either.
    click(app, PARTNER, "invoice_void", invoice_id)
    modal = app.fake.wait_for("views.open")[0].params["view"]
    answer = submit_void(app, MEMBER, modal, "not my call")
    assert "opened by someone else" in dumped(answer)
    click(app, MEMBER, "invoice_mark_paid", invoice_id)
    app.fake.wait_for("chat.postEphemeral", count=2)
    assert invoices(app)[0][1] == "issued" and statuses(app) == ["billed"] * 4


def test_void_by_a_partner_needs_a_reason_and_releases_the_time_to_bill_again(app: RunningApp) -> None:
    november(app)
    app.say("invoice Acme last month", user_id="U0PARTNER")
    summary = posted_in(app, "C0BILLING", 2)[1]
    invoice_id = buttons(summary)["invoice_void"]
    click(app, PARTNER, "invoice_void", invoice_id)
    modal = app.fake.wait_for("views.open")[0].params["view"]
    assert submit_void(app, PARTNER, modal, "  ") == {
        "response_action": "errors", "errors": {"void_reason": "Say why the invoice is voided; the reason is kept with it."}}  # fmt: skip
    answer = submit_void(app, PARTNER, modal, "Wrong client contact on the invoice")
    assert "INV-2026-0001* is void; 4 entries are back to approved" in dumped(answer)
    assert statuses(app) == ["approved"] * 4 and invoices(app)[0][:2] == ("INV-2026-0001", "void")
    redrawn = app.fake.wait_for("chat.update")[0].params
    assert "*Void*: Wrong client contact on the invoice" in dumped(redrawn["blocks"])
    assert "invoice_void" not in dumped(redrawn["blocks"])  # no buttons left on a void invoice
    # Issued (not sent): no credit note. The time bills again, under the next number.
    app.say("invoice Acme last month", user_id="U0PARTNER")
    app.fake.wait_for("files.completeUploadExternal", count=2, timeout=60)
    assert [n for n, _s, _t in invoices(app)] == ["INV-2026-0001", "INV-2026-0002"]
    assert statuses(app) == ["billed"] * 4


def test_mark_sent_and_paid_redraw_the_summary_and_voiding_a_sent_invoice_posts_a_credit_note(
    app: RunningApp,
) -> None:
    november(app)
    app.say("invoice Acme last month", user_id="U0PARTNER")
    invoice_id = buttons(posted_in(app, "C0BILLING", 2)[1])["invoice_mark_sent"]
    click(app, PARTNER, "invoice_mark_sent", invoice_id)
    sent = app.fake.wait_for("chat.update")[0].params
    assert "*Status*\\nSent" in dumped(sent["blocks"]) and set(buttons(sent)) == {"invoice_mark_paid",
                                                                                       "invoice_void"}  # fmt: skip
    click(app, PARTNER, "invoice_void", invoice_id)
    modal = app.fake.wait_for("views.open")[0].params["view"]
    assert "CN-2026-0001" in dumped(submit_void(app, PARTNER, modal, "Billed the wrong month"))
    credit = wait_until(lambda: [c for c in app.fake.calls_to("files.getUploadURLExternal")
                                 if c.params["filename"] == "CN-2026-0001.pdf"])  # fmt: skip
    assert credit
    note = posted_in(app, "C0BILLING", 4)[3]
    assert "Credit note CN-2026-0001" in note["text"] and "-$2,025.00" in note["text"]
    assert "cancels invoice INV-2026-0001" in dumped(note["blocks"]) and not buttons(note)
    assert [(n, s) for n, s, _t in invoices(app)] == [("INV-2026-0001", "void"), ("CN-2026-0001", "issued")]


def test_a_draft_comes_to_the_requester_and_is_issued_from_their_dm(app: RunningApp) -> None:
    november(app)
    answer = app.say("invoice Acme last month draft", user_id="U0PARTNER")
    assert "*draft*" in answer
    dm = posted_in(app, "DU0PARTNER", 2)
    assert dm[0]["files"][0]["name"].startswith("draft-")
    assert "DRAFT" in pdf_text(app.fake.calls_to("file_upload")[0])
    assert set(buttons(dm[1])) == {"invoice_issue", "invoice_discard"}
    assert statuses(app) == ["approved"] * 4 and invoices(app)[0][:2] == (None, "draft")
    click(app, PARTNER, "invoice_issue", buttons(dm[1])["invoice_issue"], channel="DU0PARTNER")
    shared, summary = posted_in(app, "C0BILLING", 2)
    assert shared["files"][0]["name"] == "INV-2026-0001.pdf" and "Invoice INV-2026-0001" in summary["text"]
    assert statuses(app) == ["billed"] * 4
    redrawn = wait_until(lambda: [c.params for c in app.fake.calls_to("chat.update")
                                  if c.params["channel"] == "DU0PARTNER"])  # fmt: skip
    assert "Issued as *INV-2026-0001* and posted in <#C0BILLING>" in dumped(redrawn[-1]["blocks"])


def test_a_discarded_draft_bills_nothing(app: RunningApp) -> None:
    november(app)
    app.say("invoice Acme 2026-11 draft", user_id="U0PARTNER")
    dm = posted_in(app, "DU0PARTNER", 2)
    click(app, PARTNER, "invoice_discard", buttons(dm[1])["invoice_discard"], channel="DU0PARTNER")
    redrawn = app.fake.wait_for("chat.update")[0].params
    assert "Draft invoice discarded" in redrawn["text"]
    assert invoices(app) == [] and statuses(app) == ["approved"] * 4


def test_a_retainer_month_with_overage_and_a_due_milestone_come_out_to_the_cent(app: RunningApp) -> None:
    approved(app.db, "RET", date(2026, 11, 2), "6", description="Server patching")
    approved(app.db, "RET", date(2026, 11, 9), "5.5", description="Incident review")
    approved(app.db, "RET", date(2026, 11, 20), "1", description="On-call handover")
    approved(
        app.db, "FIX", date(2026, 11, 10), "8", description="Brand workshop"
    )  # in the fee, not billed by hour
    app.say("invoice Globex november 2026", user_id="U0PARTNER")
    app.fake.wait_for("files.completeUploadExternal", timeout=60)
    text = pdf_text(app.fake.calls_to("file_upload")[0])
    with session_scope(app.sessions) as s:
        lines = [tuple(r) for r in s.execute(select(InvoiceLine.kind, InvoiceLine.hours, InvoiceLine.rate,
                                                     InvoiceLine.amount).order_by(InvoiceLine.position))]  # fmt: skip
        total = s.scalar(select(Invoice.total))
    assert sorted(lines, key=str) == sorted([
        ("milestone", None, None, Decimal("3000.00")),
        ("retainer", None, None, Decimal("5000.00")),
        ("included", Decimal("10.00"), None, Decimal("0.00")),
        ("overage", Decimal("2.50"), Decimal("180.00"), Decimal("450.00")),
    ], key=str)  # fmt: skip
    assert total == Decimal("8450.00")
    for shown in ("$3,000.00", "$5,000.00", "$450.00", "$8,450.00", "Kickoff"):
        assert shown in text, shown
    assert "Launch" not in text.split("Timesheet")[0]  # due in January: not on this invoice


def test_two_builders_racing_bill_each_entry_once_and_leave_no_gap_in_the_numbers(app: RunningApp) -> None:
    ids = november(app) + [approved(app.db, "RET", date(2026, 11, 2), "4", description="Patching")]
    other = Builder(app.db)  # a second process's builder, on the same database
    stop = threading.Event()
    thread = threading.Thread(target=other.run, args=(stop,), kwargs={"poll": 0.05}, daemon=True)
    thread.start()
    try:
        asks = [
            "invoice Acme last month",
            "invoice Acme 2026-11",
            "invoice Globex last month",
            "invoice acme nov",
        ]
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda text: app.say(text, user_id="U0PARTNER"), asks))
        assert all("Building the invoice" in a for a in answers)
        wait_until(lambda: len(app.fake.calls_to("files.completeUploadExternal")) == 2, timeout=90)
        told = wait_until(
            lambda: len([m for m in app.fake.posted("DU0PARTNER") if "Nothing" in m["text"]]) == 2
        )
        assert told
    finally:
        stop.set()
        other.wake()
        thread.join(10)
        other.close()
    numbers = sorted(n for n, _s, _t in invoices(app) if n)
    assert numbers == ["INV-2026-0001", "INV-2026-0002"]

    def delivered() -> bool:  # both files, both summaries and both answers, each once
        with session_scope(app.sessions) as s:
            return s.scalars(select(OutboxMessage.status)).all() == ["sent"] * 6

    wait_until(delivered)
    assert len(app.fake.calls_to("files.completeUploadExternal")) == 2
    with session_scope(app.sessions) as s:
        billed = s.scalars(select(TimeEntry.status).where(TimeEntry.id.in_(ids))).all()
    assert billed == [EntryStatus.BILLED] * 5


def test_the_invoice_grammar_says_what_is_wrong_and_the_right_form(app: RunningApp) -> None:
    assert "Which client?" in app.say("invoice last month", user_id="U0PARTNER")
    assert "`2026-13` is not a month" in app.say("invoice Acme 2026-13", user_id="U0PARTNER")
    assert "ends before it starts" in app.say("invoice Acme 2026-11-30..2026-11-01", user_id="U0PARTNER")
    assert "No client is named 'Initech'; clients: Acme Corp, Globex." in app.say("invoice Initech",
                                                                                  user_id="U0PARTNER")  # fmt: skip
    assert re.search(r"`by weekly` is not a grouping", app.say("invoice Acme by weekly", user_id="U0PARTNER"))
    assert not app.fake.calls_to("files.getUploadURLExternal")
