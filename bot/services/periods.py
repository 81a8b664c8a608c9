"""Month-end close: a closed month's entries can't be created, changed or deleted.

The database enforces it (triggers, migration 0009); the entries service gives people a
clear answer before they hit that wall. Closing and reopening are recorded in the audit trail.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import Connection

from bot.errors import Refused
from storage import audit, periods

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _month(text: str) -> str:
    if not MONTH.match(text):
        raise Refused("not_a_month", text=text)
    return text


def close(conn: Connection, month: str, *, actor: str, reason: str, now: datetime) -> None:
    month = _month(month)
    if periods.is_closed(conn, month):
        raise Refused("month_already_closed", month=month)
    periods.close(conn, month, actor=actor, reason=reason, now=now)
    audit.record(
        conn, entry_id=None, actor=actor, action="close", now=now, comment=f"{month} {reason}".strip()
    )


def reopen(conn: Connection, month: str, *, actor: str, reason: str, now: datetime) -> None:
    month = _month(month)
    if not reason.strip():
        raise Refused("month_reason_needed")
    if not periods.reopen(conn, month):
        raise Refused("month_not_closed", month=month)
    audit.record(
        conn, entry_id=None, actor=actor, action="reopen", now=now, comment=f"{month} {reason}".strip()
    )
