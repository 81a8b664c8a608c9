"""Entry changes are events: each change records, in its own transaction, what changed; a
consumer reads them after its position, each once, across restarts and processes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from bot.services import events
from storage.db import Database
from storage.events import EntryEvent
from tests.unit.test_timers import run

NOW = datetime(2026, 11, 17, 15, 0, tzinfo=UTC)


def collect(db: Database, consumer: str, seen: list[EntryEvent], *, from_start: bool = True) -> int:
    def handle(_conn: Connection, found: list[EntryEvent], _now: datetime) -> None:
        seen.extend(found)

    with db.transaction() as conn:
        return events.consume(conn, consumer, handle, now=NOW, from_start=from_start)


def test_each_change_says_what_changed_and_by_whom(firm: None, db: Database) -> None:
    run(db, "start acme Design wireframes", NOW)
    run(db, "stop", NOW + timedelta(minutes=90))
    run(db, "log 1h acme Build footer", NOW)
    seen: list[EntryEvent] = []
    assert collect(db, "test", seen) == 2
    stopped, logged = seen
    assert (stopped.action, stopped.actor, stopped.seconds_before, stopped.seconds_after) == (
        "create", "U0MEMBER", None, 5400)  # fmt: skip
    assert stopped.project_id is not None and stopped.task_id is not None and stopped.person_id is not None
    assert (logged.seconds_after, logged.task_id != stopped.task_id) == (3600, True)
    assert collect(db, "test", seen) == 0  # read once


def test_a_consumer_resumes_from_its_position_and_a_failed_handling_is_handed_again(
    firm: None, db: Database
) -> None:
    run(db, "log 1h acme Build one", NOW)
    first: list[EntryEvent] = []
    collect(db, "budget", first)
    run(db, "log 2h acme Build two", NOW)

    def fail(_conn: Connection, _found: list[EntryEvent], _now: datetime) -> None:
        raise RuntimeError("the alert could not be queued")

    try:
        with db.transaction() as conn:
            events.consume(conn, "budget", fail, now=NOW)
    except RuntimeError:
        pass
    again: list[EntryEvent] = []
    collect(db, "budget", again)  # a new process, the same position
    assert [e.seconds_after for e in first] == [3600] and [e.seconds_after for e in again] == [7200]


def test_a_new_consumer_can_start_after_what_is_there(firm: None, db: Database) -> None:
    run(db, "log 1h acme Build old", NOW)
    seen: list[EntryEvent] = []
    assert collect(db, "late", seen, from_start=False) == 0
    run(db, "log 1h acme Build new", NOW)
    assert collect(db, "late", seen, from_start=False) == 1 and seen[0].seconds_after == 3600


def test_two_consumers_of_one_name_take_turns_and_see_each_change_once(firm: None, db: Database) -> None:
    for i in range(20):
        run(db, f"log 1h acme Build item {i}", NOW)
    seen: list[EntryEvent] = []
    lock = threading.Lock()

    def handle(_conn: Connection, found: list[EntryEvent], _now: datetime) -> None:
        with lock:
            seen.extend(found)

    def drain() -> None:
        while True:
            with db.transaction() as conn:
                if not events.consume(conn, "shared", handle, now=NOW, limit=3, from_start=True):
                    return

    threads = [threading.Thread(target=drain) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(e.id for e in seen) == sorted({e.id for e in seen}) and len(seen) == 20


def test_on_postgresql_a_change_committed_late_is_not_skipped(firm: None, db: Database, engine: Any) -> None:
    """A record with a lower id may commit after one with a higher id was read: the consumer
    reads only what no running transaction can still add to."""
    if engine.dialect.name != "postgresql":
        return  # SQLite commits one writer at a time, in id order
    from sqlalchemy import text

    run(db, "log 1h acme Build before", NOW)
    seen: list[EntryEvent] = []
    collect(db, "pg", seen)
    slow = engine.connect()
    tx = slow.begin()
    slow.execute(text("INSERT INTO audit_log (entry_id, actor, at, action, comment) "
                      "VALUES (NULL, 'slow', now(), 'note', 'written first, committed last')"))  # fmt: skip
    run(db, "log 1h acme Build after", NOW)  # a higher id, committed first
    collect(db, "pg", seen)
    assert [e.actor for e in seen] == ["U0MEMBER"]  # "after" waits behind the open transaction
    tx.commit()
    slow.close()
    collect(db, "pg", seen)
    assert [e.actor for e in seen] == ["U0MEMBER", "slow", "U0MEMBER"]
