"""Whom the missing-hours job nudges, about which day, and how often: schedules, public
holidays, time off, reminder settings, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.services import entries, missing_hours, people, time_off
from bot.services.calendar import Calendar, Region
from storage import outbox
from storage import time_off as time_off_store
from storage.db import Database
from tests.conftest import import_firm

WEEK = "{mon: 8, tue: 8, wed: 8, thu: 8, fri: 8}"
FIRM = f"""
workspace: {{timezone: America/New_York, currency: USD, country: US, subdivision: NY}}
people:
  - {{slack_id: U0SHORT, name: Sam Short, timezone: America/New_York, schedule: {WEEK}}}
  - {{slack_id: U0FULL, name: Fay Full, timezone: America/New_York, schedule: {WEEK}}}
  - {{slack_id: U0TUEFRI, name: Tess Tuefri, timezone: America/New_York, schedule: {{tue: 8, wed: 8, thu: 8, fri: 8}}}}
  - {{slack_id: U0OFF, name: Otto Off, timezone: America/New_York, schedule: {WEEK}}}
  - {{slack_id: U0OPTOUT, name: Olga Optout, timezone: America/New_York, schedule: {WEEK}}}
  - {{slack_id: U0BRIT, name: Bea Brit, timezone: Europe/London, country: GB, schedule: {WEEK}}}
clients:
  - name: Acme Corp
    projects: [{{name: Website, code: ACME-WEB}}]
time_off:
  - {{person: U0OFF, date: 2026-11-30, reason: Dentist day}}
