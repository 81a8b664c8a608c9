"""Tracked time: saved entries and the running timers they come from."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.models.base import Base, Money, Timestamps, UTCDateTime
from storage.models.org import Person, Project, Task, WorkType, str_enum


class EntryStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    BILLED = "billed"


# An entry priced live from the rate book (a billable draft, submitted or rejected entry, or
# one whose price was never frozen): the reports' second statement reads only these, through
# the partial index ``ix_time_entries_live`` (storage.report.live). The same text is the
# index's WHERE and the query's, so that SQLite's planner sees the one implies the other.
LIVE_PRICED = "billable AND (billed_seconds IS NULL OR status NOT IN ('approved', 'billed'))"


class EntrySource(StrEnum):
    TIMER = "timer"
    MANUAL = "manual"
    IMPORT = "import"


class TimeEntry(Timestamps, Base):
    """Work done by one person on one project (and optionally task).

    ``date`` is the day in the person's timezone when the work started; ``started_at`` and
    ``ended_at`` are UTC instants when the entry came from a timer or a start/end pair,
    else NULL. ``duration_seconds`` is the measured (raw) time in whole seconds.
    """

    __tablename__ = "time_entries"
    __table_args__ = (
        CheckConstraint("duration_seconds > 0", name="positive_duration"),
        Index("ix_time_entries_person_date", "person_id", "date"),
        Index("ix_time_entries_project_date", "project_id", "date"),
        Index("ix_time_entries_date_person", "date", "person_id", "duration_seconds"),
        Index(
            "ix_time_entries_live",
            "date",
            "project_id",
            "person_id",
            "task_id",
            "work_type_id",
            "duration_seconds",
            sqlite_where=text(LIVE_PRICED),
            postgresql_where=text(LIVE_PRICED),
        ),  # fmt: skip
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    work_type_id: Mapped[int | None] = mapped_column(ForeignKey("work_types.id"))
    date: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    duration_seconds: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")
    billable: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[EntryStatus] = mapped_column(
        str_enum(EntryStatus, "entry_status"), default=EntryStatus.DRAFT
    )
    source: Mapped[EntrySource] = mapped_column(
        str_enum(EntrySource, "entry_source"), default=EntrySource.MANUAL
    )
    # Frozen at approval (bot.services.freeze): later rate changes never move them.
    # NULL while the entry is a draft: drafts are priced live from the rate book.
    billed_seconds: Mapped[int | None] = mapped_column(Integer)
    rate: Mapped[Decimal | None] = mapped_column(Money())
    amount: Mapped[Decimal | None] = mapped_column(Money())
    cost_rate: Mapped[Decimal | None] = mapped_column(Money())
    rate_rule: Mapped[str | None] = mapped_column(String(200))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), index=True)

    person: Mapped[Person] = relationship(lazy="raise")
    project: Mapped[Project] = relationship(lazy="raise")
    task: Mapped[Task | None] = relationship(lazy="raise")
    work_type: Mapped[WorkType | None] = relationship(lazy="raise")


class RunningTimer(Timestamps, Base):
    """At most one per person (unique key), persisted so a restart loses nothing."""

    __tablename__ = "running_timers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), unique=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id"))
    work_type_id: Mapped[int | None] = mapped_column(ForeignKey("work_types.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    billable: Mapped[bool] = mapped_column(Boolean)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Where the timer was started from (slash command, home, modal), for support.
    origin: Mapped[str] = mapped_column(String(32), default="command")

    project: Mapped[Project] = relationship(lazy="raise")
    task: Mapped[Task | None] = relationship(lazy="raise")


class SubmissionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    PARTIAL = "partial"  # closed with some entries approved and some rejected


class Submission(Timestamps, Base):
    """A person's entries of a period, sent to one approver; decided once (see approvals)."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    approver_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[SubmissionStatus] = mapped_column(
        str_enum(SubmissionStatus, "submission_status"), default=SubmissionStatus.PENDING
    )
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    # The approver's DM is the outbox message keyed approval-request:<id>, which records
    # where it went (channel and ts) so the outcome can be written back into it.


class EntryDecision(Base):
    """An entry decided on its own (the menu beside it in the approver's DM): who, when, why.

    The primary key holds an entry to one decision per submission. Entries decided with the
    whole submission (Approve all / Reject…) have no row: the submission's decision is theirs.
    An entry deleted after being sent back takes its row with it; the audit trail keeps the
    history.
    """

    __tablename__ = "entry_decisions"

    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("time_entries.id", ondelete="CASCADE"), primary_key=True)
    outcome: Mapped[EntryStatus] = mapped_column(str_enum(EntryStatus, "decision_outcome"))
    decided_by: Mapped[str] = mapped_column(String(32))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")


class ClosedPeriod(Base):
    """A closed month: no entry dated in it can be created, changed or deleted (triggers)."""

    __tablename__ = "closed_periods"

    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # "YYYY-MM"
    closed_by: Mapped[str] = mapped_column(String(64))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
