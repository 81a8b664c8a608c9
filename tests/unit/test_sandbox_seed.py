"""The sandbox's firm and history (``punchcard try``): a few weeks written through the real
services before ``now``, on working days only, the weeks before last approved, one week
waiting for the partner, drafts this week, ACME-WEB past its 80 % alert and short of 100 %."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.sandbox import seed as sandbox
from bot.sandbox.seed import AlreadySeeded, Seeded
from bot.services import budgets, export
from bot.services.calendar import Calendar, region_of
from bot.services.clock import local_date
from storage import people as people_store
from storage.db import Database
from storage.models import (
    AuditRecord,
    ClosedPeriod,
    OutboxMessage,
    Person,
    Project,
    RunningTimer,
    Submission,
    TimeEntry,
    TimeOff,
)

MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # 05:00 in New York, 11:00 in Berlin
THURSDAY = datetime(2026, 12, 10, 15, 30, tzinfo=UTC)  # mid-week, 10:30 in New York
NOWS = [pytest.param(MONDAY, id="monday"), pytest.param(THURSDAY, id="thursday")]
ROOT = Path(__file__).resolve().parents[2]


def this_monday(now: datetime) -> date:
    today = local_date(now, "America/New_York")
    return today - timedelta(days=today.weekday())


def rows(db: Database, *columns: Any, where: Any = None) -> list[Any]:
    """Rows of an ORM query (tests inspect with the ORM: docs/ARCHITECTURE.md)."""
    statement = select(*columns)
    if where is not None:
        statement = statement.where(where)
    with Session(db.engine) as session:
        return list(session.execute(statement).all())


def entries(db: Database) -> list[Any]:
    return rows(db, TimeEntry, Person.slack_id, Person.timezone, Project.code, where=(
        (Person.id == TimeEntry.person_id) & (Project.id == TimeEntry.project_id)))  # fmt: skip


@pytest.fixture(params=NOWS)
def now(request: pytest.FixtureRequest) -> datetime:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def seeded(db: Database, now: datetime) -> Seeded:
    return sandbox.seed(db, now=now)


def test_the_firm_keeps_the_example_and_adds_every_role() -> None:
    example = yaml.safe_load((ROOT / "examples" / "firm.yaml").read_text())
    firm = yaml.safe_load(sandbox.firm_yaml())
    assert firm["workspace"].items() >= example["workspace"].items()
    assert firm["firm"] == example["firm"] and firm["work_types"] == example["work_types"]
    people = {p["slack_id"]: p for p in firm["people"]}
    for person in example["people"]:
        assert people[person["slack_id"]].items() >= person.items()
    clients = {c["name"]: c for c in firm["clients"]}
    for client in example["clients"]:
        assert clients[client["name"]] == client
    assert {p["role"] for p in people.values()} == {"partner", "member", "admin"}
    assert all(p.get("rate") and p.get("schedule") for p in people.values())
    internal = [p for c in firm["clients"] for p in c["projects"] if p.get("billing") == "non_billable"]
    assert internal, "an internal, non-billable project"


def test_each_person_logs_their_working_days_before_now_and_nothing_else(db: Database, seeded: Seeded,
                                                                         now: datetime) -> None:  # fmt: skip
    monday = this_monday(now)
    first = monday - timedelta(weeks=4)
    found = entries(db)
    assert len(found) == seeded.entries and seeded.first_day == first
    days: dict[str, dict[date, list[TimeEntry]]] = defaultdict(lambda: defaultdict(list))
    for entry, who, timezone, _code in found:
        assert first <= entry.date <= local_date(now, timezone) and entry.date.weekday() < 5
        assert entry.created_at < now and (entry.ended_at is None or entry.ended_at < now)
        days[who][entry.date].append(entry)
    with db.transaction(read_only=True) as conn:
        workspace = people_store.workspace(conn)
        people = {p.slack_id: p for p in (people_store.person(conn, sid) for sid in days) if p}
    off = {day for (day,) in rows(db, TimeOff.date)}
    assert set(days) == {"U0PARTNER", "U0MEMBER", "U0MEMBER2", "U0MEMBER3", "U0ADMIN"}
    for who, logged in days.items():
        person = people[who]
        region = region_of(person.country, person.subdivision, workspace.country, workspace.subdivision)
        calendar = Calendar(person.schedule, region, {d: None for d in off} if who == "U0MEMBER2" else {})
        assert {d for d in logged if d < monday} == set(
            calendar.working_days(first, monday - timedelta(days=1))
        )
        for day, spans in logged.items():
            hours = sum(e.duration_seconds for e in spans) / 3600
            if day < local_date(now, person.timezone):  # today's is as far as the day has gone
                low, high = (4.4, 6.6) if who == "U0ADMIN" else (4.7, 8.1)
                assert 2 <= len(spans) <= 4 and low <= hours <= high, (who, day, hours)
    assert date(2026, 11, 26) not in days["U0PARTNER"]  # Thanksgiving
    assert off and not off & set(days["U0MEMBER2"])  # Lena's day off


def test_time_is_written_through_the_services_with_real_descriptions(db: Database, seeded: Seeded) -> None:
    found = entries(db)
    created = rows(db, AuditRecord.entry_id, where=AuditRecord.action == "create")
    assert sorted(e.id for e, *_ in found) == sorted(i for (i,) in created)
    texts = [e.description for e, *_ in found if e.status != "rejected"]
    assert all(len(t.split()) >= 3 and t.lower() not in {"work", "misc", "stuff"} for t in texts)
    assert len(set(texts)) > 60
    assert {e.source for e, *_ in found} == {"timer", "manual"}
    assert any(e.work_type_id for e, *_ in found) and any(not e.work_type_id for e, *_ in found)
    internal = [e for e, _w, _tz, code in found if code == "HALE-ADMIN"]
    assert internal and not any(e.billable for e in internal)
    assert not rows(db, ClosedPeriod.month)


def test_the_weeks_before_last_are_approved_with_their_prices_frozen(db: Database, seeded: Seeded,
                                                                     now: datetime) -> None:  # fmt: skip
    last_week = this_monday(now) - timedelta(weeks=1)
    older = [(e, code) for e, _who, _tz, code in entries(db) if e.date < last_week]
    statuses = [e.status for e, _ in older]
    assert statuses.count("rejected") == seeded.sent_back == 1  # one vague entry, sent back
    assert set(statuses) == {"approved", "rejected"}
    approved = [(e, code) for e, code in older if e.status == "approved"]
    assert len(approved) == seeded.approved
    assert all(e.billed_seconds is not None and e.rate_rule for e, _ in approved)
    hourly = [e for e, code in approved if e.billable and code in ("ACME-WEB", "ACME-SUP", "INITECH-PORTAL")]
    assert hourly and all(e.rate and e.amount for e in hourly)
    submitted = rows(db, Submission.status, where=Submission.period_start < last_week)
    assert len(submitted) == 15 and {s for (s,) in submitted} == {"approved", "partial"}


def test_lenas_last_week_waits_for_the_partners_approval(db: Database, seeded: Seeded, now: datetime) -> None:
    last_week = this_monday(now) - timedelta(weeks=1)
    [(submission, who)] = rows(db, Submission, Person.slack_id, where=(Submission.status == "pending")
                               & (Person.id == Submission.person_id))  # fmt: skip
    assert (who, submission.period_start) == ("U0MEMBER2", last_week)
    [(approver,)] = rows(db, Person.slack_id, where=Person.id == submission.approver_id)
    assert approver == "U0PARTNER"
    [(status, user)] = rows(db, OutboxMessage.status, OutboxMessage.user_id,
                            where=OutboxMessage.key == f"approval-request:{submission.id}")  # fmt: skip
    assert (status, user) == ("pending", "U0PARTNER")
    week = [(e, w) for e, w, _tz, _code in entries(db) if last_week <= e.date < this_monday(now)]
    assert {e.status for e, w in week if w == "U0MEMBER2"} == {"submitted"}
    assert {e.status for e, w in week if w != "U0MEMBER2"} == {"draft"}
    assert seeded.waiting == sum(1 for _e, w in week if w == "U0MEMBER2")


def test_only_max_has_drafts_this_week_and_no_timer_runs(db: Database, seeded: Seeded, now: datetime) -> None:
    week = [(e, w) for e, w, _tz, _code in entries(db) if e.date >= this_monday(now)]
    assert week and {w for _e, w in week} == {"U0MEMBER"} and {e.status for e, _w in week} == {"draft"}
    assert rows(db, func.count(RunningTimer.id)) == [(0,)]


def test_acme_web_has_alerted_at_80_percent_and_a_days_work_would_pass_100(db: Database, seeded: Seeded,
                                                                            now: datetime) -> None:  # fmt: skip
    [(project_id,)] = rows(db, Project.id, where=Project.code == "ACME-WEB")
    with db.transaction(read_only=True) as conn:
        figures = budgets.consumption(conn, project_id, now)[0]
    assert 82 * 3600 <= figures.seconds <= 92 * 3600 and 80 <= figures.percent < 100
    assert seeded.budget_percent == figures.percent.quantize(Decimal("0.1"))
    alerts = dict(
        rows(db, OutboxMessage.key, OutboxMessage.channel, where=OutboxMessage.kind == budgets.KIND)
    )
    assert alerts[f"budget:project:{project_id}:total:80:1"] == "C0ALERTS"
    assert not [k for k in alerts if k.endswith(":100:1")]


def test_the_export_prices_every_entry(db: Database, seeded: Seeded) -> None:
    with db.transaction(read_only=True) as conn:
        found = list(export.rows(conn))
    header = export.header()
    assert len(found) == seeded.entries
    priced = 0
    for row in found:
        line = dict(zip(header, row, strict=True))
        hourly = line["project"] in ("ACME-WEB", "ACME-SUP", "INITECH-PORTAL")
        if line["billable"] == "true" and hourly:
            assert line["rate"] and line["amount"], line
            priced += 1
        else:
            assert not line["amount"], line
    assert priced > 100


def test_seeding_a_database_with_people_is_refused_and_changes_nothing(db: Database, seeded: Seeded) -> None:
    before = rows(db, func.count(TimeEntry.id))
    with pytest.raises(AlreadySeeded, match="already has people"):
        sandbox.seed(db, now=MONDAY + timedelta(days=7))
    assert rows(db, func.count(TimeEntry.id)) == before
