"""Reports (``bot.services.report``): every grouping's figures are the export's, summed (same
pricer: frozen prices for approved and billed entries, live ones for the rest), on both
databases; members see their own time only and no value; partners and admins everyone's."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import insert, select, text

from bot.errors import UserError
from bot.services import export, report
from bot.services.freeze import freeze
from bot.services.importer import import_yaml
from bot.services.report import figures
from storage import report as store
from storage.db import Database
from storage.entries import set_billed
from storage.models import EntryStatus, Person, Project, Task, TimeEntry, WorkType

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
FIRST, LAST = date(2026, 10, 1), date(2026, 11, 30)
FIRM = """
workspace: {timezone: UTC, currency: USD, billing_increment_minutes: 6, minimum_billable_minutes: 12}
people:
  - {slack_id: U0PARTNER, name: Ada Partner, role: partner, timezone: UTC, rate: 400}
  - {slack_id: U0ADMIN, name: Ann Admin, role: admin, timezone: UTC}
  - {slack_id: U0MEMBER, name: Max Member, role: member, timezone: UTC, rate: 150.50}
  - {slack_id: U0OTHER, name: Olga Other, role: member, timezone: UTC, rate: 175}
clients:
  - name: Acme Corp
    projects:
      - {name: Website, code: WEB, billing: hourly, rate: 250, tasks: [{name: Design, rate: 156.25}, {name: Build}]}
      - {name: Support, code: SUP, billing: retainer, fee: 2000, included_hours: 10, rate: 180}
  - name: Globex GmbH
    currency: EUR
    billing_increment_minutes: 15
    rounding: nearest
    projects:
      - {name: Brand, code: BRAND, billing: fixed_fee, fee: 12000}
      - {name: Audit, code: AUDIT, billing: hourly, tasks: [{name: Fieldwork}, {name: Report}]}
  - name: Nippon KK
    currency: JPY
    billing_increment_minutes: 1
    rate: 20000
    projects:
      - {name: Tokyo Office, code: TOKYO, billing: hourly, tasks: [{name: Survey, rate: 31250}]}
  - name: Bahrain Co
    currency: BHD
    projects:
      - {name: Gulf, code: GULF, billing: hourly, rate: 95.125}
work_types: [Research, Drafting, Meeting]
"""
RATES = """
rates:
  - {person: U0OTHER, project: AUDIT, rate: 212.5, from: 2026-10-20}
  - {client: Globex GmbH, rate: 190, from: 2026-10-01}
  - {task: TOKYO/Survey, rate: 33333, from: 2026-11-10}
"""
LATER = """
  - {person: U0MEMBER, client: Acme Corp, rate: 199.50, from: 2026-11-01}
  - {project: WEB, rate: 262.5, from: 2026-11-15}
