"""Time-log quality flags each kind of questionable entry and nothing else; utilization takes
holidays and days off out; realization, work in progress with its aging and profitability come
out of the firm's own figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, select

from bot.cli import main
from bot.services import partner_metrics, quality
from bot.services.freeze import freeze
from bot.services.invoices.build import build
from storage.db import Database
from storage.models import Client, EntryStatus, Person, Project, TimeEntry, TimeOff
from tests.conftest import import_firm

NOW = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
FIRM = """
workspace: {timezone: UTC, currency: USD, billing_increment_minutes: 6, country: US, min_description_length: 10}
people:
  - {slack_id: U0PARTNER, name: Ada Partner, role: partner, timezone: UTC, rate: 400}
  - {slack_id: U0MEMBER, name: Max Member, role: member, timezone: UTC, rate: 300,
     schedule: {mon: 8, tue: 8, wed: 8, thu: 8, fri: 8}}
  - {slack_id: U0OTHER, name: Olga Other, role: member, timezone: UTC, rate: 200}
clients:
  - name: Acme Corp
    projects: [{name: Website, code: WEB, rate: 250}]
  - name: Globex
    projects: [{name: Audit, code: AUD, rate: 180}]
rates:
  - {person: U0MEMBER, rate: 120, from: 2026-01-01, cost: true}
  - {person: U0OTHER, rate: 80, from: 2026-01-01, cost: true}
