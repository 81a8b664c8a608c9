"""Building invoices from approved time: lines that multiply out to the cent, fees and
milestones billed once, retainers with overage, entries billed once even when runs race,
and voiding that releases them (with a credit note when the firm keeps them)."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import insert, select, update

from bot.errors import Refused
from bot.services.freeze import freeze
from bot.services.invoices import lifecycle
from bot.services.invoices.build import Built, build
from storage import invoices as store
from storage.db import Database
from storage.models import Client, EntryStatus, Person, Project, Task, TimeEntry, Workspace
from tests.conftest import import_firm

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
FIRM = """
workspace: {timezone: UTC, currency: USD, billing_increment_minutes: 6}
people:
  - {slack_id: U0PARTNER, name: Ada Partner, role: partner, timezone: UTC, rate: 400}
  - {slack_id: U0MEMBER, name: Max Member, role: member, timezone: UTC, rate: 150}
clients:
  - name: Acme Corp
    billing_channel: C0BILLING
    projects:
      - {name: Website, code: WEB, billing: hourly, rate: 250,
         tasks: [{name: Design, rate: 300}, {name: Build}]}
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
def acme(db: Database) -> int:
    import_firm(db, FIRM, NOW)
    with db.transaction() as conn:
        return int(conn.scalar(select(Client.id)))


def approved(db: Database, code: str, day: date, hours: str, *, task: str | None = None,
             who: str = "U0MEMBER", description: str = "work") -> int:  # fmt: skip
    with db.transaction() as conn:
        person = conn.scalar(select(Person.id).where(Person.slack_id == who))
        project = conn.scalar(select(Project.id).where(Project.code == code))
        task_id = (
            conn.scalar(select(Task.id).where(Task.project_id == project, Task.name == task))
            if task
            else None
        )
        entry = conn.execute(
            insert(TimeEntry).values(
                person_id=person, project_id=project, task_id=task_id, date=day, description=description,
                duration_seconds=int(Decimal(hours) * 3600), billable=True, status=EntryStatus.SUBMITTED,
                created_at=NOW, updated_at=NOW,
            ).returning(TimeEntry.id)
        ).scalar_one()  # fmt: skip
        freeze(conn, [entry], status=EntryStatus.APPROVED, now=NOW)
        return int(entry)


def issue(db: Database, client: int, *, grouping: str = "task", draft: bool = False) -> Built | None:
    with db.transaction() as conn:
        return build(conn, client_id=client, start=NOVEMBER[0], end=NOVEMBER[1], grouping=grouping,
                     draft=draft, actor="U0PARTNER", now=NOW)  # fmt: skip


def lines(
    db: Database, invoice_id: int
) -> list[tuple[str, str, str, Decimal | None, Decimal | None, Decimal]]:
    with db.transaction(read_only=True) as conn:
        return [tuple(line) for line in store.lines(conn, invoice_id)]  # type: ignore[misc]


def statuses(db: Database, ids: list[int]) -> list[str]:
    with db.transaction(read_only=True) as conn:
        rows = conn.execute(select(TimeEntry.status).where(TimeEntry.id.in_(ids)).order_by(TimeEntry.id))
        return [str(getattr(s, "value", s)) for (s,) in rows]


def test_hourly_lines_group_by_task_and_rate_and_multiply_out_to_the_cent(db: Database, acme: int) -> None:
    ids = [
        approved(db, "WEB", date(2026, 11, 3), "1.5", task="Design"),
        approved(db, "WEB", date(2026, 11, 4), "0.35", task="Design"),  # 21 min, billed 0.40 h
        approved(db, "WEB", date(2026, 11, 5), "2", task="Build"),
        approved(db, "WEB", date(2026, 12, 1), "3", task="Build"),
    ]  # fmt: skip  (December: not billed)
    built = issue(db, acme)
    assert built is not None and built.number == "INV-2026-0001" and built.entries == 3
    got = lines(db, built.invoice_id)
    assert got == [  # projects by name; within one, groups in the order of their first entry
        ("milestone", "Brand", "Kickoff", None, None, Decimal("3000.0000")),
        ("retainer", "Support", "2026-11", None, None, Decimal("5000.0000")),
        ("time", "Website", "Design", Decimal("1.90"), Decimal("300.0000"), Decimal("570.0000")),
        ("time", "Website", "Build", Decimal("2.00"), Decimal("250.0000"), Decimal("500.0000")),
    ]
    by_description = {line[2]: line for line in got}
    for kind, _p, _d, hours, rate, amount in got:
        if kind == "time":
            assert (
                hours is not None and rate is not None and amount == (hours * rate).quantize(Decimal("0.01"))
            )
    assert by_description["Design"][3:] == (Decimal("1.90"), Decimal("300.0000"), Decimal("570.0000"))
    assert by_description["Build"][3:] == (Decimal("2.00"), Decimal("250.0000"), Decimal("500.0000"))
    with db.transaction(read_only=True) as conn:
        invoice = store.invoice(conn, built.invoice_id)
    assert invoice is not None
    assert invoice.total == sum(line[5] for line in got) == Decimal("9070")  # 570 + 500 + 3000 + 5000
    assert invoice.due_date == date(2027, 1, 1) and invoice.issue_date == date(2026, 12, 2)
    assert statuses(db, ids) == ["billed", "billed", "billed", "approved"]


