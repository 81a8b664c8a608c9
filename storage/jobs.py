"""Runs of scheduled jobs: a tick is claimed by inserting its row (the unique key on
(job, tick) lets one process have it), in the transaction of the job's own work."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, select, update

from storage.fast import cols, insert_new
from storage.models import JobRun


@dataclass(frozen=True)
class RunRow:
    id: int
    job: str
    tick: datetime | None
    at: datetime
    manual: bool
    runner: str
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    detail: str


_VALUES = ("job", "tick", "at", "manual", "runner", "started_at", "outcome", "detail")
_CLAIM = insert_new(JobRun, _VALUES, (JobRun.job, JobRun.tick), JobRun.id)


def begin_run(
    conn: Connection,
    job: str,
    *,
    tick: datetime | None,
    at: datetime,
    manual: bool,
    runner: str,
    started: datetime,
) -> int | None:
    """Record a run; for a tick, None when another process has claimed it (on PostgreSQL
    this waits for that process's transaction: if it rolls back, the tick is ours)."""
    params = {"job": job, "tick": tick, "at": at, "manual": manual, "runner": runner, "started_at": started,
              "outcome": "running", "detail": ""}  # fmt: skip
    if tick is None:
        return int(conn.execute(insert(JobRun).values(params).returning(JobRun.id)).scalar_one())
    found = _CLAIM[conn.dialect.name].scalar(conn, params)
    return None if found is None else int(found)


def end_run(conn: Connection, run_id: int, *, outcome: str, detail: str, finished: datetime) -> None:
    conn.execute(
        update(JobRun)
        .where(JobRun.id == run_id)
        .values(outcome=outcome, detail=detail[:4000], finished_at=finished)
    )


def has_tick(conn: Connection, job: str, tick: datetime) -> bool:
    """Whether this tick, or a later one, has run."""
    return (
        conn.execute(select(JobRun.id).where(JobRun.job == job, JobRun.tick >= tick).limit(1)).first()
        is not None
    )


def latest(conn: Connection, job: str) -> RunRow | None:
    row = conn.execute(
        select(*cols(RunRow, JobRun)).where(JobRun.job == job).order_by(JobRun.id.desc()).limit(1)
    ).first()
    return RunRow(*row) if row else None


def runs(conn: Connection, job: str, *, limit: int = 20) -> list[RunRow]:
    found = conn.execute(
        select(*cols(RunRow, JobRun)).where(JobRun.job == job).order_by(JobRun.id.desc()).limit(limit)
    )
    return [RunRow(*r) for r in found]


def count_ticks(conn: Connection, job: str) -> int:
    return int(
        conn.execute(select(func.count()).where(JobRun.job == job, JobRun.tick.is_not(None))).scalar_one()
    )
