"""The outbox's statements: queue a message with the change that causes it, claim due ones,
record what Slack said.

Claims are exclusive: on PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets several senders take
different rows at once; on SQLite the write lock makes the claiming UPDATE one at a time.
A claim is a lease: a sender that dies mid-send leaves the row ``sending`` until the lease
runs out, and the next claim marks it ``uncertain`` (the message may have reached Slack).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, case, func, select, text, update

from storage.db import on_commit
from storage.fast import Prepared, cols, insert_new
from storage.models import OutboxMessage, OutboxStatus
from storage.models.base import UTCDateTime


@dataclass(frozen=True)
class OutboxRow:
    id: int
    key: str
    kind: str
    user_id: str | None
    channel: str | None
    payload: dict[str, Any]
    status: OutboxStatus
    attempts: int
    due_at: datetime
    lease_until: datetime | None
    uncertain: bool
    last_error: str
    ts: str | None
    created_at: datetime
    sent_at: datetime | None


_COLUMNS = cols(OutboxRow, OutboxMessage)
_VALUES = ("key", "kind", "user_id", "channel", "payload", "status", "attempts", "due_at", "uncertain",
           "last_error", "created_at")  # fmt: skip
_INSERT = insert_new(OutboxMessage, _VALUES, (OutboxMessage.key,), OutboxMessage.id)
_M = OutboxMessage
# Two index-friendly sets (ix_outbox_due is status, due_at, id): what falls due, in order,
# and the few claims whose sender stopped.
_PENDING_DUE = (_M.status == OutboxStatus.PENDING) & (_M.due_at <= bindparam("now"))
_LEASE_OVER = (_M.status == OutboxStatus.SENDING) & (_M.lease_until <= bindparam("now"))
_CLAIM_SET = {
    "status": OutboxStatus.SENDING,
    "lease_until": bindparam("lease_until"),
    "attempts": _M.attempts + 1,
    # A row still "sending" when its lease ran out was being sent when its sender stopped.
    "uncertain": case((_M.status == OutboxStatus.SENDING, True), else_=_M.uncertain),
}
_WAKERS: weakref.WeakKeyDictionary[Engine, list[Callable[[], None]]] = weakref.WeakKeyDictionary()
_wakers_lock = threading.Lock()


def on_enqueue(engine: Engine, wake: Callable[[], None]) -> None:
    """Call ``wake`` after every commit that queued a message on this engine (a sender in
    this process then delivers it at once instead of at its next poll)."""
    with _wakers_lock:
        _WAKERS.setdefault(engine, []).append(wake)


def _wake(engine: Engine) -> None:
    for wake in list(_WAKERS.get(engine, ())):
        wake()


def enqueue(
    conn: Connection,
    *,
    key: str,
    kind: str,
    payload: dict[str, Any],
    now: datetime,
    user_id: str | None = None,
    channel: str | None = None,
    due_at: datetime | None = None,
) -> bool:
    """Queue a message in the caller's transaction; False when ``key`` was queued before
    (a retried request or a double click queues it once)."""
    new_id = _INSERT[conn.dialect.name].scalar(conn, {
        "key": key, "kind": kind, "user_id": user_id, "channel": channel, "payload": payload,
        "status": OutboxStatus.PENDING, "attempts": 0, "due_at": due_at or now, "uncertain": False,
        "last_error": "", "created_at": now,
    })  # fmt: skip
    if new_id is None:
        return False
    engine = conn.engine
    on_commit(conn, lambda: _wake(engine))
    return True


def _claim_statement(which: Any, *, postgresql: bool, ids: bool) -> Any:
    due = select(_M.id).where(which)
    if ids:
        due = due.where(_M.id.in_(bindparam("ids", expanding=True)))
    due = due.order_by(_M.due_at, _M.id).limit(bindparam("limit"))
    if postgresql:
        due = due.with_for_update(skip_locked=True)
    return update(_M).where(_M.id.in_(due.scalar_subquery())).values(_CLAIM_SET).returning(*_COLUMNS)


# Built and compiled once: a sender claims every round (bench/outbox_load.py).
_CLAIMS = {
    dialect: tuple(Prepared(_claim_statement(which, postgresql=dialect == "postgresql", ids=False))
                   for which in (_LEASE_OVER, _PENDING_DUE))
    for dialect in ("sqlite", "postgresql")
}  # fmt: skip


def claim(
    conn: Connection, *, now: datetime, lease_until: datetime, limit: int, ids: Iterable[int] | None = None
) -> list[OutboxRow]:
    """Take up to ``limit`` due messages (of ``ids`` only, when given) for sending: first the
    few claims whose sender stopped, then what fell due, oldest first; one UPDATE each over
    an indexed subquery (an OR of the two would scan the table)."""
    found: list[OutboxRow] = []
    postgresql = conn.dialect.name == "postgresql"
    for i, which in enumerate((_LEASE_OVER, _PENDING_DUE)):
        params: dict[str, Any] = {"now": now, "lease_until": lease_until, "limit": limit - len(found)}
        if ids is None:
            rows = _CLAIMS[conn.dialect.name][i].rows(conn, params)
        else:  # a command delivering its own messages: rare, an expanding IN
            statement = _claim_statement(which, postgresql=postgresql, ids=True)
            rows = [tuple(r) for r in conn.execute(statement, {**params, "ids": list(ids)})]
        found += [OutboxRow(*r) for r in rows]
        if len(found) >= limit:
            break
    return sorted(found, key=lambda r: (r.due_at, r.id))


_SENT_PG = text(
    "UPDATE outbox SET status = 'sent', channel = v.channel, ts = v.ts, sent_at = :now, lease_until = NULL, "
    "uncertain = false, last_error = '' FROM unnest(CAST(:ids AS INTEGER[]), CAST(:channels AS VARCHAR[]), "
    "CAST(:tss AS VARCHAR[])) AS v(id, channel, ts) WHERE outbox.id = v.id"
).bindparams(bindparam("now", type_=UTCDateTime))


def record_sent(
    conn: Connection, outcomes: list[tuple[int, str | None, str | None]], *, now: datetime
) -> None:
    """Slack accepted these: (id, channel, ts) each. One statement on PostgreSQL (a round
    trip per row cost more than the rows)."""
    if not outcomes:
        return
    if conn.dialect.name == "postgresql":
        ids, channels, tss = (list(column) for column in zip(*outcomes, strict=True))
        conn.execute(_SENT_PG, {"ids": ids, "channels": channels, "tss": tss, "now": now})
        return
    conn.execute(
        update(_M)
        .where(_M.id == bindparam("b_id"))
        .values(
            status=OutboxStatus.SENT,
            channel=bindparam("b_channel"),
            ts=bindparam("b_ts"),
            sent_at=now,
            lease_until=None,
            uncertain=False,
            last_error="",
        ),  # fmt: skip
        [{"b_id": i, "b_channel": c, "b_ts": t} for i, c, t in outcomes],
    )


def record_retry(
    conn: Connection, row_id: int, *, error: str, due_at: datetime, uncertain: bool, count: bool = True
) -> None:
    """Try again at ``due_at``; ``count=False`` for a try that does not count (a 429)."""
    values: dict[str, Any] = {"status": OutboxStatus.PENDING, "due_at": due_at, "lease_until": None,
                              "uncertain": uncertain, "last_error": error[:2000]}  # fmt: skip
    if not count:
        values["attempts"] = func.max(_M.attempts - 1, 0) if conn.dialect.name == "sqlite" else func.greatest(
            _M.attempts - 1, 0)  # fmt: skip
    conn.execute(update(_M).where(_M.id == row_id).values(values))


def record_final(conn: Connection, row_id: int, *, status: OutboxStatus, error: str) -> None:
    """Failed for good (``FAILED``) or nothing to send any more (``SKIPPED``)."""
    conn.execute(
        update(_M).where(_M.id == row_id).values(status=status, lease_until=None, last_error=error[:2000])
    )


def set_channel(conn: Connection, row_id: int, channel: str) -> None:
    conn.execute(update(_M).where(_M.id == row_id).values(channel=channel))


def by_key(conn: Connection, key: str) -> OutboxRow | None:
    row = conn.execute(select(*_COLUMNS).where(_M.key == key)).first()
    return OutboxRow(*row) if row else None


def existing_keys(conn: Connection, keys: Iterable[str]) -> set[str]:
    """Which of these keys were queued before (by the unique index, a thousand at a time)."""
    wanted, found = list(keys), set()
    for i in range(0, len(wanted), 1000):
        found |= set(conn.execute(select(_M.key).where(_M.key.in_(wanted[i : i + 1000]))).scalars())
    return found


def by_keys(conn: Connection, keys: Iterable[str]) -> list[OutboxRow]:
    """The rows of these keys that exist (by the unique index, a thousand at a time)."""
    wanted, found = sorted(set(keys)), []
    statement = select(*_COLUMNS).where(_M.key.in_(bindparam("keys", expanding=True)))
    for i in range(0, len(wanted), 1000):
        found += [OutboxRow(*r) for r in conn.execute(statement, {"keys": wanted[i : i + 1000]})]
    return found


def by_ids(conn: Connection, ids: Iterable[int]) -> list[OutboxRow]:
    found = conn.execute(select(*_COLUMNS).where(_M.id.in_(list(ids))).order_by(_M.id))
    return [OutboxRow(*r) for r in found]


def listing(conn: Connection, *, failed_only: bool = False, limit: int = 200) -> list[OutboxRow]:
    """The newest messages first (failed ones only, if asked)."""
    statement = select(*_COLUMNS).order_by(_M.id.desc()).limit(limit)
    if failed_only:
        statement = statement.where(_M.status == OutboxStatus.FAILED)
    return [OutboxRow(*r) for r in conn.execute(statement)]


def requeue(conn: Connection, *, now: datetime, ids: list[int] | None = None) -> list[int]:
    """Failed messages (these ``ids``, or every failed one) due again now, their attempts
    counted afresh; the ids re-queued."""
    statement = update(_M).where(_M.status == OutboxStatus.FAILED)
    if ids is not None:
        statement = statement.where(_M.id.in_(ids))
    statement = statement.values(status=OutboxStatus.PENDING, attempts=0, due_at=now, lease_until=None)
    return sorted(conn.execute(statement.returning(_M.id)).scalars())


def counts(conn: Connection) -> dict[str, int]:
    """How many messages there are in each status."""
    found = conn.execute(select(_M.status, func.count()).group_by(_M.status))
    return {str(getattr(status, "value", status)): int(n) for status, n in found}


def synchronous_commit_off(conn: Connection) -> None:
    """PostgreSQL: this transaction's commit need not wait for the disk. For recording
    outcomes only: a record lost in a crash leaves its row claimed, and the next claim
    looks for the message in Slack before sending it again."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET LOCAL synchronous_commit = off"))