def test_running_it_again_bills_nothing(db: Database, acme: int) -> None:
    approved(db, "WEB", date(2026, 11, 3), "1", task="Build")
    assert issue(db, acme) is not None
    assert issue(db, acme) is None  # entries billed, milestone and retainer month billed
    with db.transaction(read_only=True) as conn:
        assert store.take_number(conn, "invoice", 2026) == 2  # the second run took no number


def test_a_retainer_month_bills_its_fee_included_hours_unpriced_and_overage_at_the_rates(
    db: Database, acme: int
) -> None:
    approved(db, "RET", date(2026, 11, 2), "6")
    approved(db, "RET", date(2026, 11, 9), "5.5")  # 1.5 h past the 10 included
    approved(db, "RET", date(2026, 11, 10), "1", who="U0PARTNER")  # all overage, the partner
    built = issue(db, acme)
    assert built is not None
    support = [line for line in lines(db, built.invoice_id) if line[1] == "Support"]
    assert support == [
        ("retainer", "Support", "2026-11", None, None, Decimal("5000.0000")),
        ("included", "Support", "2026-11", Decimal("10.00"), None, Decimal("0E-4")),
        ("overage", "Support", "2026-11", Decimal("2.50"), Decimal("180.0000"), Decimal("450.0000")),
    ]


def test_a_fixed_fee_bills_due_milestones_once(db: Database, acme: int) -> None:
    first = issue(db, acme)
    assert first is not None
    assert [line[2] for line in lines(db, first.invoice_id) if line[1] == "Brand"] == ["Kickoff"]
    with db.transaction() as conn:
        january = build(conn, client_id=acme, start=date(2027, 1, 1), end=date(2027, 1, 31), grouping="task",
                        draft=False, actor="U0PARTNER", now=NOW)  # fmt: skip
    assert january is not None
    brand = [line for line in lines(db, january.invoice_id) if line[1] == "Brand"]
    assert brand == [("milestone", "Brand", "Launch", None, None, Decimal("9000.0000"))]


def test_discount_and_tax_come_from_the_client_and_the_workspace(db: Database, acme: int) -> None:
    with db.transaction() as conn:
        conn.execute(update(Workspace).values(tax_rate=Decimal("20"), tax_label="VAT"))
        conn.execute(update(Client).values(discount_percent=Decimal("5"), payment_terms_days=14))
        conn.execute(update(Project).where(Project.code.in_(["RET", "FIX"])).values(billing_type="hourly"))
    approved(db, "WEB", date(2026, 11, 3), "3.3", task="Build")  # 825.00
    built = issue(db, acme)
    assert built is not None
    with db.transaction(read_only=True) as conn:
        invoice = store.invoice(conn, built.invoice_id)
    assert invoice is not None
    assert (invoice.subtotal, invoice.discount, invoice.tax, invoice.total) == (
        Decimal("825"), Decimal("41.25"), Decimal("156.75"), Decimal("940.5"))  # fmt: skip
    assert invoice.tax_label == "VAT" and invoice.due_date == date(2026, 12, 16)


def test_a_draft_has_no_number_and_bills_nothing(db: Database, acme: int) -> None:
    entry = approved(db, "WEB", date(2026, 11, 3), "1", task="Build")
    draft = issue(db, acme, draft=True)
    assert draft is not None and draft.number is None
    assert statuses(db, [entry]) == ["approved"]
    real = issue(db, acme)
    assert real is not None and real.number == "INV-2026-0001"
    with db.transaction() as conn:
        lifecycle.discard(conn, draft.invoice_id, actor="U0PARTNER", now=NOW)
        assert store.invoice(conn, draft.invoice_id) is None


def test_void_by_a_member_changes_nothing_and_by_a_partner_releases_the_entries(
    db: Database, acme: int
) -> None:
    entry = approved(db, "WEB", date(2026, 11, 3), "1", task="Build")
    built = issue(db, acme)
    assert built is not None
    with pytest.raises(Refused) as refused, db.transaction() as conn:
        lifecycle.void(conn, built.invoice_id, actor="U0MEMBER", reason="wrong rate", now=NOW)
    assert refused.value.reason == "invoices_for_partners"
    assert statuses(db, [entry]) == ["billed"]
    with pytest.raises(Refused) as refused, db.transaction() as conn:
        lifecycle.void(conn, built.invoice_id, actor="U0PARTNER", reason="  ", now=NOW)
    assert refused.value.reason == "void_reason_needed"
    with db.transaction() as conn:
        voided = lifecycle.void(conn, built.invoice_id, actor="U0PARTNER", reason="wrong rate", now=NOW)
    assert voided.released == 1 and voided.credit_note is None
    assert voided.invoice.number == "INV-2026-0001" and voided.invoice.status == "void"
    assert statuses(db, [entry]) == ["approved"]
    again = issue(db, acme)  # released entries, milestone and month bill again, under a new number
    assert again is not None and again.number == "INV-2026-0002" and again.entries == 1


