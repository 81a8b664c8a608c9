"""Time off: the days a person is off, whole (``seconds`` None) or in part. One row per
person and day; recording a day again replaces it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects import postgresql, sqlite

from storage.fast import cols
from storage.models import TimeOff


@dataclass(frozen=True)
class TimeOffRow:
    person_id: int
    date: date
    seconds: int | None  # None: the whole day
    reason: str


_COLUMNS = cols(TimeOffRow, TimeOff)


def record(
    conn: Connection, *, person_id: int, day: date, seconds: int | None, reason: str, now: datetime
) -> bool:
    """The day off, replacing what was recorded for it; True when that changed anything."""
    before = conn.execute(
        select(*_COLUMNS).where(TimeOff.person_id == person_id, TimeOff.date == day)
    ).first()
    if before is not None and TimeOffRow(*before) == TimeOffRow(person_id, day, seconds, reason):
        return False
    values: dict[str, Any] = {"person_id": person_id, "date": day, "seconds": seconds, "reason": reason,
                              "created_at": now, "updated_at": now}  # fmt: skip
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(TimeOff).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=[TimeOff.person_id, TimeOff.date],
        set_={"seconds": seconds, "reason": reason, "updated_at": now},
    )
    conn.execute(statement)
    return True


def remove(conn: Connection, *, person_id: int, day: date) -> bool:
    return bool(
        conn.execute(delete(TimeOff).where(TimeOff.person_id == person_id, TimeOff.date == day)).rowcount
    )


def of_person(conn: Connection, person_id: int, first: date, last: date) -> dict[date, TimeOffRow]:
    found = conn.execute(
        select(*_COLUMNS).where(TimeOff.person_id == person_id, TimeOff.date.between(first, last))
    )
    return {row.date: row for row in (TimeOffRow(*r) for r in found)}


def between(conn: Connection, first: date, last: date) -> list[TimeOffRow]:
    """Everyone's days off from ``first`` to ``last`` (one indexed range read)."""
    found = conn.execute(select(*_COLUMNS).where(TimeOff.date.between(first, last)))
    return [TimeOffRow(*r) for r in found]
