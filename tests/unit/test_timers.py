from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import UserError
from bot.parsing import parse
from bot.services import track
from bot.services.people import SlackProfile, get_or_register
from bot.services.timers import SavedEntry, Started
from storage import queries
from storage.db import session_scope, write_scope
from storage.models import EntrySource, RunningTimer, TimeEntry
from tests.conftest import Clock


def no_lookup(_slack_id: str) -> SlackProfile | None:
    raise AssertionError("imported people are never looked up in Slack")


def run(sessions: sessionmaker[Session], text: str, now: datetime, user: str = "U0MEMBER") -> track.Result:
    with session_scope(sessions) as s:
        person = get_or_register(s.connection(), user, now=now, lookup=no_lookup)
        return track.execute(s.connection(), person, parse(text, now.date()), now=now)


def count(sessions: sessionmaker[Session], model: type) -> int:
    with session_scope(sessions) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_stop_saves_the_full_elapsed_time(firm: None, sessions: sessionmaker[Session], clock: Clock) -> None:
    start = clock()
    run(sessions, "start acme-web Design wireframes", start)
    saved = run(sessions, "stop", start + timedelta(hours=1, minutes=30, seconds=5))
    assert isinstance(saved, SavedEntry)
    assert saved.entry.duration_seconds == 5405
    assert saved.task is not None and saved.task.name == "Design"
    assert saved.entry.description == "wireframes"
    assert saved.entry.source == EntrySource.TIMER
    assert saved.entry.started_at == start and saved.entry.ended_at == start + timedelta(seconds=5405)
    assert count(sessions, RunningTimer) == 0


def test_starting_while_running_saves_the_running_timer_first(
    firm: None, sessions: sessionmaker[Session], clock: Clock
) -> None:
    run(sessions, "start ACME-WEB Design first thing", clock())
    result = run(sessions, "start ACME-WEB Build second thing", clock() + timedelta(minutes=20))
    assert isinstance(result, Started)
    assert result.saved is not None and result.saved.entry.duration_seconds == 1200
    assert result.task is not None and result.task.name == "Build"
    assert count(sessions, RunningTimer) == 1 and count(sessions, TimeEntry) == 1


def test_stop_without_timer_is_a_clear_error(
    firm: None, sessions: sessionmaker[Session], clock: Clock
) -> None:
    with pytest.raises(UserError, match="No timer is running"):
        run(sessions, "stop", clock())


def test_timer_across_dst_change_keeps_true_elapsed_time(firm: None, sessions: sessionmaker[Session]) -> None:
    # Europe/Berlin leaves summer time at 01:00 UTC on 2026-10-25: wall clocks repeat an hour.
    start = datetime(2026, 10, 24, 22, 30, tzinfo=UTC)  # 00:30 CEST on the 25th
    run(sessions, "start ACME-WEB night shift", start)
    saved = run(sessions, "stop", datetime(2026, 10, 25, 3, 30, tzinfo=UTC))  # 04:30 CET
    assert isinstance(saved, SavedEntry)
    assert saved.entry.duration_seconds == 5 * 3600
    assert saved.entry.date == date(2026, 10, 25)  # the person's local day when it started


def test_entry_date_is_the_persons_local_day(firm: None, sessions: sessionmaker[Session]) -> None:
    # 23:30 UTC on the 17th is already the 18th in Berlin.
    late = datetime(2026, 11, 17, 23, 30, tzinfo=UTC)
    run(sessions, "start ACME-WEB late", late)
    saved = run(sessions, "stop", late + timedelta(minutes=10))
    assert isinstance(saved, SavedEntry) and saved.entry.date == date(2026, 11, 18)


def test_stopped_time_is_saved_even_when_policy_fields_are_missing(
    firm: None, sessions: sessionmaker[Session], clock: Clock
) -> None:
    run(sessions, "start ACME-WEB", clock())
    saved = run(sessions, "stop", clock() + timedelta(minutes=6))
    assert isinstance(saved, SavedEntry)
    assert saved.missing == ["description"]
    assert count(sessions, TimeEntry) == 1


