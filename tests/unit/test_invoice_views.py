"""Invoices' Slack views stay within Block Kit limits in every state, with long names and huge
figures, and ``/track clients`` pages through hundreds of clients."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from bot.services.invoices.lifecycle import Voided
from bot.services.invoices.overview import PAGE, ClientLine, ClientsPage
from bot.services.invoices.posts import Summary
from bot.services.invoices.runs import InvoiceQueued
from bot.views import clients as client_views
from bot.views import invoices as views
from storage.client_overview import LastInvoice
from storage.invoices import InvoiceRow
from tests.unit.test_views_limits import LONG, check_message, check_modal

HUGE = Decimal("987654321098.76")


def summary(status: str = "issued", **changes: object) -> Summary:
    base = Summary(
        invoice_id=7, number="INV-2026-0007", credit_note=False, credit_for=None, credited_by=None, status=status,
        client="Acme " + LONG[:400], channel="C0BILLING", first=date(2026, 11, 1), last=date(2026, 11, 30),
        issue_date=date(2026, 12, 2), due_date=date(2027, 1, 1), hours=Decimal("12345.67"), total=HUGE,
        currency="EUR", locale="de_DE", lines=120, entries=4000, requested_by="U0PARTNER", void_reason=LONG,
        sent_at=None, paid_at=datetime(2026, 12, 20, tzinfo=UTC),
    )  # fmt: skip
    return replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize("status", ["draft", "issued", "sent", "paid", "void"])
def test_a_summary_fits_one_message_in_every_state(status: str) -> None:
    shown = summary(status, number=None if status == "draft" else "INV-2026-0007", credited_by="CN-2026-0001")
    message = views.summary(shown, file_failed=True)
    check_message(message)
    actions = [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert (
        actions
        == {
            "draft": ["invoice_issue", "invoice_discard"],
            "issued": ["invoice_mark_sent", "invoice_mark_paid", "invoice_void"],
            "sent": ["invoice_mark_paid", "invoice_void"],
            "paid": [],
            "void": [],
        }[status]
    )
    assert "987.654.321.098,76\xa0€" in message["text"]  # the client's locale


def test_a_credit_note_has_no_buttons_and_names_what_it_cancels() -> None:
    message = views.summary(
        summary(number="CN-2026-0001", credit_note=True, credit_for="INV-2026-0007", total=-HUGE)
    )
    check_message(message)
    assert "cancels invoice INV-2026-0007" in str(message["blocks"]) and "actions" not in str(
        message["blocks"]
    )


def test_a_drafts_dm_says_where_the_issued_invoice_went() -> None:
    message = views.summary(summary(), draft_post=True)
    check_message(message)
    assert "Issued as *INV-2026-0007* and posted in <#C0BILLING>" in str(message["blocks"])


def test_answers_fit_with_long_names() -> None:
    queued = InvoiceQueued(LONG, date(2026, 11, 1), date(2026, 11, 30), False, "C0BILLING")
    for message in (
        views.queued(queued),
        views.queued(replace(queued, draft=True)),
        views.queued(replace(queued, channel=None)),
        views.discarded(),
        views.nothing({"client": LONG, "first": "2026-11-01", "last": "2026-11-30", "reason": "nothing_to_invoice"}),
        views.nothing({"client": LONG, "first": "2026-11-01", "last": "2026-11-30", "reason": "invoice_unpriced",
                       "facts": {"project": LONG[:200], "count": 3}}),
    ):  # fmt: skip
        check_message(message)


def test_the_void_and_invoice_modals_fit() -> None:
    check_modal(views.void_modal(summary(), "m" * 2000))
    check_modal(client_views.invoice_modal(LONG, date(2026, 11, 1), date(2026, 11, 30), "m" * 2000))


def test_a_void_outcome_names_the_credit_note() -> None:
    row = InvoiceRow(*([None] * len(InvoiceRow._fields)))._replace(number="INV-2026-0007")
    assert "CN-2026-0001" in views.voided(Voided(row, 12, 9, "CN-2026-0001"))


def clients_page(page: int, count: int = 250) -> ClientsPage:
    lines = [
        ClientLine(i, f"Client {i} " + LONG[:300], "USD", Decimal("99999.99"), HUGE, i % 3, Decimal("1234.50"),
                   LastInvoice(i, "INV-2026-0001", date(2026, 12, 2), HUGE, "USD", "sent") if i % 2 else None)
        for i in range(count)
    ]  # fmt: skip
    pages = -(-count // PAGE)
    shown = lines[(page - 1) * PAGE : page * PAGE]
    return ClientsPage(shown, page, pages, count, "en_US", {"USD": HUGE * count, "EUR": HUGE})


@pytest.mark.parametrize("page", [1, 7, 13])
def test_clients_pages_through_hundreds_of_clients_within_limits(page: int) -> None:
    message = client_views.clients(clients_page(page))
    check_message(message)
    assert f"Page {page} of 13" in str(message["blocks"])
    nav = [e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert nav == {1: ["clients_page:next"], 7: ["clients_page:previous", "clients_page:next"],
                   13: ["clients_page:previous"]}[page]  # fmt: skip


def test_no_clients_yet_says_how_to_add_them() -> None:
    message = client_views.clients(ClientsPage([], 1, 1, 0, "en_US", {}))
    check_message(message)
    assert "punchcard import" in str(message["blocks"])


def test_the_share_modals_fit_with_many_projects_and_links() -> None:
    from bot.services import sharing
    from storage.sharing import LinkRow

    form = sharing.Form(1, LONG, [(i, f"P-{i:04d}", "Project " + LONG[:200]) for i in range(250)])
    check_modal(client_views.share_modal(form, "m" * 2000))
    made = datetime(2026, 12, 1, tzinfo=UTC)
    links = [
        LinkRow(i, f"ab{i:04d}", 1, LONG, None if i % 2 else i, f"P-{i:04d}" if i % 2 == 0 else None, i % 3 == 0,
                date(2026, 12, 31) if i % 4 else None, "U0PARTNER" if i % 5 else "cli", made,
                made if i % 7 == 0 else None, made if i % 3 else None, i)
        for i in range(120)
    ]  # fmt: skip
    view = client_views.links_modal(LONG, links, date(2026, 12, 7), "m" * 2000)
    check_modal(view)
    assert "80 older links" in str(view["blocks"][-1])
    assert "A link for" in client_views.share_made(
        "https://x/r/tok", sharing.Created("tok", links[0]), base_known=False
    )
