"""Scheduled jobs: the job table, running a tick once across processes, and the APScheduler
wiring inside ``punchcard serve`` (or standalone as ``punchcard scheduler``).

A job is thin: ``run(conn, now)`` calls one service, which queues what it sends in the
outbox. Each tick is claimed in the database (``storage.jobs``) in the transaction of the
job's work, so two processes, or a scheduler and ``jobs run``, do a tick once. APScheduler
keeps its jobs in memory (a shared job store is not safe across processes); a tick missed
while no process ran is caught up once at start: only the latest missed one (coalesced),
never every missed one, and never none.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import Connection

from bot import metrics
from bot.services import budgets, digest, forgotten, missing_hours, reminders
from bot.services.clock import utcnow
from storage import jobs as store
from storage.db import Database

logger = logging.getLogger(__name__)

CATCH_UP = timedelta(days=1)  # a tick missed longer ago than this is not caught up


@dataclass(frozen=True)
class Job:
    name: str
    cron: str  # crontab (5 fields, UTC), or 6 fields with seconds first
    run: Callable[[Connection, datetime], Any]
    about: str

    def trigger(self, cron: str | None = None) -> CronTrigger:
        return parse_cron(cron or self.cron)


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job(
            "pending-approvals",
            "0 * * * *",
            lambda conn, now: reminders.pending_approvals(conn, now=now),
            "each approver with submissions waiting more than a working day: one DM a day, in their "
            "working hours, listing them",
        ),
        Job(
            "missing-hours",
            "*/5 * * * *",
            lambda conn, now: missing_hours.queue(conn, now=now),
            "each person whose previous working day (their schedule, public holidays and time off) is "
            "short by more than the tolerance: one DM a day at their reminder time (09:30 local unless set)",
        ),
        Job(
            "weekly-digest",
            "*/15 * * * *",  # Monday 08:00 comes on Sunday or Monday UTC
            lambda conn, now: digest.queue(conn, now=now),
            "each partner and admin, Monday 08:00 in their timezone: last week's pace (who is missing "
            "hours), budgets and their projections, approvals waiting",
        ),
        Job(
            "budget-alerts",
            "*/15 * * * *",
            lambda conn, now: budgets.safety_net(conn, now),
            "every budgeted project and task against its alert thresholds: the alerts entry changes "
            "did not queue (the consumer queues them within seconds)",
        ),
        Job(
            "forgotten-timers",
            "*/5 * * * *",
            lambda conn, now: forgotten.nudge(conn, now=now),
            "each timer running longer than the workspace's forgotten_timer_hours (10 unless set) or past "
            "its owner's local midnight: one DM asking to stop it now, at a time, or keep it running",
        ),
    )
}


def parse_cron(text: str) -> CronTrigger:
    """``m h dom mon dow`` (crontab) or ``s m h dom mon dow``, in UTC."""
    fields = text.split()
    if len(fields) == 5:
        return CronTrigger.from_crontab(text, timezone=UTC)
    if len(fields) == 6:
        second, minute, hour, day, month, dow = fields
        return CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month, day_of_week=dow,
                           timezone=UTC)  # fmt: skip
    raise ValueError(f"{text!r} is not a cron expression (5 fields, or 6 with seconds first)")


def schedule_of(job: Job, env: dict[str, str] | None = None) -> str:
    """The job's cron, or its override ``PUNCHCARD_CRON_<NAME>`` (e.g. PUNCHCARD_CRON_PENDING_APPROVALS)."""
    source = os.environ if env is None else env
    return source.get("PUNCHCARD_CRON_" + job.name.upper().replace("-", "_"), "").strip() or job.cron


def latest_tick(trigger: CronTrigger, now: datetime, *, horizon: timedelta = CATCH_UP) -> datetime | None:
    """The last time the trigger fired at or before ``now`` (within ``horizon``)."""
    first = trigger.get_next_fire_time(None, now)
    second = trigger.get_next_fire_time(first, first + timedelta(microseconds=1)) if first else None
    cadence = (second - first) if first and second else horizon
    look = now - min(horizon, max(timedelta(seconds=2), cadence * 3))
    tick = trigger.get_next_fire_time(None, look)
    if tick is None or tick > now:
        return None
    while True:
        following = trigger.get_next_fire_time(tick, tick + timedelta(microseconds=1))
        if following is None or following > now:
            return tick  # type: ignore[no-any-return]
        tick = following


