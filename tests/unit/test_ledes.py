"""LEDES 1998B from ``punchcard invoice --format ledes``: the file parses back (its first line,
its 24 fields, every line ending in ``[]``), one fee line per billed entry with the UTBMS
codes and the timekeeper, fixed fees as one unit, the discount as an invoice adjustment, and
line totals that add up to the invoice to the cent (rounding carried as an adjustment).
Clients not e-billed, and drafts, are refused before a number is taken."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from bot.cli import main
from bot.services.freeze import freeze
from bot.views.ledes import FIELDS
from storage import invoices as store
from storage.db import Database
from storage.models import Client, EntryStatus, Invoice, Person, Project, Task, TimeEntry, WorkType
from tests.conftest import import_firm

NOW = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
FIRM = """
workspace: {timezone: UTC, currency: EUR, billing_increment_minutes: 6, country: FR}
firm: {name: Hale Avocats, address: "12 rue de la Paix\\n75002 Paris", tax_id: FR12345678901, tax_rate: 20,
       credit_notes: true, email: billing@hale.example}
people:
  - {slack_id: U0PARTNER, name: Ada Lovelace, role: partner, timezone: UTC, rate: 400}
  - {slack_id: U0MEMBER, name: Max Müller, role: member, timezone: UTC, rate: 312.5625, timekeeper_class: AS}
work_types: [{name: Drafting, utbms: A103}, {name: Research, utbms: a102}]
clients:
  - name: Acme Corp
    ebilling: ledes
    ledes_client_id: ACME01
    einvoice: factur-x
    country: DE
    tax_id: DE123456789
    email: ap@acme.example
    address: "1 Acme Strasse\\n10115 Berlin"
    discount_percent: 5
    projects:
      - {name: Acme v. Globex, code: LIT-1, client_matter_id: CLM-77,
         tasks: [{name: Discovery, utbms: L310}, {name: Strategy, utbms: L120}]}
      - {name: Brand, code: FIX, billing: fixed_fee, fee: 1200}
  - name: Plain Co
    projects:
      - {name: Plain work, code: PLAIN, rate: 100}
