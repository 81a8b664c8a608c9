"""The audit trail: appending records (in the transaction of the change) and reading them back.

Records are never changed (triggers refuse it). Each record of a change to an entry is also
that change as an event: which person, project and task, the seconds before and after.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, text

from storage.entries import EntryRow
from storage.events import changed
from storage.fast import Prepared, cols
from storage.models import AuditRecord
from storage.models.base import UTCDateTime


@dataclass(frozen=True)
class AuditRow:
    id: int
    entry_id: int | None
    actor: str
    at: datetime
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    comment: str


_VALUES = ("entry_id", "actor", "at", "action", "before", "after", "comment", "person_id", "project_id",
           "task_id", "seconds_before", "seconds_after")  # fmt: skip
_INSERT_ONE = Prepared(insert(AuditRecord).values({n: bindparam(n) for n in _VALUES}))
_COLUMNS = cols(AuditRow, AuditRecord)
_HISTORY = select(*_COLUMNS).where(AuditRecord.entry_id == bindparam("entry_id")).order_by(AuditRecord.id)
_BETWEEN = (
    select(*_COLUMNS)
    .where(AuditRecord.at >= bindparam("start"), AuditRecord.at < bindparam("end"))
    .order_by(AuditRecord.id)
)
# What a snapshot keeps of an entry: its content and state, not its bookkeeping.
_SNAPSHOT_FIELDS = tuple(f.name for f in fields(EntryRow) if f.name != "updated_at")


def snapshot(entry: EntryRow) -> dict[str, Any]:
    """An entry as the trail keeps it: plain JSON values (EntryRow's fields are flat, so no
    ``dataclasses.asdict``, which deep-copies and cost half of a record on the stop path)."""
    out: dict[str, Any] = {}
    for name in _SNAPSHOT_FIELDS:
        value = getattr(entry, name)
        plain = value.isoformat() if isinstance(value, date | datetime) else getattr(value, "value", value)
        out[name] = plain
    return out


def record(
    conn: Connection,
    *,
    entry_id: int | None,
    actor: str,
    action: str,
    now: datetime,
    before: EntryRow | None = None,
    after: EntryRow | None = None,
    comment: str = "",
    subject: EntryRow | None = None,
) -> None:
    """Append one record, in the caller's transaction: the change and its record commit
    together. ``subject``: the entry a record without snapshots is about (its event columns)."""
    about = after or before or subject
    was, now_is = before or subject, after or subject
    _INSERT_ONE.run(conn, {
        "entry_id": entry_id, "actor": actor, "at": now, "action": action, "comment": comment,
        "before": snapshot(before) if before else None, "after": snapshot(after) if after else None,
        "person_id": about.person_id if about else None, "project_id": about.project_id if about else None,
        "task_id": about.task_id if about else None,
        "seconds_before": was.duration_seconds if was else None,
        "seconds_after": now_is.duration_seconds if now_is else None,
    })  # fmt: skip
    if about is not None:
        changed(conn)


# One statement for many entries that share everything but their id: approving or rejecting a
# whole submission. The ids go in as one array (PostgreSQL) or one JSON list (SQLite), not as
# 500 rows of parameters, which cost more to bind than to insert (bench/approval_load.py).
# before/after are JSON null, as record() stores them; the event columns come from the entry.
_EACH = {
    "postgresql": "SELECT e.id, :actor, :at, :action, CAST('null' AS JSON), CAST('null' AS JSON), :comment, "
    "e.person_id, e.project_id, e.task_id, e.duration_seconds, e.duration_seconds "
    "FROM time_entries e WHERE e.id = ANY(CAST(:ids AS INTEGER[]))",
    "sqlite": "SELECT e.id, :actor, :at, :action, 'null', 'null', :comment, e.person_id, e.project_id, "
    "e.task_id, e.duration_seconds, e.duration_seconds FROM time_entries e "
    "WHERE e.id IN (SELECT value FROM json_each(:ids))",
}


def record_each(
    conn: Connection, entry_ids: list[int], *, actor: str, action: str, now: datetime, comment: str = ""
) -> None:
    """Append one record per entry, alike but for the entry, in one statement."""
    if not entry_ids:
        return
    statement = text(
        "INSERT INTO audit_log (entry_id, actor, at, action, before, after, comment, person_id, project_id, "
        "task_id, seconds_before, seconds_after) " + _EACH[conn.dialect.name]
    ).bindparams(bindparam("at", type_=UTCDateTime))
    ids: Any = entry_ids if conn.dialect.name == "postgresql" else json.dumps(entry_ids)
    conn.execute(statement, {"ids": ids, "actor": actor, "at": now, "action": action, "comment": comment})
    changed(conn)


def history(conn: Connection, entry_id: int) -> list[AuditRow]:
    return [AuditRow(*r) for r in conn.execute(_HISTORY, {"entry_id": entry_id})]


def between(conn: Connection, first: date, last: date) -> Iterator[AuditRow]:
    """Records made from ``first`` to ``last`` inclusive (UTC days)."""
    start = datetime.combine(first, time.min, tzinfo=UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC)
    for row in conn.execute(_BETWEEN, {"start": start, "end": end}):
        yield AuditRow(*row)
