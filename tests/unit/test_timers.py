from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.parsing import parse
from bot.services import people, track
from bot.services.people import SlackProfile, get_or_register
from bot.services.timers import Started
from bot.services.track import Stopped
from bot.views.refusals import explain
from storage import catalog
from storage.db import Database
from storage.models import EntrySource, RunningTimer, TimeEntry
from tests.conftest import Clock, database_of, import_firm, session_scope


def run(
    db: Database | sessionmaker[Session], text: str, now: datetime, user: str = "U0MEMBER"
) -> track.Result:
    if not isinstance(db, Database):
        db = database_of(db.kw["bind"])
    with db.transaction() as conn:
        person = get_or_register(conn, user, now=now)
        return track.execute(conn, person, parse(text, now.date()), now=now)


def refused(db: Database, text: str, now: datetime) -> str:
    """What the person reads when the command is refused."""
    with pytest.raises(Exception) as err:
        run(db, text, now)
    return explain(err.value)


def count(sessions: sessionmaker[Session], model: type) -> int:
    with session_scope(sessions) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_stop_saves_the_full_elapsed_time(
    firm: None, db: Database, sessions: sessionmaker[Session], clock: Clock
) -> None:
    start = clock()
    run(db, "start acme-web Design wireframes", start)
    stopped = run(db, "stop", start + timedelta(hours=1, minutes=30, seconds=5))
    assert isinstance(stopped, Stopped)
    saved = stopped.saved
    assert saved.entry.duration_seconds == 5405
    assert saved.task is not None and saved.task.name == "Design"
    assert saved.entry.description == "wireframes"
    assert saved.entry.source == EntrySource.TIMER
    assert saved.entry.started_at == start and saved.entry.ended_at == start + timedelta(seconds=5405)
    assert count(sessions, RunningTimer) == 0


def test_starting_while_running_saves_the_running_timer_first(
    firm: None, db: Database, sessions: sessionmaker[Session], clock: Clock
) -> None:
    run(db, "start ACME-WEB Design first thing", clock())
    result = run(db, "start ACME-WEB Build second thing", clock() + timedelta(minutes=20))
    assert isinstance(result, Started)
    assert result.saved is not None and result.saved.entry.duration_seconds == 1200
    assert result.task is not None and result.task.name == "Build"
    assert count(sessions, RunningTimer) == 1 and count(sessions, TimeEntry) == 1


def test_stop_without_timer_is_a_clear_error(
    firm: None, db: Database, sessions: sessionmaker[Session], clock: Clock
) -> None:
    assert "No timer is running" in refused(db, "stop", clock())


def test_timer_across_dst_change_keeps_true_elapsed_time(
    firm: None, db: Database, sessions: sessionmaker[Session]
) -> None:
    # Europe/Berlin leaves summer time at 01:00 UTC on 2026-10-25: wall clocks repeat an hour.
    start = datetime(2026, 10, 24, 22, 30, tzinfo=UTC)  # 00:30 CEST on the 25th
    run(db, "start ACME-WEB night shift", start)
    stopped = run(db, "stop", datetime(2026, 10, 25, 3, 30, tzinfo=UTC))  # 04:30 CET
    assert isinstance(stopped, Stopped)
    saved = stopped.saved
    assert saved.entry.duration_seconds == 5 * 3600
    assert saved.entry.date == date(2026, 10, 25)  # the person's local day when it started


def test_entry_date_is_the_persons_local_day(
    firm: None, db: Database, sessions: sessionmaker[Session]
) -> None:
    # 23:30 UTC on the 17th is already the 18th in Berlin.
    late = datetime(2026, 11, 17, 23, 30, tzinfo=UTC)
    run(db, "start ACME-WEB late", late)
    stopped = run(db, "stop", late + timedelta(minutes=10))
    assert isinstance(stopped, Stopped) and stopped.saved.entry.date == date(2026, 11, 18)


def test_stopped_time_is_saved_even_when_policy_fields_are_missing(
    firm: None, db: Database, sessions: sessionmaker[Session], clock: Clock
) -> None:
    run(db, "start ACME-WEB", clock())
    stopped = run(db, "stop", clock() + timedelta(minutes=6))
    assert isinstance(stopped, Stopped)
    assert [v.field for v in stopped.saved.pending] == ["description"]
    assert count(sessions, TimeEntry) == 1


def test_manual_log_enforces_the_required_field_policy(
    firm: None, db: Database, sessions: sessionmaker[Session], clock: Clock
) -> None:
    assert "ACME-WEB needs a description" in refused(db, "log 1h ACME-WEB", clock())
    assert count(sessions, TimeEntry) == 0


def test_log_records_task_work_type_and_date(
    firm: None, db: Database, sessions: sessionmaker[Session], clock: Clock
) -> None:
    result = run(db, "log 1h30m acme Build type:Drafting fixed the footer on monday", clock())
    assert isinstance(result, track.Logged)
    e = result.saved.entry
    assert (e.duration_seconds, e.description, e.date) == (5400, "fixed the footer", date(2026, 11, 16))
    assert result.saved.task is not None and result.saved.task.name == "Build"
    with db.transaction() as conn:
        assert catalog.work_type_named(conn, "drafting").id == e.work_type_id  # type: ignore[union-attr]


