"""Month-end close: a closed month's entries can't be created, changed or deleted.

The database enforces it (triggers, migration 0009); this module gives people a clear
answer before they hit that wall, and records closing and reopening in the audit trail.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import Connection, delete, insert, select

from bot.errors import UserError
from bot.services import audit
from storage.models import ClosedPeriod

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _month(text: str) -> str:
    if not MONTH.match(text):
        raise UserError(f"{text!r} is not a month; write it as YYYY-MM, e.g. 2026-10")
    return text


def is_closed(conn: Connection, day: date) -> bool:
    month = day.strftime("%Y-%m")
    return conn.execute(select(ClosedPeriod.month).where(ClosedPeriod.month == month)).first() is not None


def ensure_open(conn: Connection, *days: date) -> None:
    for day in days:
        if is_closed(conn, day):
            raise UserError(f"{day:%B %Y} is closed, so its time can't change; an admin can reopen it.")


def close(conn: Connection, month: str, *, actor: str, reason: str, now: datetime) -> None:
    month = _month(month)
    if conn.execute(select(ClosedPeriod.month).where(ClosedPeriod.month == month)).first() is not None:
        raise UserError(f"{month} is already closed.")
    conn.execute(insert(ClosedPeriod).values(month=month, closed_by=actor, closed_at=now, reason=reason))
    audit.record(
        conn, entry_id=None, actor=actor, action="close", now=now, comment=f"{month} {reason}".strip()
    )


def reopen(conn: Connection, month: str, *, actor: str, reason: str, now: datetime) -> None:
    month = _month(month)
    if not reason.strip():
        raise UserError("Reopening a closed month needs a reason (--reason).")
    gone = conn.execute(delete(ClosedPeriod).where(ClosedPeriod.month == month)).rowcount
    if gone != 1:
        raise UserError(f"{month} is not closed.")
    audit.record(
        conn, entry_id=None, actor=actor, action="reopen", now=now, comment=f"{month} {reason}".strip()
    )