"""


@pytest.fixture
def hale(db: Database) -> int:
    import_firm(db, FIRM, NOW)
    with db.transaction() as conn:
        return int(conn.scalar(select(Client.id).where(Client.name == "Acme Corp")))


@pytest.fixture
def cli(db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-test")


def entry(db: Database, code: str, day: date, hours: str, *, task: str | None = None, who: str = "U0MEMBER",
          work_type: str | None = None, description: str = "work") -> int:  # fmt: skip
    """An approved entry, its price frozen."""
    with db.transaction() as conn:
        project = conn.scalar(select(Project.id).where(Project.code == code))
        values = dict(
            person_id=conn.scalar(select(Person.id).where(Person.slack_id == who)), project_id=project,
            task_id=conn.scalar(select(Task.id).where(Task.project_id == project, Task.name == task)) if task else None,
            work_type_id=conn.scalar(select(WorkType.id).where(WorkType.name == work_type)) if work_type else None,
            date=day, description=description, duration_seconds=int(Decimal(hours) * 3600), billable=True,
            status=EntryStatus.SUBMITTED, created_at=NOW, updated_at=NOW,
        )  # fmt: skip
        new = conn.execute(insert(TimeEntry).values(**values).returning(TimeEntry.id)).scalar_one()
        freeze(conn, [new], status=EntryStatus.APPROVED, now=NOW)
        return int(new)


def november(db: Database) -> None:
    entry(db, "LIT-1", date(2026, 11, 3), "1.5", task="Strategy", who="U0PARTNER", work_type="Research",
          description="Strategy call | with [client]")  # fmt: skip
    entry(
        db, "LIT-1", date(2026, 11, 4), "0.1", task="Discovery", work_type="Drafting", description="Draft RFP"
    )
    entry(
        db,
        "LIT-1",
        date(2026, 11, 5),
        "0.1",
        task="Discovery",
        work_type="Drafting",
        description="Revise RFP",
    )
    entry(db, "LIT-1", date(2026, 11, 6), "0.1", task="Discovery", description="Übersicht\nzweite Zeile")


def invoice_cli(client: str, *args: str) -> int:
    return main(["invoice", "--client", client, "--from", "2026-11-01", "--to", "2026-11-30", *args])


def parse(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    raw = path.read_bytes()
    raw.decode("ascii")  # the file is ASCII
    lines = raw.decode("ascii").split("\r\n")
    assert lines[-1] == ""
    lines = lines[:-1]
    assert all(line.endswith("[]") for line in lines)
    header = lines[1][:-2].split("|")
    rows = [dict(zip(header, line[:-2].split("|"), strict=True)) for line in lines[2:]]
    return [lines[0], *header], rows


def test_the_ledes_file_parses_back_and_adds_up_to_the_invoice_to_the_cent(
    db: Database, hale: int, cli: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    november(db)
    assert invoice_cli("Acme", "--format", "ledes", "--out", str(tmp_path)) == 0
    said = capsys.readouterr().out
    assert "INV-2026-0001.txt" in said and "LEDES 1998B carries no tax" in said
    (first, *header), rows = parse(tmp_path / "INV-2026-0001.txt")
    assert first == "LEDES1998B[]" and tuple(header) == FIELDS and len(FIELDS) == 24
    with db.transaction(read_only=True) as conn:
        invoice = store.invoice(conn, conn.scalar(select(Invoice.id)))
        assert invoice is not None
        lines = store.lines(conn, invoice.id)
    total = invoice.subtotal - invoice.discount  # LEDES 1998B: before tax
    assert {r["INVOICE_TOTAL"] for r in rows} == {f"{total:.2f}"}
    assert sum(Decimal(r["LINE_ITEM_TOTAL"]) for r in rows) == total
    for r in rows:  # every line multiplies out, to the cent: units x unit cost + adjustment = total
        product = Decimal(r["LINE_ITEM_NUMBER_OF_UNITS"]) * Decimal(r["LINE_ITEM_UNIT_COST"])
        cents = product.quantize(Decimal("0.01"), ROUND_HALF_UP)
        assert cents + Decimal(r["LINE_ITEM_ADJUSTMENT_AMOUNT"]) == Decimal(r["LINE_ITEM_TOTAL"])
        assert invoice.issue_date is not None
        assert (r["INVOICE_DATE"], r["INVOICE_NUMBER"], r["CLIENT_ID"], r["LAW_FIRM_ID"]) == (
            invoice.issue_date.strftime("%Y%m%d"), "INV-2026-0001", "ACME01", "FR12345678901")  # fmt: skip
        assert (r["BILLING_START_DATE"], r["BILLING_END_DATE"]) == ("20261101", "20261130")
    assert [r["LINE_ITEM_NUMBER"] for r in rows] == [str(n) for n in range(1, len(rows) + 1)]
    fees = [r for r in rows if r["EXP/FEE/INV_ADJ_TYPE"] == "F" and r["TIMEKEEPER_ID"]]
    assert len(fees) == 4  # one per billed entry
    # The fee lines' totals are the invoice's time lines, to the cent.
    assert sum(Decimal(r["LINE_ITEM_TOTAL"]) for r in fees) == sum(
        x.amount for x in lines if x.kind == "time"
    )
    partner = fees[0]
    assert (partner["LINE_ITEM_TASK_CODE"], partner["LINE_ITEM_ACTIVITY_CODE"], partner["TIMEKEEPER_NAME"],
            partner["TIMEKEEPER_CLASSIFICATION"], partner["LINE_ITEM_UNIT_COST"], partner["LINE_ITEM_NUMBER_OF_UNITS"],
            partner["LAW_FIRM_MATTER_ID"], partner["CLIENT_MATTER_ID"], partner["LINE_ITEM_DATE"]) == (
        "L120", "A102", "Lovelace, Ada", "PT", "400.00", "1.50", "LIT-1", "CLM-77", "20261103")  # fmt: skip
    assert partner["LINE_ITEM_DESCRIPTION"] == "Strategy call / with (client)"  # no | or [] inside a value
    members = fees[1:]
    assert {m["TIMEKEEPER_NAME"] for m in members} == {"Muller, Max"}  # ASCII
    assert {m["TIMEKEEPER_CLASSIFICATION"] for m in members} == {"AS"}
    assert (
        members[2]["LINE_ITEM_DESCRIPTION"] == "Ubersicht zweite Zeile"
        and members[2]["LINE_ITEM_ACTIVITY_CODE"] == ""
    )
    # 0.1 h at 312.5625 is 31.26 each; the invoice line prices 0.3 h once: 93.77. The last carries -0.01.
    assert [m["LINE_ITEM_TOTAL"] for m in members] == ["31.26", "31.26", "31.25"]
    assert [m["LINE_ITEM_ADJUSTMENT_AMOUNT"] for m in members] == ["0.00", "0.00", "-0.01"]
    [fixed] = [r for r in rows if r["LAW_FIRM_MATTER_ID"] == "FIX"]
    assert (fixed["EXP/FEE/INV_ADJ_TYPE"], fixed["LINE_ITEM_NUMBER_OF_UNITS"], fixed["LINE_ITEM_UNIT_COST"],
            fixed["LINE_ITEM_TOTAL"]) == ("F", "1.00", "1200.00", "1200.00")  # fmt: skip
    [discount] = [r for r in rows if r["EXP/FEE/INV_ADJ_TYPE"] == "IF"]
    assert (
        Decimal(discount["LINE_ITEM_TOTAL"])
        == Decimal(discount["LINE_ITEM_ADJUSTMENT_AMOUNT"])
        == -invoice.discount
    )


def test_a_client_not_e_billed_or_a_draft_is_refused_before_a_number_is_taken(
    db: Database, hale: int, cli: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    entry(db, "PLAIN", date(2026, 11, 3), "1")
    november(db)
    assert invoice_cli("Plain", "--format", "ledes", "--out", str(tmp_path)) == 2
    err = capsys.readouterr().err
    assert "Plain Co is not e-billed: --format ledes is for clients with ebilling: ledes" in err
    assert len(err.strip().splitlines()) == 1
    assert invoice_cli("Acme", "--format", "ledes", "--draft", "--out", str(tmp_path)) == 2
    assert "a draft has no invoice number" in capsys.readouterr().err
    with db.transaction(read_only=True) as conn:
        assert conn.scalar(select(Invoice.id)) is None  # nothing issued, no number taken
    assert list(tmp_path.iterdir()) == []