def test_unknown_work_type_is_refused(
    firm: None, db: Database, sessions: sessionmaker[Session], clock: Clock
) -> None:
    assert "not a work type" in refused(db, "log 1h acme type:Golf swing", clock())


def test_project_lookup_by_unique_prefix_and_name(
    firm: None, db: Database, sessions: sessionmaker[Session], clock: Clock
) -> None:
    for query in ("acme", "ACME-W", "website", '"Website Redesign"'):
        result = run(db, f"log 1h {query} something", clock())
        assert isinstance(result, track.Logged) and result.saved.project.code == "ACME-WEB"


def test_ambiguous_prefix_lists_the_candidates(
    firm: None, db: Database, sessions: sessionmaker[Session], clock: Clock
) -> None:
    import_firm(db, "clients: [{name: Acme Corp, projects: [{name: Audit, code: ACME-AUD}]}]", clock())
    answer = refused(db, "log 1h acme x", clock())
    assert "ACME-AUD" in answer and "ACME-WEB" in answer


def test_unknown_project_is_refused(
    firm: None, db: Database, sessions: sessionmaker[Session], clock: Clock
) -> None:
    assert "No active project matches `nope`" in refused(db, "start nope", clock())
    assert count(sessions, RunningTimer) == 0


def test_status_and_week_totals(
    firm: None, db: Database, sessions: sessionmaker[Session], clock: Clock
) -> None:
    run(db, "log 2h acme research", clock())
    run(db, "log 1h acme more on monday", clock())
    run(db, "start acme live", clock())
    status = run(db, "status", clock() + timedelta(minutes=30))
    assert isinstance(status, track.StatusResult)
    assert status.today_seconds == 7200 and status.running is not None
    assert status.running.elapsed_seconds == 1800
    week = run(db, "week", clock() + timedelta(minutes=30))
    assert week.total_seconds == 3 * 3600  # type: ignore[union-attr]


def test_new_person_is_registered_from_the_request_and_their_profile_read_after(
    engine: object, db: Database, clock: Clock
) -> None:
    with db.transaction() as conn:
        person = get_or_register(conn, "U0NEW", now=clock(), name_hint="newbie")
        assert (person.name, person.role.value) == ("newbie", "member") and people.needs_profile(person)
    with db.transaction() as conn:
        assert people.refresh_profile(conn, "U0NEW", SlackProfile("New Person", "Asia/Tokyo"), now=clock())
        person = get_or_register(conn, "U0NEW", now=clock())
        assert (person.name, person.timezone) == ("New Person", "Asia/Tokyo") and not people.needs_profile(
            person
        )


def test_registration_without_a_name_uses_the_workspace_timezone(
    firm: None, db: Database, clock: Clock
) -> None:
    with db.transaction() as conn:
        person = get_or_register(conn, "U0NEW", now=clock())
        assert (person.name, person.timezone) == ("U0NEW", "America/New_York")
    with db.transaction() as conn:  # Slack could not say: the person stays as registered, still to look up
        assert not people.refresh_profile(conn, "U0NEW", None, now=clock())
        assert people.needs_profile(get_or_register(conn, "U0NEW", now=clock()))


def test_an_imported_timezone_wins_over_slacks(firm: None, db: Database, clock: Clock) -> None:
    with db.transaction() as conn:
        people.refresh_profile(conn, "U0MEMBER", SlackProfile("Max M.", "Asia/Tokyo"), now=clock())
        person = get_or_register(conn, "U0MEMBER", now=clock())
    assert (person.name, person.timezone) == ("Max M.", "Europe/Berlin")


def test_a_timer_the_rules_refuse_runs_on_and_can_be_discarded(
    firm: None, db: Database, clock: Clock
) -> None:
    run(db, "start acme Build late night", clock())
    answer = refused(db, "stop", clock() + timedelta(hours=25))
    assert "has run 25:00, more than the firm's 12 hours, so it was not saved" in answer
    assert count_rows(db, RunningTimer) == 1 and count_rows(db, TimeEntry) == 0
    run(db, "discard", clock() + timedelta(hours=25))
    assert count_rows(db, RunningTimer) == 0 and count_rows(db, TimeEntry) == 0


def test_stop_with_a_description_fills_it_in(firm: None, db: Database, clock: Clock) -> None:
    run(db, "start acme", clock())
    stopped = run(db, "stop wireframes for the home page", clock() + timedelta(minutes=30))
    assert isinstance(stopped, Stopped) and stopped.saved.entry.description == "wireframes for the home page"
    assert not stopped.saved.pending


def count_rows(db: Database, model: type) -> int:
    with db.transaction(read_only=True) as conn:
        return int(conn.execute(select(func.count()).select_from(model)).scalar_one())
