"""Scheduled jobs run each tick once, whoever claims it, and catch up a missed tick once; the
pending-approvals job reminds each approver once a day, in their working hours."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update

from bot.scheduler import JOBS, Job, Scheduler, latest_tick, parse_cron, run_job
from bot.services import reminders
from storage import jobs as job_store
from storage.db import Database
from storage.models import JobRun, OutboxMessage, Person, Submission
from tests.conftest import BOT_TOKEN, session_scope
from tests.unit.test_timers import run

# Wednesday 2 December 2026, 15:00 UTC: 10:00 in New York, where Ada approves.
WEDNESDAY = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)


def test_the_latest_tick_is_the_last_fire_time_at_or_before_now() -> None:
    hourly = parse_cron("0 * * * *")
    assert latest_tick(hourly, datetime(2026, 12, 2, 15, 0, tzinfo=UTC)) == datetime(
        2026, 12, 2, 15, 0, tzinfo=UTC
    )
    assert latest_tick(hourly, datetime(2026, 12, 2, 15, 59, tzinfo=UTC)) == datetime(
        2026, 12, 2, 15, 0, tzinfo=UTC
    )
    every_second = parse_cron("* * * * * *")
    now = datetime(2026, 12, 2, 15, 0, 7, 500_000, tzinfo=UTC)
    assert latest_tick(every_second, now) == datetime(2026, 12, 2, 15, 0, 7, tzinfo=UTC)
    with pytest.raises(ValueError, match="not a cron expression"):
        parse_cron("every hour")


def counting_job(calls: list[datetime]) -> Job:
    return Job("counting", "* * * * * *", lambda _conn, now: calls.append(now), "counts its runs")


def test_a_tick_runs_once_whoever_claims_it(db: Database, engine: Any) -> None:
    calls: list[datetime] = []
    job = counting_job(calls)
    tick = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    results: list[Any] = []
    threads = [
        threading.Thread(target=lambda: results.append(run_job(db, job, now=tick, tick=tick)))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(calls) == 1 and sum(r is not None for r in results) == 1
    assert run_job(db, job, now=tick, tick=tick) is None
    assert run_job(db, job, now=tick, manual=True) is not None  # a run by hand is not a tick
    assert len(calls) == 2


def test_a_failed_job_leaves_its_tick_for_another_try(db: Database, engine: Any) -> None:
    attempts: list[int] = []

    def flaky(_conn: Any, _now: datetime) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("the database went away")

    job = Job("flaky", "* * * * * *", flaky, "fails once")
    tick = datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    with pytest.raises(RuntimeError):
        run_job(db, job, now=tick, tick=tick)
    assert run_job(db, job, now=tick, tick=tick) is not None and len(attempts) == 2
    with db.transaction(read_only=True) as conn:
        assert [r.outcome for r in job_store.runs(conn, "flaky")] == ["done", "failed"]


def test_a_tick_missed_while_no_process_ran_is_caught_up_once_at_start(db: Database, engine: Any) -> None:
    calls: list[datetime] = []
    job = Job("hourly", "0 * * * *", lambda _conn, now: calls.append(now), "hourly")
    started = datetime(2026, 12, 2, 15, 20, tzinfo=UTC)
    schedulers = [Scheduler(db, jobs={"hourly": job}, clock=lambda: started) for _ in range(2)]
    for s in schedulers:  # two processes start together after the 15:00 tick was missed
        s._catch_up("hourly", started)
    assert calls == [started]
    with db.transaction(read_only=True) as conn:
        [done] = job_store.runs(conn, "hourly")
    assert done.tick == datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
    schedulers[0]._catch_up("hourly", started + timedelta(minutes=5))  # a restart within the hour
    assert len(calls) == 1


def test_two_schedulers_over_several_ticks_run_each_tick_once(db: Database, engine: Any) -> None:
    calls: list[datetime] = []
    job = counting_job(calls)
    schedulers = [Scheduler(db, jobs={"counting": job}) for _ in range(2)]
    for s in schedulers:
        s.start()
    try:
        threading.Event().wait(3.5)
    finally:
        for s in schedulers:
            s.shutdown()
    with db.transaction(read_only=True) as conn:
        ticks = [r.tick for r in job_store.runs(conn, "counting", limit=100) if r.tick is not None]
    assert len(ticks) >= 3 and len(ticks) == len(set(ticks)) == len(calls)


def _waiting_submission(db: Database, sessions: Any, *, days_ago: int) -> None:
    run(db, "log 2h acme Build footer", WEDNESDAY - timedelta(days=days_ago))
    run(db, "submit", WEDNESDAY - timedelta(days=days_ago))
    with session_scope(sessions) as s:
        s.execute(update(Submission).values(created_at=WEDNESDAY - timedelta(days=days_ago)))


def remind(db: Database, now: datetime) -> list[str]:
    with db.transaction() as conn:
        return reminders.pending_approvals(conn, now=now)


def _reminders(sessions: Any) -> list[OutboxMessage]:
    with session_scope(sessions) as s:
        return list(s.scalars(select(OutboxMessage).where(OutboxMessage.kind == "pending_approvals")))


def test_an_approver_is_reminded_once_a_day_of_what_waited_more_than_a_working_day(
    firm: None, db: Database, sessions: Any
) -> None:
    _waiting_submission(db, sessions, days_ago=2)  # submitted Monday: two working days by Wednesday
    job = JOBS["pending-approvals"]
    for hour in (0, 1, 2):  # the job runs every hour: one reminder a day
        run_job(db, job, now=WEDNESDAY + timedelta(hours=hour), manual=True)
    [reminder] = _reminders(sessions)
    assert reminder.key == "pending-approvals:U0PARTNER:2026-12-02" and reminder.user_id == "U0PARTNER"
    [item] = reminder.payload["items"]
    assert item["submitter"] == "U0MEMBER" and item["working_days"] == 2 and item["seconds"] == 7200
    run_job(db, job, now=WEDNESDAY + timedelta(days=1), manual=True)  # the next day, again
    assert len(_reminders(sessions)) == 2


@pytest.mark.parametrize(
    ("now", "why"),
    [
        (WEDNESDAY - timedelta(hours=7), "03:00 in New York: outside working hours"),
        (WEDNESDAY + timedelta(hours=10), "20:00 in New York: outside working hours"),
        (datetime(2026, 12, 5, 15, 0, tzinfo=UTC), "a Saturday"),
    ],
)
def test_no_reminder_outside_the_approvers_working_hours(
    firm: None, db: Database, sessions: Any, now: datetime, why: str
) -> None:
    _waiting_submission(db, sessions, days_ago=4)
    with session_scope(sessions) as s:
        s.execute(update(Submission).values(created_at=now - timedelta(days=6)))
    assert remind(db, now) == [], why


def test_a_submission_waiting_one_working_day_is_not_yet_reminded(
    firm: None, db: Database, sessions: Any
) -> None:
    _waiting_submission(db, sessions, days_ago=1)  # Tuesday: one working day so far
    assert remind(db, WEDNESDAY) == []
    with session_scope(sessions) as s:  # Friday to Tuesday: the weekend is not counted
        s.execute(update(Submission).values(created_at=datetime(2026, 11, 27, 16, 0, tzinfo=UTC)))
    assert remind(db, datetime(2026, 11, 30, 15, 0, tzinfo=UTC)) == []  # Monday
    assert len(remind(db, datetime(2026, 12, 1, 15, 0, tzinfo=UTC))) == 1  # Tuesday


def test_jobs_run_twice_at_the_same_time_sends_one_reminder(
    firm: None, db: Database, sessions: Any, fake_slack: Any, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    from bot.cli import main

    _waiting_submission(db, sessions, days_ago=2)
    monkeypatch.setenv("DATABASE_URL", db.engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", fake_slack.url)
    at = "2026-12-02T15:30:00Z"
    code = main(["jobs", "run", "pending-approvals", "--at", at])
    out = capsys.readouterr().out
    assert code == 0 and "queued 1 message" in out, out
    assert main(["jobs", "run", "pending-approvals", "--at", at]) == 0
    assert "nothing to send" in capsys.readouterr().out
    dms = [c for c in fake_slack.calls_to("chat.postMessage") if c.params.get("channel") == "DU0PARTNER"]
    reminders_sent = [c for c in dms if "waiting for your approval" in c.params.get("text", "")]
    assert len(reminders_sent) == 1  # delivered before the command exited, no serve running
    assert main(["jobs", "list"]) == 0
    listing = capsys.readouterr().out
    assert "pending-approvals  [0 * * * *]" in listing and "last run" in listing
    with session_scope(sessions) as s:
        assert s.scalar(select(func.count()).select_from(JobRun)) == 2
        assert s.scalar(select(Person.name).where(Person.slack_id == "U0PARTNER")) == "Ada Partner"
