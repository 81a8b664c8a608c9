"""Appending to the audit trail, and reading it back. Records are never changed."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import fields
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TextIO

from sqlalchemy import Connection, bindparam, insert, select, text

from storage.fast import Prepared
from storage.models import AuditRecord
from storage.models.base import UTCDateTime
from storage.rows import EntryRow

_INSERT_ONE = Prepared(
    insert(AuditRecord).values(
        {n: bindparam(n) for n in ("entry_id", "actor", "at", "action", "before", "after", "comment")}
    )
)
_FIELDS = (AuditRecord.id, AuditRecord.entry_id, AuditRecord.actor, AuditRecord.at, AuditRecord.action,
           AuditRecord.before, AuditRecord.after, AuditRecord.comment)  # fmt: skip
_HISTORY = select(*_FIELDS).where(AuditRecord.entry_id == bindparam("entry_id")).order_by(AuditRecord.id)
_BETWEEN = (
    select(*_FIELDS)
    .where(AuditRecord.at >= bindparam("start"), AuditRecord.at < bindparam("end"))
    .order_by(AuditRecord.id)
)
CSV_HEADER = ["id", "entry_id", "actor", "at", "action", "before", "after", "comment"]


_SNAPSHOT_FIELDS = tuple(f.name for f in fields(EntryRow))


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
) -> None:
    """Append one record, in the caller's transaction: the change and its record commit together."""
    _INSERT_ONE.run(conn, {
        "entry_id": entry_id, "actor": actor, "at": now, "action": action, "comment": comment,
        "before": snapshot(before) if before else None, "after": snapshot(after) if after else None,
    })  # fmt: skip


# One statement for many entries that share everything but their id: approving or rejecting a
# whole submission. The ids go in as one array (PostgreSQL) or one JSON list (SQLite), not as
# 500 rows of parameters, which cost more to bind than to insert (bench/approval_load.py).
# before/after are JSON null, as record() stores them.
_EACH = {
    "postgresql": "SELECT unnest(CAST(:ids AS INTEGER[])), :actor, :at, :action, "
    "CAST('null' AS JSON), CAST('null' AS JSON), :comment",
    "sqlite": "SELECT value, :actor, :at, :action, 'null', 'null', :comment FROM json_each(:ids)",
}


def record_each(
    conn: Connection, entry_ids: list[int], *, actor: str, action: str, now: datetime, comment: str = ""
) -> None:
    """Append one record per entry, alike but for the entry, in one statement."""
    if not entry_ids:
        return
    statement = text(
        "INSERT INTO audit_log (entry_id, actor, at, action, before, after, comment) "
        + _EACH[conn.dialect.name]  # the two databases Punchcard runs on
    ).bindparams(bindparam("at", type_=UTCDateTime))
    ids: Any = entry_ids if conn.dialect.name == "postgresql" else json.dumps(entry_ids)
    conn.execute(statement, {"ids": ids, "actor": actor, "at": now, "action": action, "comment": comment})


def history(conn: Connection, entry_id: int) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in conn.execute(_HISTORY, {"entry_id": entry_id})]


def between(conn: Connection, first: date, last: date) -> Iterator[tuple[Any, ...]]:
    """Records made from ``first`` to ``last`` inclusive (UTC days)."""
    start = datetime.combine(first, time.min, tzinfo=UTC)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC)
    for row in conn.execute(_BETWEEN, {"start": start, "end": end}):
        yield tuple(row)


def render(rows: list[tuple[Any, ...]]) -> str:
    if not rows:
        return "No changes recorded."
    lines = []
    for _id, _entry, actor, at, action, before, after, comment in rows:
        change = ""
        if before and after:
            diffs = [
                f"{k}: {before.get(k)!r} → {after.get(k)!r}" for k in after if before.get(k) != after.get(k)
            ]
            change = "; ".join(d for d in diffs if not d.startswith("status"))  # status shows in the action
        line = f"{at:%Y-%m-%d %H:%M} UTC  {action:<8} by {actor}"
        if change:
            line += f"  ({change})"
        if comment:
            line += f"  “{comment}”"
        lines.append(line)
    return "\n".join(lines)


def write_csv(out: TextIO, rows: Iterator[tuple[Any, ...]]) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for rid, entry_id, actor, at, action, before, after, comment in rows:
        before_text = json.dumps(before) if before else ""
        after_text = json.dumps(after) if after else ""
        writer.writerow(
            [rid, entry_id or "", actor, at.isoformat(), action, before_text, after_text, comment]
        )