"""
IMPORTED = datetime(2026, 11, 1, 12, tzinfo=UTC)
TUESDAY_0930_NY = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)  # Tue Dec 1, 09:30 in New York (EST)


def log(db: Database, slack_id: str, day: date, hours: float, *, now: datetime = TUESDAY_0930_NY) -> None:
    with db.transaction() as conn:
        person = people.get_or_register(conn, slack_id, now=now)
        project = conn.exec_driver_sql("SELECT id FROM projects WHERE code = 'ACME-WEB'").scalar_one()
        draft = entries.Draft(project_id=project, day=day, seconds=int(hours * 3600), description="work")
        entries.create(conn, person, draft, now=now)


def nudged(db: Database, now: datetime) -> dict[str, list[date]]:
    with db.transaction(read_only=True) as conn:
        return {n.slack_id: [d.day for d in n.days] for n in missing_hours.due(conn, now=now)}


@pytest.fixture
def week(db: Database) -> Database:
    """Everyone logs full weeks from Nov 16 to Friday Nov 27; Monday Nov 30 varies."""
    import_firm(db, FIRM, IMPORTED)
    for who in ("U0SHORT", "U0FULL", "U0TUEFRI", "U0OFF", "U0OPTOUT", "U0BRIT"):
        for offset in range(12):
            if (day := date(2026, 11, 16) + timedelta(days=offset)).weekday() < 5:
                log(db, who, day, 8)
    log(db, "U0SHORT", date(2026, 11, 30), 3)
    log(db, "U0FULL", date(2026, 11, 30), 7.75)  # within the half-hour tolerance
    log(db, "U0BRIT", date(2026, 11, 30), 2)
    with db.transaction() as conn:
        olga = people.get_or_register(conn, "U0OPTOUT", now=IMPORTED)
        people.set_reminders(conn, olga, on=False, minutes=None, now=IMPORTED)
    return db


def test_tuesday_nudges_exactly_those_short_on_their_previous_working_day(week: Database) -> None:
    # Tess works Tuesday to Friday: her previous working day is Friday, which is full.
    # Otto was off on Monday: his is Friday too. Olga opted out. Fay is within tolerance.
    assert nudged(week, TUESDAY_0930_NY) == {"U0SHORT": [date(2026, 11, 30)], "U0BRIT": [date(2026, 11, 30)]}


def test_a_schedule_without_monday_is_asked_about_friday(week: Database) -> None:
    with week.transaction() as conn:
        conn.exec_driver_sql(
            "DELETE FROM time_entries WHERE date = '2026-11-27' AND person_id = "
            "(SELECT id FROM people WHERE slack_id = 'U0TUEFRI')"
        )
    found = nudged(week, TUESDAY_0930_NY)
    assert found["U0TUEFRI"] == [date(2026, 11, 27)]


def test_nobody_is_nudged_before_their_reminder_time_or_on_a_day_off(week: Database) -> None:
    assert nudged(week, TUESDAY_0930_NY - timedelta(minutes=1)) == {"U0BRIT": [date(2026, 11, 30)]}
    saturday = datetime(2026, 12, 5, 15, tzinfo=UTC)
    assert nudged(week, saturday) == {}


def test_reminders_at_another_time_move_the_nudge(week: Database) -> None:
    with week.transaction() as conn:
        sam = people.get_or_register(conn, "U0SHORT", now=IMPORTED)
        people.set_reminders(conn, sam, on=None, minutes=17 * 60 + 30, now=IMPORTED)
    assert "U0SHORT" not in nudged(week, TUESDAY_0930_NY + timedelta(hours=7))
    assert "U0SHORT" in nudged(week, TUESDAY_0930_NY + timedelta(hours=8))


def test_after_a_monday_public_holiday_the_firm_is_asked_about_friday(db: Database) -> None:
    import_firm(db, FIRM, datetime(2026, 8, 1, tzinfo=UTC))
    log(db, "U0SHORT", date(2026, 9, 4), 2, now=datetime(2026, 9, 8, 14, tzinfo=UTC))  # Friday
    log(db, "U0BRIT", date(2026, 9, 4), 8, now=datetime(2026, 9, 8, 14, tzinfo=UTC))
    # Tuesday Sep 8, 2026, 09:30 in New York (EDT): Monday was Labor Day in the US, not in Britain.
    found = nudged(db, datetime(2026, 9, 8, 13, 30, tzinfo=UTC))
    assert found["U0SHORT"][0] == date(2026, 9, 4)
    assert found["U0BRIT"][0] == date(2026, 9, 7)
    assert found["U0FULL"][0] == date(2026, 9, 4)


def test_a_partial_day_off_lowers_what_the_day_expects(week: Database) -> None:
    with week.transaction() as conn:
        sam = people.get_or_register(conn, "U0SHORT", now=TUESDAY_0930_NY)
        time_off.take(conn, sam, date(2026, 11, 30), date(2026, 11, 30), seconds=5 * 3600, reason="",
                      now=TUESDAY_0930_NY)  # fmt: skip
    assert "U0SHORT" not in nudged(week, TUESDAY_0930_NY)  # 3 h logged of the 3 h expected


def test_earlier_short_days_of_the_last_two_weeks_are_listed_up_to_four(db: Database) -> None:
    import_firm(db, FIRM, datetime(2026, 11, 1, tzinfo=UTC))
    log(db, "U0FULL", date(2026, 11, 24), 8)
    with db.transaction(read_only=True) as conn:
        [fay] = [n for n in missing_hours.due(conn, now=TUESDAY_0930_NY) if n.slack_id == "U0FULL"]
    # Monday Nov 30 first, then the four most recent earlier short days (Thanksgiving skipped).
    assert [d.day for d in fay.days] == [date(2026, 11, 30), date(2026, 11, 27), date(2026, 11, 25),
                                         date(2026, 11, 23), date(2026, 11, 20)]  # fmt: skip
    assert fay.days[0].expected == 8 * 3600 and fay.days[0].logged == 0


def test_the_job_queues_one_nudge_per_person_per_day(week: Database) -> None:
    with week.transaction() as conn:
        first = missing_hours.queue(conn, now=TUESDAY_0930_NY)
    with week.transaction() as conn:
        again = missing_hours.queue(conn, now=TUESDAY_0930_NY + timedelta(minutes=5))
    assert sorted(first) == ["missing-hours:U0BRIT:2026-12-01", "missing-hours:U0SHORT:2026-12-01"]
    assert again == []
    with week.transaction(read_only=True) as conn:
        row = outbox.by_key(conn, "missing-hours:U0SHORT:2026-12-01")
        assert row is not None and row.user_id == "U0SHORT" and row.payload["days"] == ["2026-11-30"]


def test_nobody_is_asked_about_days_before_they_joined(db: Database) -> None:
    import_firm(db, FIRM, datetime(2026, 11, 30, 20, tzinfo=UTC))  # imported Monday evening
    found = nudged(db, TUESDAY_0930_NY)
    assert all(days == [date(2026, 11, 30)] for days in found.values())


def test_state_shows_days_filled_since_the_nudge(week: Database) -> None:
    with week.transaction() as conn:
        missing_hours.queue(conn, now=TUESDAY_0930_NY)
    log(week, "U0SHORT", date(2026, 11, 30), 5)
    with week.transaction(read_only=True) as conn:
        row = outbox.by_key(conn, "missing-hours:U0SHORT:2026-12-01")
        assert row is not None
        state = missing_hours.state(conn, row.payload)
    assert state is not None and state.short == [] and state.days[0].logged == 8 * 3600


def test_time_off_is_recorded_per_day_and_replaced_when_given_again(db: Database) -> None:
    import_firm(db, FIRM, IMPORTED)
    with db.transaction() as conn:
        sam = people.get_or_register(conn, "U0SHORT", now=TUESDAY_0930_NY)
        taken = time_off.take(conn, sam, date(2026, 12, 24), date(2026, 12, 28), seconds=None, reason="Holidays",
                              now=TUESDAY_0930_NY)  # fmt: skip
        time_off.take(conn, sam, date(2026, 12, 28), date(2026, 12, 28), seconds=4 * 3600, reason="Half day",
                      now=TUESDAY_0930_NY)  # fmt: skip
        days = time_off_store.of_person(conn, sam.id, date(2026, 12, 1), date(2026, 12, 31))
    assert taken.working_days == [date(2026, 12, 24), date(2026, 12, 28)]  # Christmas is a holiday
    assert [name for _, name in taken.holidays] == ["Christmas Day"]
    assert sorted(days) == [date(2026, 12, d) for d in (24, 25, 26, 27, 28)]
    assert (days[date(2026, 12, 28)].seconds, days[date(2026, 12, 28)].reason) == (4 * 3600, "Half day")


def test_the_calendar_uses_a_persons_own_country_over_the_workspaces() -> None:
    july_fourth = date(2026, 7, 3)  # observed on Friday in 2026
    assert Calendar({}, Region("US")).expected(july_fourth) == 0
    assert Calendar({}, Region("DE", "BY")).expected(july_fourth) == 8 * 3600
    assert Calendar({}, Region("DE", "BY")).expected(date(2026, 1, 6)) == 0  # Epiphany in Bavaria
    assert Calendar({}, Region("DE", "BE")).expected(date(2026, 1, 6)) == 8 * 3600
