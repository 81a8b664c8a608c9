from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.services.home_tab import home_data
from storage import rows
from storage.db import session_scope
from tests.conftest import Clock
from tests.unit.test_timers import run


def data_for(sessions: sessionmaker[Session], clock: Clock, user: str = "U0MEMBER"):  # type: ignore[no-untyped-def]
    with session_scope(sessions) as s:
        person = rows.person(s.connection(), user)
        assert person is not None
        return home_data(s.connection(), person, now=clock())


def test_recent_work_is_distinct_most_recent_first_and_skips_what_runs(
    firm: None, sessions: sessionmaker[Session], clock: Clock
) -> None:
    run(sessions, "log 1h acme Design first", clock())
    run(sessions, "log 1h acme Build second", clock())
    run(sessions, "log 1h acme Design third", clock())
    data = data_for(sessions, clock)
    assert [(w.task.name if w.task else None, w.description) for w in data.recent] == [
        ("Design", "third"),
        ("Build", "second"),
    ]
    run(sessions, "start acme Design again", clock() + timedelta(minutes=1))
    data = data_for(sessions, clock)
    assert [w.task.name if w.task else None for w in data.recent] == ["Build"]
    assert data.running is not None


def test_partners_see_what_waits_for_them_and_members_do_not(
    firm: None, sessions: sessionmaker[Session], clock: Clock
) -> None:
    run(sessions, "log 1h acme submitted one", clock())
    run(sessions, "submit", clock())
    assert data_for(sessions, clock, "U0PARTNER").approvals_waiting == 1
    member = data_for(sessions, clock)
    assert member.approvals_waiting is None and member.unbilled is None


def test_entries_decided_one_by_one_no_longer_count_as_waiting(
    firm: None, sessions: sessionmaker[Session], clock: Clock
) -> None:
    from sqlalchemy import select

    from bot.services import approvals
    from storage.models import TimeEntry

    run(sessions, "log 1h acme one", clock())
    run(sessions, "log 1h acme two", clock())
    run(sessions, "submit", clock())
    assert data_for(sessions, clock, "U0PARTNER").approvals_waiting == 2
    with session_scope(sessions) as s:
        conn = s.connection()
        first = s.scalars(select(TimeEntry).order_by(TimeEntry.id)).first()
        assert first is not None and first.submission_id is not None
        partner = rows.person(conn, "U0PARTNER")
        assert partner is not None
        approvals.decide_entry(conn, first.submission_id, first.id, partner, approve=True, now=clock())
    assert data_for(sessions, clock, "U0PARTNER").approvals_waiting == 1