"""
GROUPINGS: list[str | None] = [None, "client", "project", "task", "person", "work-type"]


@pytest.fixture
def entries(db: Database) -> list[int]:
    """Three hundred entries of four people on five projects in three currencies over two
    months: random durations (multiples of 36 s, so measured hours are exact hundredths), some
    not billable; two in five approved with their prices frozen (a tenth of those billed),
    and then the rate book changed, so drafts and frozen entries are priced apart."""
    with db.transaction() as conn:
        import_yaml(conn, FIRM + RATES, now=NOW)
        people = list(conn.scalars(select(Person.id).order_by(Person.id)))
        projects = {code: pid for pid, code in conn.execute(select(Project.id, Project.code))}
        tasks = defaultdict(list)
        for tid, pid in conn.execute(select(Task.id, Task.project_id)):
            tasks[pid].append(tid)
        kinds = [None, *conn.scalars(select(WorkType.id))]
        rng = random.Random(15)
        rows = []
        for i in range(300):
            project = rng.choice(list(projects.values()))
            rows.append({
                "person_id": rng.choice(people), "project_id": project,
                "task_id": rng.choice([None, *tasks[project]]), "work_type_id": rng.choice(kinds),
                "date": FIRST + timedelta(days=rng.randrange((LAST - FIRST).days + 1)),
                "duration_seconds": 36 * rng.randint(1, 700), "description": f"entry {i}",
                "billable": rng.random() < 0.85, "status": EntryStatus.SUBMITTED if i % 5 < 2 else EntryStatus.DRAFT,
                "created_at": NOW, "updated_at": NOW,
            })  # fmt: skip
        ids = list(conn.execute(insert(TimeEntry).returning(TimeEntry.id), rows).scalars())
        submitted = [i for i, row in zip(ids, rows, strict=True) if row["status"] == EntryStatus.SUBMITTED]
        freeze(conn, submitted, status=EntryStatus.APPROVED, now=NOW)
        set_billed(conn, submitted[::10], billed=True, now=NOW)
        import_yaml(conn, FIRM + RATES + LATER, now=NOW)
    return ids


def exported(db: Database, person: str | None = None) -> list[dict[str, str]]:
    with db.transaction(read_only=True) as conn:
        header = export.header()
        return [
            dict(zip(header, row, strict=True))
            for row in export.rows(conn, first=FIRST, last=LAST, person=person)
        ]


def export_key(grouping: str | None, row: dict[str, str]) -> str:
    """The group an export row falls in, named as the report names it."""
    if grouping is None:
        day = date.fromisoformat(row["date"])
        return (day - timedelta(days=day.weekday())).isoformat()
    if grouping == "task":
        return f"{row['project']} › {row['task'] or report.NO_TASK}"
    if grouping == "work-type":
        return row["work_type"] or report.NO_WORK_TYPE
    return row[{"client": "client", "project": "project", "person": "person"}[grouping]]


def report_key(grouping: str | None, group: report.Group) -> str:
    return group.detail if grouping == "person" else group.label


Figures = tuple[int, Decimal, Decimal, dict[str, Decimal]]  # entries, hours, billable hours, value


def sums(rows: list[dict[str, str]], grouping: str | None) -> dict[str, Figures]:
    entries: dict[str, int] = defaultdict(int)
    hours: dict[str, Decimal] = defaultdict(Decimal)
    billable: dict[str, Decimal] = defaultdict(Decimal)
    value: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for row in rows:
        key, raw = export_key(grouping, row), Decimal(row["raw_hours"])
        entries[key] += 1
        hours[key] += raw
        billable[key] += raw if row["billable"] == "true" else 0
        if row["amount"]:
            value[key][row["currency"]] = value[key].get(row["currency"], Decimal(0)) + Decimal(row["amount"])
    return {k: (entries[k], hours[k], billable[k], dict(sorted(value[k].items()))) for k in entries}


def figures_of(found: report.Report, grouping: str | None) -> dict[str, Figures]:
    return {report_key(grouping, g): (g.figures.entries, g.figures.hours, g.figures.billable_hours, g.figures.value)
            for g in found.groups}  # fmt: skip


@pytest.mark.parametrize("grouping", GROUPINGS)
def test_every_groupings_figures_are_the_exports_summed(
    db: Database, entries: list[int], grouping: str | None
) -> None:
    rows = exported(db)
    assert len(rows) == 300 and {r["status"] for r in rows} == {"draft", "approved", "billed"}
    assert {r["currency"] for r in rows if r["amount"]} == {"USD", "EUR", "JPY", "BHD"}
    with db.transaction(read_only=True) as conn:
        found = report.build(conn, "U0PARTNER", report.Request(FIRST, LAST, grouping))
    expected = sums(rows, grouping)
    if grouping is None:  # by week, the value is the period's alone
        expected = {k: (n, h, b, {}) for k, (n, h, b, _v) in expected.items()}
    assert figures_of(found, grouping) == expected
    total = sums(rows, "client")
    assert found.total.entries == 300
    assert found.total.hours == sum(v[1] for v in total.values())
    value: dict[str, Decimal] = defaultdict(Decimal)
    for v in total.values():
        for currency, amount in v[3].items():
            value[currency] += amount
    assert found.total.value == dict(sorted(value.items()))
    assert found.everyone and found.show_value
    if grouping is not None:  # most hours first
        assert [g.figures.seconds for g in found.groups] == sorted(
            (g.figures.seconds for g in found.groups), reverse=True
        )


def test_frozen_and_live_prices_differ_and_both_are_the_pricers(db: Database, entries: list[int]) -> None:
    """The rate book changed after approval: drafts moved, approved entries did not."""
    rows = exported(db)
    web = [r for r in rows if r["project"] == "WEB" and r["task"] == "" and r["billable"] == "true"]
    assert {r["rate"] for r in web if r["status"] == "draft" and r["date"] >= "2026-11-15"} == {"262.50"}
    assert "262.50" not in {r["rate"] for r in web if r["status"] != "draft"}


def test_a_member_sees_only_their_own_time_and_no_value(db: Database, entries: list[int]) -> None:
    mine = exported(db, person="U0MEMBER")
    with db.transaction(read_only=True) as conn:
        found = report.build(conn, "U0MEMBER", report.Request(FIRST, LAST, "project"))
    assert not found.everyone and not found.show_value
    assert found.total.entries == len(mine) < 300
    assert {k: v[:3] for k, v in figures_of(found, "project").items()} == {
        k: v[:3] for k, v in sums(mine, "project").items()
    }
    assert found.total.value == {} and all(g.figures.value == {} for g in found.groups)
    with db.transaction(read_only=True) as conn:  # a button's request naming someone else changes nothing
        other = report.build(conn, "U0MEMBER", report.Request(FIRST, LAST, "person", person="U0OTHER"))
    assert [g.detail for g in other.groups] == ["U0MEMBER"]


@pytest.mark.parametrize("reader", ["U0PARTNER", "U0ADMIN"])
def test_partners_and_admins_see_everyones_time_with_its_value(
    db: Database, entries: list[int], reader: str
) -> None:
    with db.transaction(read_only=True) as conn:
        found = report.build(conn, reader, report.Request(FIRST, LAST, "person"))
    assert found.everyone and found.show_value and len(found.groups) == 4 and found.total.value


def test_filters_by_client_project_and_person(db: Database, entries: list[int]) -> None:
    rows = exported(db)
    with db.transaction(read_only=True) as conn:
        acme = report.resolve(conn, FIRST, LAST, "project", client="acme")
        by_client = report.build(conn, "U0PARTNER", acme)
        audit = report.resolve(conn, FIRST, LAST, "task", project="audit")
        by_project = report.build(conn, "U0PARTNER", audit)
        olga = report.resolve(conn, FIRST, LAST, "client", person="U0OTHER")
        by_person = report.gather(conn, olga, show_value=True)
    assert by_client.client == "Acme Corp"
    assert figures_of(by_client, "project") == sums(
        [r for r in rows if r["client"] == "Acme Corp"], "project"
    )
    assert by_project.project == "AUDIT"
    assert figures_of(by_project, "task") == sums([r for r in rows if r["project"] == "AUDIT"], "task")
    assert by_person.person == "Olga Other"
    assert figures_of(by_person, "client") == sums([r for r in rows if r["person"] == "U0OTHER"], "client")


def test_names_that_match_nothing_are_refused_in_words(db: Database, entries: list[int]) -> None:
    with db.transaction(read_only=True) as conn:
        with pytest.raises(UserError, match="No client is named 'Initech'"):
            report.resolve(conn, FIRST, LAST, None, client="Initech")
        with pytest.raises(UserError, match="U0NOBODY"):
            report.resolve(conn, FIRST, LAST, None, person="U0NOBODY")
        with pytest.raises(UserError, match="before it starts"):
            report.resolve(conn, LAST, FIRST, None)


def test_reading_the_table_through_and_through_an_index_agree(db: Database, entries: list[int]) -> None:
    with db.transaction(read_only=True) as conn:
        for grouping in GROUPINGS:
            scan = figures.tally(conn, grouping, store.Scope(FIRST, LAST, scan=True), value=True)
            index = figures.tally(conn, grouping, store.Scope(FIRST, LAST, scan=False), value=True)
            assert scan == index


def test_residues_say_after_how_many_hundredths_rates_round_alike(db: Database, entries: list[int]) -> None:
    with db.transaction(read_only=True) as conn:
        found = figures.residues(conn, {1, 100, 1000})
    # In cents, 156.25 an hour is 1.5625 cents a hundredth: its rounding repeats every 4
    # hundredths; 150.50 and 199.50 every 2; 95.125 every 8. In yen 150.50 repeats only every
    # 200 (past MAX_RESIDUES: the hundredths themselves); in fils 95.125 every 4.
    assert found == {100: 8, 1: figures.EVERY, 1000: 4}


def test_an_empty_period_is_an_empty_report(db: Database, entries: list[int]) -> None:
    with db.transaction(read_only=True) as conn:
        found = report.build(conn, "U0PARTNER", report.Request(date(2025, 1, 1), date(2025, 1, 31), "client"))
    assert found.groups == [] and found.total.entries == 0 and found.total.value == {}


def test_weeks_cover_the_period_monday_first(db: Database, entries: list[int]) -> None:
    with db.transaction(read_only=True) as conn:
        found = report.build(conn, "U0PARTNER", report.Request(FIRST, LAST, None))
    spans = report.weeks(found)
    assert spans[0][0] == date(2026, 9, 28) and spans[-1][0] == date(2026, 11, 30)
    assert all(b[0] - a[0] == timedelta(days=7) for a, b in zip(spans, spans[1:], strict=False))
    assert sum(f.seconds for _, f in spans if f) == found.total.seconds


def test_live_entries_are_read_through_their_partial_index(db: Database, entries: list[int]) -> None:
    """The live statement names the index's own predicate, so both planners can use it (the
    bench's million entries: a tenth of the time of reading them all)."""
    with db.transaction(read_only=True) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL enable_seqscan = off"))  # a few hundred rows: force the choice
        stmt = select(TimeEntry.project_id).where(
            store._LIVE, TimeEntry.date >= FIRST, TimeEntry.date <= LAST
        )
        compiled = stmt.compile(conn, compile_kwargs={"literal_binds": True})
        prefix = "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN "
        plan = " ".join(str(row) for row in conn.execute(text(prefix + str(compiled))))
    assert "ix_time_entries_live" in plan
