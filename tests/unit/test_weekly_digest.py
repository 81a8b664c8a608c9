"""The weekly digest: queued Monday 08:00 in each partner's timezone, once; last week's
pace per person against their working calendar, budgets with projections, approvals."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

from bot.services import approvals, digest, people, time_off
from bot.views import digest as views
from bot.views.blocks import MAX_MESSAGE_BLOCKS, MAX_SECTION_TEXT
from storage.db import Database
from tests.conftest import import_firm
from tests.unit.test_missing_hours import log

WEEK = "{mon: 8, tue: 8, wed: 8, thu: 8, fri: 8}"
FIRM = f"""
workspace: {{timezone: America/New_York, currency: USD, country: US}}
people:
  - {{slack_id: U0PARTNER, name: Ada Partner, role: partner, timezone: America/New_York, schedule: {WEEK}}}
  - {{slack_id: U0TOKYO, name: Toshi Admin, role: admin, timezone: Asia/Tokyo, schedule: {WEEK}}}
  - {{slack_id: U0FULL, name: Fay Full, timezone: America/New_York, schedule: {WEEK}}}
  - {{slack_id: U0SHORT, name: Sam Short, timezone: America/New_York, schedule: {WEEK}}}
  - {{slack_id: U0OFF, name: Otto Off, timezone: America/New_York, schedule: {WEEK}}}
clients:
  - name: Acme Corp
    projects: [{{name: Website, code: ACME-WEB, approver: U0PARTNER, budget_hours: 100}}]
"""
IMPORTED = datetime(2026, 10, 1, tzinfo=UTC)
MONDAY_0800_NY = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)  # Nov 30, 08:00 EST
LAST_WEEK = [date(2026, 11, 23) + timedelta(days=i) for i in range(5)]  # Thursday the 26th: Thanksgiving


def firm(db: Database) -> None:
    import_firm(db, FIRM, IMPORTED)
    for day in LAST_WEEK:
        if day != date(2026, 11, 26):
            log(db, "U0FULL", day, 8, now=MONDAY_0800_NY)
            log(db, "U0PARTNER", day, 8, now=MONDAY_0800_NY)
            log(db, "U0TOKYO", day, 8, now=MONDAY_0800_NY)
    log(db, "U0SHORT", LAST_WEEK[0], 6, now=MONDAY_0800_NY)
    with db.transaction() as conn:
        otto = people.get_or_register(conn, "U0OFF", now=MONDAY_0800_NY)
        time_off.take(conn, otto, LAST_WEEK[0], LAST_WEEK[-1], seconds=None, reason="", now=MONDAY_0800_NY)
        sam = people.get_or_register(conn, "U0SHORT", now=MONDAY_0800_NY)
        approvals.submit(
            conn, sam, first=LAST_WEEK[0], last=LAST_WEEK[-1] + timedelta(days=2), now=MONDAY_0800_NY
        )


def test_digest_is_queued_monday_0800_in_each_readers_timezone_once(db: Database) -> None:
    firm(db)
    # Tokyo's Monday 08:00 comes on Sunday evening UTC (Nov 29, 23:00).
    with db.transaction() as conn:
        assert digest.queue(conn, now=datetime(2026, 11, 29, 22, 45, tzinfo=UTC)) == []
        assert digest.queue(conn, now=datetime(2026, 11, 29, 23, 0, tzinfo=UTC)) == [
            "weekly-digest:U0TOKYO:2026-11-30"
        ]
    with db.transaction() as conn:
        assert digest.queue(conn, now=MONDAY_0800_NY - timedelta(minutes=15)) == []  # 07:45 in New York
        assert digest.queue(conn, now=MONDAY_0800_NY) == ["weekly-digest:U0PARTNER:2026-11-30"]
        assert digest.queue(conn, now=MONDAY_0800_NY + timedelta(minutes=15)) == []


def test_pace_counts_each_persons_calendar_holidays_and_days_off(db: Database) -> None:
    firm(db)
    with db.transaction(read_only=True) as conn:
        found = digest.build(conn, {"reader": "U0PARTNER", "monday": "2026-11-30"}, now=MONDAY_0800_NY)
    pace = {p.slack_id: (p.expected // 3600, p.logged // 3600) for p in found.pace}
    # Thanksgiving takes 8 h off every US week; Otto was off all week and is not listed.
    assert pace == {"U0SHORT": (32, 6), "U0FULL": (32, 32), "U0PARTNER": (32, 32), "U0TOKYO": (32, 32)}
    assert [p.slack_id for p in found.short] == ["U0SHORT"]
    assert (found.waiting, len(found.waiting_for_reader)) == (1, 1)
    [budget] = found.budgets
    assert budget.project_code == "ACME-WEB" and budget.seconds == (6 + 3 * 8 * 4) * 3600


def test_the_digest_view_stays_within_block_kit_limits_with_many_people_short() -> None:
    many = [digest.Pace(f"U{i:08d}", f"Person {i}", 40 * 3600, i * 60) for i in range(500)]
    d = digest.Digest("U0PARTNER", date(2026, 11, 23), date(2026, 11, 29), many, [], 3, [], 1800)
    message = views.digest(d)
    assert len(message["blocks"]) <= MAX_MESSAGE_BLOCKS
    assert all(len(b.get("text", {}).get("text", "")) <= MAX_SECTION_TEXT for b in message["blocks"])
    text = json.dumps(message)
    assert "500 of 500 people short" in text and "400 more people short" in text
