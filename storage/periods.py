"""Closed months: no entry dated in one can be created, changed or deleted (the database's
triggers enforce it; the entries service answers first, with the month named)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Connection, bindparam, delete, insert, select

from storage.fast import Prepared
from storage.models import ClosedPeriod

# One or two months per change (an entry's old and new day): one IN list of literals.
_ONE = Prepared(select(ClosedPeriod.month).where(ClosedPeriod.month == bindparam("month")))


def closed_among(conn: Connection, *days: date) -> set[str]:
    """Which of the months of these days ("YYYY-MM") are closed."""
    months = {d.strftime("%Y-%m") for d in days}
    return {m for m in months if _ONE.first(conn, {"month": m}) is not None}


def is_closed(conn: Connection, month: str) -> bool:
    return conn.execute(select(ClosedPeriod.month).where(ClosedPeriod.month == month)).first() is not None


def close(conn: Connection, month: str, *, actor: str, reason: str, now: datetime) -> None:
    conn.execute(insert(ClosedPeriod).values(month=month, closed_by=actor, closed_at=now, reason=reason))


def reopen(conn: Connection, month: str) -> bool:
    """True when the month was closed."""
    return conn.execute(delete(ClosedPeriod).where(ClosedPeriod.month == month)).rowcount == 1