def test_voiding_a_sent_invoice_issues_a_credit_note_when_the_firm_keeps_them(
    db: Database, acme: int
) -> None:
    with db.transaction() as conn:
        conn.execute(update(Workspace).values(credit_notes=True))
    built = issue(db, acme)
    assert built is not None
    with db.transaction() as conn:
        lifecycle.mark_sent(conn, built.invoice_id, actor="U0PARTNER", now=NOW)
        voided = lifecycle.void(conn, built.invoice_id, actor="U0PARTNER", reason="client cancelled", now=NOW)
    assert voided.credit_note == "CN-2026-0001" and voided.credit_note_id is not None
    with db.transaction(read_only=True) as conn:
        note = store.invoice(conn, voided.credit_note_id)
    assert note is not None and note.credit_for_id == built.invoice_id and note.total == -built.total
    assert sum(line[5] for line in lines(db, voided.credit_note_id)) == -built.total


def test_two_racing_runs_bill_each_entry_once_and_leave_no_gap(db: Database, acme: int) -> None:
    ids = [approved(db, "WEB", date(2026, 11, day), "1", task="Build") for day in range(2, 22)]
    results: list[Built | None | Exception] = []
    barrier = threading.Barrier(4)

    def run() -> None:
        barrier.wait()
        for _ in range(3):  # a lost race is retried from the start, as the builder does
            try:
                results.append(issue(db, acme))
                return
            except store.AlreadyBilled:
                continue

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    issued = [r for r in results if isinstance(r, Built)]
    assert len(results) == 4 and len(issued) == 1 and issued[0].number == "INV-2026-0001"
    assert issued[0].entries == len(ids)
    assert statuses(db, ids) == ["billed"] * len(ids)
    with db.transaction(read_only=True) as conn:
        assert store.take_number(conn, "invoice", 2026) == 2


def test_the_firm_section_and_client_billing_fields_reach_the_document(db: Database, acme: int) -> None:
    import_firm(db, """
firm: {name: Hale & Partners LLP, address: "1 Main St\\nSpringfield", tax_id: US-12-345, tax_rate: 8.25,
       tax_label: Sales tax, payment_terms_days: 15, payment_instructions: "ACH 123456", paper: Letter}
clients:
  - {name: Acme Corp, address: "9 Elm Rd\\nShelbyville", tax_id: ACME-9, locale: de_DE, discount_percent: 10}
""", NOW)  # fmt: skip
    approved(db, "WEB", date(2026, 11, 3), "2", task="Build")
    built = issue(db, acme)
    assert built is not None
    from bot.services.invoices.read import document

    with db.transaction(read_only=True) as conn:
        doc = document(conn, built.invoice_id)
    assert (doc.firm.name, doc.firm.address, doc.firm.tax_id) == ("Hale & Partners LLP", "1 Main St\nSpringfield",
                                                                 "US-12-345")  # fmt: skip
    assert (doc.client.address, doc.client.tax_id, doc.locale, doc.paper) == ("9 Elm Rd\nShelbyville", "ACME-9",
                                                                             "de_DE", "Letter")  # fmt: skip
    assert doc.tax_label == "Sales tax" and doc.tax_rate == Decimal("8.25") and doc.discount_percent == 10
    assert doc.due_date == date(2026, 12, 17) and doc.payment_instructions == "ACH 123456"
    assert doc.total == sum(line.amount for line in doc.lines) - doc.discount + doc.tax
    assert [(row.person, row.hours) for row in doc.timesheet] == [("Max Member", Decimal("2.00"))]


@pytest.mark.parametrize(
    ("yaml", "says"),
    [
        ("firm: {paper: A5}", "paper 'A5' must be A4 or Letter"),
        ("firm: {tax_rate: 120}", "tax_rate 120 is a percent"),
        ("firm: {credit_note_number_format: 'CN-{year}'}", "needs {seq}"),
        ("clients: [{name: Acme Corp, locale: xx_YY}]", "locale 'xx_YY' is not a locale"),
        ("clients: [{name: Acme Corp, payment_terms_days: -3}]", "payment_terms_days -3"),
        (
            "clients: [{name: B, projects: [{name: R, code: R1, billing: retainer}]}]",
            "needs its fee per month",
        ),
        ("clients: [{name: B, projects: [{name: H, code: H1, included_hours: 5}]}]", "included_hours is for"),
    ],
)
def test_bad_invoicing_settings_are_refused_saying_what_is_wrong(db: Database, acme: int, yaml: str,
                                                                 says: str) -> None:  # fmt: skip
    from bot.services.importer import ImportError_

    with pytest.raises(ImportError_) as refused:
        import_firm(db, yaml, NOW)
    assert says in str(refused.value)