def test_manual_log_enforces_the_required_field_policy(
    firm: None, sessions: sessionmaker[Session], clock: Clock
) -> None:
    with pytest.raises(UserError, match="needs a description"):
        run(sessions, "log 1h ACME-WEB", clock())
    assert count(sessions, TimeEntry) == 0


def test_log_records_task_work_type_and_date(
    firm: None, sessions: sessionmaker[Session], clock: Clock
) -> None:
    result = run(sessions, "log 1h30m acme Build type:Drafting fixed the footer on monday", clock())
    assert isinstance(result, track.Logged)
    e = result.entry
    assert (e.duration_seconds, e.description, e.date) == (5400, "fixed the footer", date(2026, 11, 16))
    assert result.task is not None and result.task.name == "Build"
    with session_scope(sessions) as s:
        assert queries.work_type_named(s, "drafting").id == e.work_type_id  # type: ignore[union-attr]


def test_unknown_work_type_is_refused(firm: None, sessions: sessionmaker[Session], clock: Clock) -> None:
    with pytest.raises(UserError, match="not a work type"):
        run(sessions, "log 1h acme type:Golf swing", clock())


def test_project_lookup_by_unique_prefix_and_name(
    firm: None, sessions: sessionmaker[Session], clock: Clock
) -> None:
    for query in ("acme", "ACME-W", "website", '"Website Redesign"'):
        result = run(sessions, f"log 1h {query} something", clock())
        assert isinstance(result, track.Logged) and result.project.code == "ACME-WEB"


def test_ambiguous_prefix_lists_the_candidates(
    firm: None, sessions: sessionmaker[Session], clock: Clock
) -> None:
    from bot.services.importer import import_yaml

    with write_scope(sessions) as conn:
        import_yaml(
            conn, "clients: [{name: Acme Corp, projects: [{name: Audit, code: ACME-AUD}]}]", now=clock()
        )
    with pytest.raises(UserError) as err:
        run(sessions, "log 1h acme x", clock())
    assert "ACME-AUD" in err.value.message and "ACME-WEB" in err.value.message


def test_unknown_project_is_refused(firm: None, sessions: sessionmaker[Session], clock: Clock) -> None:
    with pytest.raises(UserError, match="No active project matches `nope`"):
        run(sessions, "start nope", clock())
    assert count(sessions, RunningTimer) == 0


def test_status_and_week_totals(firm: None, sessions: sessionmaker[Session], clock: Clock) -> None:
    run(sessions, "log 2h acme research", clock())
    run(sessions, "log 1h acme more on monday", clock())
    run(sessions, "start acme live", clock())
    status = run(sessions, "status", clock() + timedelta(minutes=30))
    assert isinstance(status, track.StatusResult)
    assert status.today_seconds == 7200 and status.running is not None
    assert status.running.elapsed_seconds == 1800
    week = run(sessions, "week", clock() + timedelta(minutes=30))
    assert week.total_seconds == 3 * 3600  # type: ignore[union-attr]


def test_new_person_is_registered_from_their_slack_profile(
    engine: object, sessions: sessionmaker[Session], clock: Clock
) -> None:
    with session_scope(sessions) as s:
        person = get_or_register(
            s.connection(), "U0NEW", now=clock(), lookup=lambda _id: SlackProfile("New Person", "Asia/Tokyo")
        )
        assert (person.name, person.timezone, person.role.value) == ("New Person", "Asia/Tokyo", "member")


def test_registration_survives_a_failed_profile_lookup(
    firm: None, sessions: sessionmaker[Session], clock: Clock
) -> None:
    with session_scope(sessions) as s:
        person = get_or_register(s.connection(), "U0NEW", now=clock(), lookup=lambda _id: None)
        assert (person.name, person.timezone) == ("U0NEW", "America/New_York")
