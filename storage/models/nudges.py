"""What nudges and alerts keep: a person's time off, and where each budget stands against
its alert thresholds."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import Base, Timestamps, UTCDateTime


class TimeOff(Timestamps, Base):
    """A day off: the whole day (``seconds`` None: nothing is expected) or part of it (the
    day expects that much less)."""

    __tablename__ = "time_off"
    __table_args__ = (
        UniqueConstraint("person_id", "date", name="uq_time_off_person_date"),
        Index("ix_time_off_date", "date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    date: Mapped[date] = mapped_column(Date)
    seconds: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="", server_default="")


class BudgetMark(Base):
    """A budget (``project:<id>`` or ``task:<id>``) in a period (``total`` or ``YYYY-MM``) at
    one threshold (percent): ``above`` while consumption is at or past it; ``crossings``
    counts the times it went past, and names the alert each crossing queues."""

    __tablename__ = "budget_marks"

    subject: Mapped[str] = mapped_column(String(40), primary_key=True)
    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    threshold: Mapped[int] = mapped_column(Integer, primary_key=True)
    above: Mapped[bool] = mapped_column(Boolean)
    crossings: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