def runner_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Ran:
    job: str
    tick: datetime | None
    result: Any


def run_job(
    db: Database, job: Job, *, now: datetime, tick: datetime | None = None, manual: bool = False
) -> Ran | None:
    """Run ``job`` as of ``now``; for a tick, None when another process had it. The claim
    and the work commit together: a job that fails leaves its tick for another try."""
    started, clock = utcnow(), time.perf_counter()
    try:
        with db.transaction() as conn:
            run_id = store.begin_run(conn, job.name, tick=tick, at=now, manual=manual, runner=runner_name(),
                                     started=started)  # fmt: skip
            if run_id is None:
                metrics.JOB_RUNS.labels(job.name, "elsewhere").inc()
                return None
            result = job.run(conn, now)
            store.end_run(conn, run_id, outcome="done", detail=_describe(result), finished=utcnow())
        metrics.JOB_RUNS.labels(job.name, "done").inc()
        metrics.JOB_SECONDS.labels(job.name).observe(time.perf_counter() - clock)
    except Exception as err:
        metrics.JOB_RUNS.labels(job.name, "failed").inc()
        logger.exception("job %s failed (tick %s)", job.name, tick)
        with db.transaction() as conn:  # on the record, without the tick: it may run again
            run_id = store.begin_run(conn, job.name, tick=None, at=now, manual=manual, runner=runner_name(),
                                     started=started)  # fmt: skip
            assert run_id is not None
            store.end_run(
                conn, run_id, outcome="failed", detail=f"{type(err).__name__}: {err}", finished=utcnow()
            )
        raise
    return Ran(job.name, tick, result)


def _describe(result: Any) -> str:
    if isinstance(result, list | tuple | set):
        return f"{len(result)} queued" + (": " + ", ".join(map(str, list(result)[:20])) if result else "")
    return "" if result is None else str(result)


class Scheduler:
    """APScheduler with an in-memory job store, each tick claimed in the database."""

    def __init__(
        self,
        db: Database,
        *,
        jobs: dict[str, Job] | None = None,
        clock: Callable[[], datetime] = utcnow,
        env: dict[str, str] | None = None,
    ) -> None:
        self.db = db
        self.jobs = JOBS if jobs is None else jobs
        self.clock = clock
        self.triggers = {name: job.trigger(schedule_of(job, env)) for name, job in self.jobs.items()}
        # coalesce: ticks missed while busy run once; no grace limit: a late tick still runs
        # (its claim decides), where APScheduler's default of 1 s would drop it.
        self._scheduler = BackgroundScheduler(
            timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None}
        )

    def start(self) -> None:
        now = self.clock()
        for name in self.jobs:
            self._scheduler.add_job(self._tick, trigger=self.triggers[name], args=[name], id=name, name=name)
            self._scheduler.add_job(
                self._catch_up, "date", run_date=now, args=[name, now], id=f"{name}:catch-up"
            )
        self._scheduler.start()
        logger.info("scheduler running: %s", ", ".join(self.jobs))

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)

    def _tick(self, name: str) -> None:
        now = self.clock()
        tick = latest_tick(self.triggers[name], now)
        if tick is not None:
            self._run(name, now, tick)

    def _catch_up(self, name: str, started: datetime) -> None:
        """The latest tick before this process started, if no process ran it."""
        tick = latest_tick(self.triggers[name], started)
        if tick is None:
            return
        with self.db.transaction(read_only=True) as conn:
            if store.has_tick(conn, name, tick):
                return
        logger.info("catching up %s's tick of %s", name, tick.isoformat())
        self._run(name, self.clock(), tick)

    def _run(self, name: str, now: datetime, tick: datetime) -> None:
        try:
            ran = run_job(self.db, self.jobs[name], now=now, tick=tick)
        except Exception:
            return  # logged, and on the record
        if ran is not None:
            logger.info("job %s ran for tick %s: %s", name, tick.isoformat(), _describe(ran.result))

    def next_runs(self) -> dict[str, datetime | None]:
        now = self.clock()
        return {name: trigger.get_next_fire_time(None, now) for name, trigger in self.triggers.items()}
