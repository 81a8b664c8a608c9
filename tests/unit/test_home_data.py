from datetime import timedelta

from bot.services.home_tab import home_data
from storage import people
from storage.db import Database
from tests.conftest import Clock
from tests.unit.test_timers import run


def data_for(db: Database, clock: Clock, user: str = "U0MEMBER"):  # type: ignore[no-untyped-def]
    with db.transaction(read_only=True) as conn:
        person = people.person(conn, user)
        assert person is not None
        return home_data(conn, person, now=clock())


def test_recent_work_is_distinct_most_recent_first_and_skips_what_runs(
    firm: None, db: Database, clock: Clock
) -> None:
    run(db, "log 1h acme Design first", clock())
    run(db, "log 1h acme Build second", clock())
    run(db, "log 1h acme Design third", clock())
    data = data_for(db, clock)
    assert [(w.task.name if w.task else None, w.description) for w in data.recent] == [
        ("Design", "third"),
        ("Build", "second"),
    ]
    run(db, "start acme Design again", clock() + timedelta(minutes=1))
    data = data_for(db, clock)
    assert [w.task.name if w.task else None for w in data.recent] == ["Build"]
    assert data.running is not None


def test_partners_see_what_waits_for_them_and_members_do_not(firm: None, db: Database, clock: Clock) -> None:
    run(db, "log 1h acme submitted one", clock())
    run(db, "submit", clock())
    assert data_for(db, clock, "U0PARTNER").approvals_waiting == 1
    member = data_for(db, clock)
    assert member.approvals_waiting is None and member.unbilled is None


def test_entries_decided_one_by_one_no_longer_count_as_waiting(
    firm: None, db: Database, clock: Clock
) -> None:
    from sqlalchemy import select

    from bot.services import approvals
    from storage.models import TimeEntry

    run(db, "log 1h acme one", clock())
    run(db, "log 1h acme two", clock())
    run(db, "submit", clock())
    assert data_for(db, clock, "U0PARTNER").approvals_waiting == 2
    with db.transaction() as conn:
        first = conn.execute(select(TimeEntry.id, TimeEntry.submission_id).order_by(TimeEntry.id)).first()
        assert first is not None and first.submission_id is not None
        partner = people.person(conn, "U0PARTNER")
        assert partner is not None
        approvals.decide_entry(conn, first.submission_id, first.id, partner, approve=True, now=clock())
    assert data_for(db, clock, "U0PARTNER").approvals_waiting == 1


def test_a_busy_week_is_read_a_page_at_a_time_with_whole_totals(
    firm: None, db: Database, clock: Clock
) -> None:
    from bot.views.home_tab import home_view

    for i in range(35):
        run(db, f"log 6m acme Build today {i}", clock())
    for i in range(40):
        run(db, f"log 6m acme Build before {i} on yesterday", clock())
    with db.transaction(read_only=True) as conn:
        person = people.person(conn, "U0MEMBER")
        assert person is not None
        first = home_data(conn, person, now=clock())
        second = home_data(conn, person, now=clock(), page=1)
    assert (first.today.line_count, len(first.today.lines), first.today.total_seconds) == (35, 31, 35 * 360)
    assert (first.week.line_count, first.week.total_seconds) == (75, 75 * 360)
    assert len([ln for ln in first.week.lines if ln.entry.date != first.today.first]) == 30  # one page read
    view = str(home_view(first, now=clock()))
    assert (
        "…and 5 more today." in view
        and "Page 1 of 2" in view
        and "before 38" in view
        and "before 9" not in view
    )
    later = str(home_view(second, now=clock(), page=1))
    assert "Page 2 of 2" in later and "before 9" in later and "before 38" not in later
