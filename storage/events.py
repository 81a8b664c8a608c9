"""Entry-change events: the audit trail read in commit order from a consumer's position.

On SQLite one writer commits at a time, so records commit in id order and ``id`` alone is a
position. On PostgreSQL ids are handed out when rows are written, not when they commit: a
record with a lower id can become visible after one with a higher id was read. There each
record carries the id of the transaction that wrote it (``txid``, migration 0013), and a
consumer reads only records of transactions older than every transaction still running
(``pg_snapshot_xmin``), ordered by (txid, id): once readable, nothing can appear before them.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, text, update
from sqlalchemy.dialects import postgresql as postgresql_dialect
from sqlalchemy.dialects import sqlite as sqlite_dialect

from storage.db import on_commit
from storage.models import EventPosition
from storage.models.base import UTCDateTime

_WAKERS: weakref.WeakKeyDictionary[Engine, list[Callable[[], None]]] = weakref.WeakKeyDictionary()
_wakers_lock = threading.Lock()


def on_change(engine: Engine, wake: Callable[[], None]) -> Callable[[], None]:
    """Call ``wake`` after every commit on this engine that recorded entry changes (the
    consumers in this process then read them at once instead of at their next poll); what
    to call to stop."""
    with _wakers_lock:
        _WAKERS.setdefault(engine, []).append(wake)

    def stop() -> None:
        with _wakers_lock:
            wakers = _WAKERS.get(engine, [])
            if wake in wakers:
                wakers.remove(wake)

    return stop


def _wake(engine: Engine) -> None:
    for wake in list(_WAKERS.get(engine, ())):
        wake()


def changed(conn: Connection) -> None:
    """Entry changes were recorded in this transaction: wake the consumers once it commits.
    On the hot path: one append to the unit of work's list."""
    engine = conn.engine
    on_commit(conn, lambda: _wake(engine))


@dataclass(frozen=True)
class EntryEvent:
    id: int
    txid: int  # 0 on SQLite
    entry_id: int | None
    actor: str
    at: datetime
    action: str
    person_id: int | None
    project_id: int | None
    task_id: int | None
    seconds_before: int | None
    seconds_after: int | None

    @property
    def position(self) -> tuple[int, int]:
        return self.txid, self.id


_FIELDS = (
    "id, {txid}, entry_id, actor, at, action, person_id, project_id, task_id, seconds_before, seconds_after"
)
_AFTER = {
    "postgresql": text(
        f"SELECT {_FIELDS.format(txid='CAST(CAST(txid AS TEXT) AS BIGINT)')} FROM audit_log "
        "WHERE (txid, id) > (CAST(CAST(:txid AS TEXT) AS xid8), :last_id) "
        "AND txid < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY txid, id LIMIT :limit"
    ),
    "sqlite": text(
        f"SELECT {_FIELDS.format(txid='0')} FROM audit_log WHERE id > :last_id ORDER BY id LIMIT :limit"
    ),
}
_END = {
    "postgresql": text(
        "SELECT CAST(CAST(txid AS TEXT) AS BIGINT), id FROM audit_log "
        "WHERE txid < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY txid DESC, id DESC LIMIT 1"
    ),
    "sqlite": text("SELECT 0, id FROM audit_log ORDER BY id DESC LIMIT 1"),
}
_LOCK = {
    "postgresql": text("SELECT txid, last_id FROM event_positions WHERE consumer = :c FOR UPDATE"),
    "sqlite": text("SELECT txid, last_id FROM event_positions WHERE consumer = :c"),
}
_INSERT_POSITION = {
    name: module.insert(EventPosition).on_conflict_do_nothing(index_elements=[EventPosition.consumer])
    for name, module in (("sqlite", sqlite_dialect), ("postgresql", postgresql_dialect))
}


def claim_position(conn: Connection, consumer: str, *, now: datetime, from_start: bool) -> tuple[int, int]:
    """The consumer's position, locked until the transaction ends (two processes take turns
    consuming). A consumer seen for the first time starts at the beginning of the trail or,
    unless ``from_start``, after what is there now."""
    found = conn.execute(_LOCK[conn.dialect.name], {"c": consumer}).first()
    if found is None:
        start = (0, 0) if from_start else tuple(conn.execute(_END[conn.dialect.name]).first() or (0, 0))
        conn.execute(
            _INSERT_POSITION[conn.dialect.name].values(
                consumer=consumer, txid=start[0], last_id=start[1], updated_at=now
            )
        )
        found = conn.execute(_LOCK[conn.dialect.name], {"c": consumer}).first()
    assert found is not None
    return int(found[0]), int(found[1])


def events_after(conn: Connection, position: tuple[int, int], *, limit: int) -> list[EntryEvent]:
    params = {"txid": position[0], "last_id": position[1], "limit": limit}
    return [_event(tuple(row)) for row in conn.execute(_AFTER[conn.dialect.name], params)]


_AT = UTCDateTime()


def _event(row: tuple[object, ...]) -> EntryEvent:
    values = list(row)
    if isinstance(values[4], str):  # SQLite's text: a text() select does not know the column's type
        values[4] = _AT.process_result_value(datetime.fromisoformat(values[4]), None)  # type: ignore[arg-type]
    return EntryEvent(*values)  # type: ignore[arg-type]


def advance(conn: Connection, consumer: str, position: tuple[int, int], *, now: datetime) -> None:
    conn.execute(
        update(EventPosition)
        .where(EventPosition.consumer == consumer)
        .values(txid=position[0], last_id=position[1], updated_at=now)
    )
