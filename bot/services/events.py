"""Consuming entry changes: each consumer reads the audit trail's records after its position,
handles them and moves its position in one transaction, so none is missed or handled twice
across restarts and processes (two processes take turns: the position row is locked)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Connection

from storage import events
from storage.events import EntryEvent

Handler = Callable[[Connection, list[EntryEvent], datetime], None]


def consume(
    conn: Connection,
    consumer: str,
    handle: Handler,
    *,
    now: datetime,
    limit: int = 500,
    from_start: bool = False,
) -> int:
    """Hand the consumer the changes after its position (at most ``limit``), in commit
    order; how many. ``handle`` writes what it decides (outbox messages, markers) in
    ``conn``: it commits with the new position, or neither does."""
    position = events.claim_position(conn, consumer, now=now, from_start=from_start)
    found = events.events_after(conn, position, limit=limit)
    if not found:
        return 0
    handle(conn, found, now)
    events.advance(conn, consumer, found[-1].position, now=now)
    return len(found)


def ensure_position(conn: Connection, consumer: str, *, now: datetime) -> None:
    """Give a consumer seen for the first time its position: after what is there now."""
    events.claim_position(conn, consumer, now=now, from_start=False)
