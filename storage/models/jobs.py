"""Scheduled jobs' ticks, and where each consumer of entry changes has read up to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, UTCDateTime


class JobRun(Base):
    """A run of a job. A scheduled tick is claimed by inserting its row: the unique key on
    (job, tick) lets exactly one process run it. Runs by hand (``jobs run``) have no tick."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "tick"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    tick: Mapped[datetime | None] = mapped_column(UTCDateTime)
    at: Mapped[datetime] = mapped_column(UTCDateTime)  # the "now" the job ran with
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    runner: Mapped[str] = mapped_column(String(120))  # host:pid
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(20), default="running")  # running, done, failed
    detail: Mapped[str] = mapped_column(Text, default="")


class EventPosition(Base):
    """How far a consumer of entry changes (the audit trail) has read: it resumes there
    after a restart, in any process."""

    __tablename__ = "event_positions"

    consumer: Mapped[str] = mapped_column(String(64), primary_key=True)
    txid: Mapped[int] = mapped_column(BigInteger, default=0)  # PostgreSQL's transaction id; 0 on SQLite
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