"""


@pytest.fixture
def firm(db: Database) -> None:
    import_firm(db, FIRM, datetime(2026, 1, 5, tzinfo=UTC))  # everyone joined before the periods asked about


def entry(db: Database, who: str, code: str, day: date, hours: str, description: str, *,
          start: str | None = None, logged: datetime | None = None, status: EntryStatus = EntryStatus.DRAFT,
          billable: bool = True) -> int:  # fmt: skip
    seconds = int(Decimal(hours) * 3600)
    started = datetime.fromisoformat(f"{day.isoformat()}T{start}:00+00:00") if start else None
    with db.transaction() as conn:
        person = conn.scalar(select(Person.id).where(Person.slack_id == who))
        project = conn.scalar(select(Project.id).where(Project.code == code))
        frozen = status in (EntryStatus.APPROVED, EntryStatus.BILLED)
        entry_id = int(conn.execute(insert(TimeEntry).values(
            person_id=person, project_id=project, date=day, description=description, duration_seconds=seconds,
            started_at=started, ended_at=started + timedelta(seconds=seconds) if started else None,
            billable=billable, status=EntryStatus.SUBMITTED if frozen else status,
            created_at=logged or datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=18),
            updated_at=NOW,
        ).returning(TimeEntry.id)).scalar_one())  # fmt: skip
        if frozen:
            freeze(conn, [entry_id], status=EntryStatus.APPROVED, now=NOW)
        return entry_id


def test_the_quality_report_flags_each_kind_of_bad_entry_and_nothing_else(db: Database, firm: None) -> None:
    nov = date(2026, 11, 2)  # a Monday
    clean = [
        entry(db, "U0MEMBER", "WEB", nov, "1.3", "Wireframes for the pricing page", start="09:00"),
        entry(db, "U0MEMBER", "WEB", nov, "2.7", "Template build and responsive QA", start="11:00"),
        entry(db, "U0OTHER", "AUD", nov + timedelta(days=1), "3.25", "Ledger review, accounts 4000-4999"),
        entry(db, "U0OTHER", "AUD", nov + timedelta(days=2), "6", "Inventory count at the warehouse",
              logged=datetime(2026, 11, 10, 9, 0, tzinfo=UTC)),  # 6 days later: not late
    ]  # fmt: skip
    bad = {
        "short": entry(db, "U0MEMBER", "WEB", nov + timedelta(days=1), "0.4", "Fix css"),
        "generic": entry(db, "U0MEMBER", "WEB", nov + timedelta(days=1), "0.6", "Misc."),
        "long": entry(db, "U0OTHER", "AUD", nov + timedelta(days=3), "11.2", "Year-end close with the CFO"),
        "late": entry(db, "U0OTHER", "AUD", nov + timedelta(days=4), "1.1", "Call about the audit letter",
                      logged=datetime(2026, 11, 15, 9, 0, tzinfo=UTC)),  # 9 days later
    }  # fmt: skip
    overlap = [entry(db, "U0MEMBER", "WEB", nov + timedelta(days=2), "2", "Design review with the client",
                     start="10:00"),
               entry(db, "U0MEMBER", "WEB", nov + timedelta(days=2), "1.5", "Copy edits on the landing page",
                     start="11:30")]  # fmt: skip
    run = [entry(db, "U0PARTNER", "WEB", nov + timedelta(days=7 + i), "4", f"Client strategy session part {i}")
           for i in range(4)]  # fmt: skip
    with db.transaction(read_only=True) as conn:
        flags = quality.check(conn, date(2026, 11, 1), date(2026, 11, 30))
    found = {f.entry.id: f.kinds for f in flags}
    expected = {bad["short"]: ["short"], bad["generic"]: ["generic"], bad["long"]: ["long"], bad["late"]: ["late"],
                overlap[0]: ["overlap"], overlap[1]: ["overlap"], **{e: ["round_run"] for e in run}}  # fmt: skip
    assert found == expected
    assert not set(clean) & set(found)


def test_utilization_takes_a_holiday_and_a_day_off_out(db: Database, firm: None) -> None:
    week = date(2026, 11, 23)  # Thanksgiving is Thursday the 26th (US)
    with db.transaction() as conn:
        person = conn.scalar(select(Person.id).where(Person.slack_id == "U0MEMBER"))
        conn.execute(insert(TimeOff).values(person_id=person, date=week + timedelta(days=4), seconds=None,
                                            reason="Day off", created_at=NOW))  # fmt: skip
    for i, hours in enumerate(["8", "7", "3"]):  # Mon, Tue, Wed
        entry(db, "U0MEMBER", "WEB", week + timedelta(days=i), hours, "Build the checkout flow")
    entry(db, "U0MEMBER", "WEB", week, "2", "Internal training session", billable=False)
    with db.transaction(read_only=True) as conn:
        found = {u.name: u for u in partner_metrics.utilization(conn, week, week + timedelta(days=6))}
    max_ = found["Max Member"]
    assert (max_.billable, max_.expected) == (18 * 3600, 24 * 3600)  # 3 working days: not Thu, not Fri
    assert max_.percent == 75


def test_realization_wip_aging_and_profitability(db: Database, firm: None) -> None:
    with db.transaction() as conn:  # Acme gets a 10 % discount on its invoices
        conn.execute(Client.__table__.update().where(Client.name == "Acme Corp").values(discount_percent=10))
    entry(
        db,
        "U0MEMBER",
        "WEB",
        date(2026, 11, 3),
        "2",
        "Wireframes for the homepage",
        status=EntryStatus.APPROVED,
    )
    entry(db, "U0MEMBER", "WEB", date(2026, 11, 4), "1", "Template build and QA", status=EntryStatus.APPROVED)
    with db.transaction() as conn:
        client = conn.scalar(select(Client.id).where(Client.name == "Acme Corp"))
        build(conn, client_id=client, start=date(2026, 11, 1), end=date(2026, 11, 30), grouping="task",
              draft=False, actor="U0PARTNER", now=NOW)  # fmt: skip
    for day, hours in ((date(2026, 11, 30), "1"), (date(2026, 10, 20), "2"), (date(2026, 9, 15), "1"),
                       (date(2026, 8, 1), "3")):  # fmt: skip
        entry(
            db, "U0OTHER", "AUD", day, hours, "Ledger review and reconciliations", status=EntryStatus.APPROVED
        )
    with db.transaction(read_only=True) as conn:
        real = {(r.client, r.project): r for r in partner_metrics.realization(conn, date(2026, 11, 1),
                                                                               date(2026, 11, 30))}  # fmt: skip
        wip = partner_metrics.work_in_progress(conn, today=date(2026, 12, 7))
        profit = {(p.client, p.project): p for p in partner_metrics.profitability(conn, date(2026, 8, 1),
                                                                                  date(2026, 11, 30))}  # fmt: skip
    # 3 h billed at 250 less 10 % = 675.00, against 3 h at Max's standard 300 = 900.00: 75 %.
    web = real[("Acme Corp", "WEB")]
    assert (web.hours, web.billed, web.standard, web.percent) == (Decimal("3.00"), Decimal("675.00"),
                                                                  Decimal("900.00"), 75)  # fmt: skip
    assert real[("Acme Corp", "")].billed == Decimal("675.00")
    # Globex's unbilled 7 h at 180, by age on Dec 7: 7 days, 48 days, 83 days, 128 days.
    [globex] = wip
    assert globex.client == "Globex" and globex.buckets == (Decimal("180.00"), Decimal("360.00"),
                                                            Decimal("180.00"), Decimal("540.00"))  # fmt: skip
    # Profit: WEB 3 h earned 750.00 (before the invoice's discount), cost 3 h x 120; AUD 7 h x 180 vs 7 x 80.
    assert (profit[("Acme Corp", "WEB")].revenue, profit[("Acme Corp", "WEB")].cost) == (Decimal("750.00"),
                                                                                         Decimal("360.00"))  # fmt: skip
    assert profit[("Globex", "")].margin == Decimal("1260.00") - Decimal("560.00")
    assert profit[("Globex", "")].percent == 56


def test_the_cli_prints_them_as_tables_or_csv(db: Database, firm: None, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    import argparse

    from bot.cli import report_partner
    from bot.config import Settings

    monkeypatch.setenv("DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    entry(db, "U0MEMBER", "WEB", date(2026, 11, 3), "0.5", "misc")
    settings = Settings.from_env()
    args = argparse.Namespace(first=date(2026, 11, 1), last=date(2026, 11, 30), format="csv", out=None,
                              metrics="utilization")  # fmt: skip
    assert report_partner.quality(settings, args) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("entry,date,person") and ",generic,misc" in out
    assert report_partner.metrics(settings, args) == 0
    assert capsys.readouterr().out.splitlines()[0] == "person,billable_hours,expected_hours,utilization"
    assert main is not None


def test_the_digests_quality_section_names_owners_with_an_edit_button_within_block_kit_limits() -> None:
    from bot.services.quality import Flag
    from bot.views.partner import quality_blocks
    from storage.quality import Logged
    from tests.unit.test_views_limits import LONG, check_message

    flags = [Flag(Logged(i, 1, "U0MEMBER", "Max", "UTC", date(2026, 11, 2), "WEB" * 30, 3600, LONG, None, None, NOW),
                  ["generic", "late", "round_run"]) for i in range(1, 31)]  # fmt: skip
    blocks = quality_blocks(flags)
    check_message({"text": "digest", "blocks": blocks})
    assert len(blocks) == 12 and "20 more" in str(blocks[-1])
    assert blocks[1]["accessory"] == {"type": "button", "text": {"type": "plain_text", "text": "Edit"},
                                      "action_id": "entry_menu:1", "value": "edit:1"}  # fmt: skip
    assert "<@U0MEMBER>" in blocks[1]["text"]["text"]
