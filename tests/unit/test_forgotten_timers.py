"""A timer running longer than the workspace's setting (10 hours unless set), or past its
owner's local midnight, is asked about once; a choice about it is its owner's, about that
very timer, and saves through the timers service."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot import messages
from bot.errors import Refused
from bot.scheduler import JOBS, run_job
from bot.services import forgotten
from bot.services.entries import Invalid, Rule
from bot.services.people import get_or_register
from bot.views import forgotten as views
from bot.views.refusals import explain
from storage import outbox
from storage.db import Database
from storage.models import OutboxMessage, Person, RunningTimer, TimeEntry
from tests.conftest import FIRM_YAML, import_firm, session_scope
from tests.unit.test_timers import run

# Tuesday 17 November 2026, 06:00 UTC: 07:00 in Berlin, where Max works.
MORNING = datetime(2026, 11, 17, 6, 0, tzinfo=UTC)


@pytest.fixture
def firm(db: Database) -> None:
    import_firm(db, FIRM_YAML, MORNING)


def nudge(db: Database, now: datetime) -> list[str]:
    with db.transaction() as conn:
        return forgotten.nudge(conn, now=now)


def key(user: str, started: datetime) -> str:
    return f"forgotten-timer:{user}:{started.isoformat()}"


def set_timezone(sessions: sessionmaker[Session], user: str, tz: str) -> None:
    with session_scope(sessions) as s:
        s.execute(update(Person).where(Person.slack_id == user).values(timezone=tz))


def the_timer(sessions: sessionmaker[Session], user: str = "U0MEMBER") -> RunningTimer:
    with session_scope(sessions) as s:
        person_id = s.scalars(select(Person.id).where(Person.slack_id == user)).one()
        return s.scalars(select(RunningTimer).where(RunningTimer.person_id == person_id)).one()


def test_a_timer_past_ten_hours_is_asked_about_once_however_often_the_job_runs(
    firm: None, db: Database
) -> None:
    run(db, "start acme-web Design wireframes", MORNING)
    assert nudge(db, MORNING + timedelta(hours=9, minutes=59)) == []  # 16:59 in Berlin: not yet
    later = MORNING + timedelta(hours=10, minutes=1)
    assert nudge(db, later) == [key("U0MEMBER", MORNING)]
    assert nudge(db, later) == [] and nudge(db, later + timedelta(hours=1)) == []
    ran = run_job(db, JOBS["forgotten-timers"], now=later + timedelta(hours=2), manual=True)
    assert ran is not None and ran.result == []
    with db.transaction(read_only=True) as conn:
        row = outbox.by_key(conn, key("U0MEMBER", MORNING))
    assert row is not None and row.kind == "forgotten_timer" and row.user_id == "U0MEMBER"
    assert row.payload["past_midnight"] is False and row.payload["limit_minutes"] == 600


def test_a_short_timer_is_not_asked_about(firm: None, db: Database) -> None:
    run(db, "start acme-web Design wireframes", MORNING)
    assert nudge(db, MORNING + timedelta(hours=2)) == []


@pytest.mark.parametrize(
    ("started", "past_midnight"),
    [
        (datetime(2026, 11, 17, 14, 30, tzinfo=UTC), "U0MEMBER"),  # 23:30 in Tokyo, 06:30 in Los Angeles
        (datetime(2026, 11, 18, 7, 30, tzinfo=UTC), "U0PARTNER"),  # 16:30 in Tokyo, 23:30 in Los Angeles
    ],
)
def test_past_midnight_is_each_persons_own_midnight(
    firm: None, db: Database, sessions: sessionmaker[Session], started: datetime, past_midnight: str
) -> None:
    set_timezone(sessions, "U0MEMBER", "Asia/Tokyo")
    set_timezone(sessions, "U0PARTNER", "America/Los_Angeles")
    run(db, "start acme-web Design late call", started, user="U0MEMBER")
    run(db, "start acme-web Design a call", started, user="U0PARTNER")
    assert nudge(db, started + timedelta(minutes=29)) == []  # 23:59 where it is late
    after = started + timedelta(minutes=35)  # 00:05 there, the afternoon or morning elsewhere
    assert nudge(db, after) == [key(past_midnight, started)]
    with db.transaction(read_only=True) as conn:
        row = outbox.by_key(conn, key(past_midnight, started))
    assert row is not None and row.payload["past_midnight"] is True


def test_a_workspace_setting_of_four_hours_asks_after_four_hours(db: Database) -> None:
    yaml = FIRM_YAML.replace("workspace: {", "workspace: {forgotten_timer_hours: 4, ", 1)
    import_firm(db, yaml, MORNING)
    run(db, "start acme-web Design wireframes", MORNING)
    assert nudge(db, MORNING + timedelta(hours=3, minutes=59)) == []
    assert nudge(db, MORNING + timedelta(hours=4, minutes=1)) == [key("U0MEMBER", MORNING)]
    with db.transaction(read_only=True) as conn:
        row = outbox.by_key(conn, key("U0MEMBER", MORNING))
    assert row is not None and row.payload["limit_minutes"] == 240


def test_a_timer_stopped_and_started_again_gets_its_own_question(
    firm: None, db: Database, sessions: sessionmaker[Session]
) -> None:
    run(db, "start acme-web Design wireframes", MORNING)
    first_id = the_timer(sessions).id
    assert nudge(db, MORNING + timedelta(hours=10, minutes=5)) == [key("U0MEMBER", MORNING)]
    restarted = MORNING + timedelta(hours=10, minutes=10)
    run(db, "stop", restarted)
    run(db, "start acme-web Design wireframes again", restarted)
    if db.engine.dialect.name == "sqlite":  # SQLite gives it the deleted timer's id: the key is its start
        assert the_timer(sessions).id == first_id
    assert nudge(db, restarted + timedelta(hours=1)) == []
    # 04:11 on Wednesday in Berlin: past midnight and past 10 hours
    assert nudge(db, restarted + timedelta(hours=10, minutes=1)) == [key("U0MEMBER", restarted)]
    with session_scope(sessions) as s:
        assert len(s.scalars(select(OutboxMessage)).all()) == 2


def test_the_question_is_not_sent_for_a_timer_stopped_before_it_went_out(firm: None, db: Database) -> None:
    run(db, "start acme-web Design wireframes", MORNING)
    [queued] = nudge(db, MORNING + timedelta(hours=10, minutes=5))
    with db.transaction(read_only=True) as conn:
        row = outbox.by_key(conn, queued)
        assert row is not None
        call = messages.render(conn, row, messages.Context())
    assert call is not None and call.method == "chat.postMessage"
    [actions] = [b for b in call.args["blocks"] if b["type"] == "actions"]
    assert [e["type"] for e in actions["elements"]] == ["button", "timepicker", "button"]
    assert actions["elements"][1]["initial_time"] == "15:00"  # 07:00 + 8 h in Berlin
    run(db, "stop", MORNING + timedelta(hours=10, minutes=6))
    with db.transaction(read_only=True) as conn:
        assert messages.render(conn, row, messages.Context()) is None


def choose(db: Database, kind: str, now: datetime, user: str = "U0MEMBER", **extra: object) -> object:
    with db.transaction() as conn:
        person = get_or_register(conn, user, now=now, for_update=True)
        return getattr(forgotten, kind)(conn, person, now=now, **extra)


def test_stop_at_saves_from_the_start_to_the_first_such_time_after_it(
    firm: None, db: Database, sessions: sessionmaker[Session]
) -> None:
    started = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)  # 16:00 on Tuesday in Berlin
    run(db, "start acme-web Design wireframes", started)
    timer = the_timer(sessions)
    now = started + timedelta(hours=11)  # 03:00 on Wednesday
    about = {"timer_id": timer.id, "started_at": timer.started_at}
    with pytest.raises(Refused) as err:  # 04:00 on Wednesday has not come yet
        choose(db, "stop_at", now, at=time(4, 0), **about)
    assert "hasn't been 04:00 yet" in explain(err.value) and isinstance(
        err.value.facts["nudge"], forgotten.Nudge
    )
    saved = choose(db, "stop_at", now, at=time(1, 30), **about)  # 01:30 on Wednesday: 9:30
    with session_scope(sessions) as s:
        entry = s.scalars(select(TimeEntry)).one()
        assert s.scalars(select(RunningTimer)).all() == []
    assert saved.entry.id == entry.id  # type: ignore[attr-defined]
    assert entry.duration_seconds == 9.5 * 3600 and str(entry.date) == "2026-11-17"
    assert entry.started_at == started and entry.ended_at == datetime(2026, 11, 18, 0, 30, tzinfo=UTC)


def test_a_choice_is_about_the_clickers_own_timer_the_one_asked_about(
    firm: None, db: Database, sessions: sessionmaker[Session]
) -> None:
    run(db, "start acme-web Design wireframes", MORNING)
    timer = the_timer(sessions)
    now = MORNING + timedelta(hours=10, minutes=30)
    about = {"timer_id": timer.id, "started_at": timer.started_at}
    with pytest.raises(Invalid) as err:  # the partner has no such timer
        choose(db, "stop_now", now, user="U0PARTNER", **about)
    assert err.value.violations[0].rule == Rule.TIMER_GONE
    moved = {"timer_id": timer.id, "started_at": timer.started_at + timedelta(seconds=1)}
    with pytest.raises(Invalid):  # same id, another start: another timer
        choose(db, "stop_now", now, **moved)
    kept = choose(db, "keep", now, **about)
    assert isinstance(kept, forgotten.Kept) and "won't ask about it again" in views.kept(kept)["text"]
    assert the_timer(sessions).id == timer.id  # still running
    saved = choose(db, "stop_now", now, **about)  # 10:30, under the firm's 12 hours: saved as it stands
    assert saved.entry.duration_seconds == 10.5 * 3600  # type: ignore[attr-defined]


def test_stop_now_on_a_timer_past_the_firms_limit_offers_the_timers_choices(
    firm: None, db: Database, sessions: sessionmaker[Session]
) -> None:
    run(db, "start acme-web Design wireframes", MORNING)
    timer = the_timer(sessions)
    with pytest.raises(Invalid) as err:
        choose(db, "stop_now", MORNING + timedelta(hours=13), timer_id=timer.id, started_at=timer.started_at)
    assert err.value.violations[0].rule == Rule.TIMER_REVIEW
    assert the_timer(sessions).id == timer.id  # rolled back: it runs on until a choice is made


def test_the_first_wall_time_after_a_start_across_daylight_saving_changes() -> None:
    berlin = "Europe/Berlin"
    start = datetime(2026, 3, 28, 23, 0, tzinfo=UTC)  # 00:00 on Sunday 29 March; clocks skip 02:00-03:00
    assert forgotten.first_after(start, time(1, 30), berlin) == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert forgotten.first_after(start, time(2, 30), berlin) == datetime(2026, 3, 30, 0, 30, tzinfo=UTC)
    assert forgotten.first_after(start, time(3, 30), berlin) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    autumn = datetime(2026, 10, 24, 23, 0, tzinfo=UTC)  # 01:00 CEST on the 25th; 02:00-03:00 twice
    assert forgotten.first_after(autumn, time(2, 30), berlin) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    after_first = datetime(2026, 10, 25, 0, 45, tzinfo=UTC)  # 02:45 CEST: the second 02:30 is next
    assert forgotten.first_after(after_first, time(2, 30), berlin) == datetime(
        2026, 10, 25, 1, 30, tzinfo=UTC
    )
    same = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)  # 16:00: the same wall time is tomorrow's
    assert forgotten.first_after(same, time(16, 0), berlin) == same + timedelta(days=1)
