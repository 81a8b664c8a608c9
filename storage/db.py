"""Engine and session set-up. Only the app and the CLI create engines; services get sessions."""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)

# Execution option: begin a read-only transaction (plain BEGIN on SQLite).
READ_ONLY = "punchcard_read_only"
_WRITE_LOCKS: weakref.WeakKeyDictionary[Any, threading.Lock] = weakref.WeakKeyDictionary()
AUTOCHECKPOINT_PAGES = 10_000  # 40 MB of WAL at 4 KB pages
CHECKPOINT_SECONDS = 1.0


def normalize_url(url: str) -> str:
    """Accept the URLs people paste (``postgres://``, ``postgresql://``) and use psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalize_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=20,
            max_overflow=20,
            **kwargs,
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=True, **kwargs)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so that we can BEGIN IMMEDIATE below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # Checkpoints copy the WAL back into the database file; run by a committing
        # request they stall it for milliseconds. `serve` checkpoints on a thread of its own
        # (start_checkpoints); this larger threshold is only the safety net.
        cursor.execute(f"PRAGMA wal_autocheckpoint={AUTOCHECKPOINT_PAGES}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front: a deferred transaction that later upgrades to a
        # write fails with "database is locked" instead of waiting when another writer won.
        # Read-only scopes begin deferred: in WAL mode readers never wait for writers.
        # Straight on the driver: this runs for every transaction, and the statement needs
        # none of the execution machinery.
        begin = "BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE"
        conn.connection.dbapi_connection.execute(begin)

    # One writer at a time in this process, queued on a Python lock that wakes the next
    # writer at once; SQLite's own busy handler sleeps up to 100 ms between tries, which is
    # where the tail latency of concurrent writers came from.
    _WRITE_LOCKS[engine] = threading.Lock()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session], *, read_only: bool = False) -> Iterator[Session]:
    """The request or job boundary: commit on success, roll back on any error.

    ``read_only`` scopes never write; on SQLite they run beside writers instead of queueing.
    """
    batch = _open_batch(factory.kw.get("bind"))
    if batch is not None:  # joins the group transaction (the write lock is the batch's)
        with batch.savepoint(), Session(bind=batch.conn, expire_on_commit=False,
                                        join_transaction_mode="create_savepoint") as session:  # fmt: skip
            yield session
            session.commit()
        return
    lock = None if read_only else _WRITE_LOCKS.get(factory.kw.get("bind"))
    with lock if lock is not None else nullcontext():
        session = factory()
        try:
            if read_only:
                session.connection(execution_options={READ_ONLY: True})
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


@contextmanager
def write_scope(factory: sessionmaker[Session]) -> Iterator[Connection]:
    """A write transaction on a bare Connection (the request hot path: no ORM session)."""
    engine = factory.kw["bind"]
    lock = _WRITE_LOCKS.get(engine)
    if lock is None:
        with engine.begin() as conn:
            yield conn
        return
    batch = _open_batch(engine)
    if batch is not None:
        with batch.savepoint():
            yield batch.conn
        return
    with lock:
        conn = _thread_connection(engine)
        try:
            with conn.begin():
                yield conn
        except BaseException:
            _end_open_transaction(conn)
            raise


_local = threading.local()


def _end_open_transaction(conn: Connection) -> None:
    """A COMMIT that failed on a deferred constraint leaves SQLite's transaction open, and
    SQLAlchemy, which counts it as ended, would not roll it back: a connection the thread
    keeps must not carry it into its next scope."""
    raw: Any = conn.connection.dbapi_connection
    if raw is not None and raw.in_transaction:
        raw.execute("ROLLBACK")


class BatchFailed(Exception):
    """The group transaction a write scope joined can no longer commit."""


class WriteBatch:
    """Group commit on SQLite: the write scopes a thread opens while this is open share one
    transaction, each in a savepoint of its own, so one that fails rolls back alone, and
    the batch commits once. One COMMIT (one WAL append of the pages they share) instead of
    one per request. ``failed`` is set when the batch could not commit: nothing in it was
    saved. Work registered with :func:`after_commit` runs once it has committed."""

    def __init__(self, engine: Engine, conn: Connection) -> None:
        self.engine = engine
        self.conn = conn
        self.failed = False
        self._raw: Any = conn.connection.dbapi_connection
        self._committed: list[Callable[[], None]] = []

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        if self.failed:
            raise BatchFailed("an earlier failure rolled the batch back")
        raw = self._raw
        raw.execute("SAVEPOINT punchcard_scope")
        try:
            yield
        except BaseException:
            try:
                raw.execute("ROLLBACK TO punchcard_scope")
                raw.execute("RELEASE punchcard_scope")
            except Exception:  # SQLite rolled the whole transaction back (I/O error, full disk)
                logger.exception("write batch: savepoint rollback failed")
                self.failed = True
            raise
        raw.execute("RELEASE punchcard_scope")


def _open_batch(engine: Engine | None) -> WriteBatch | None:
    batch: WriteBatch | None = getattr(_local, "batch", None)
    return batch if batch is not None and batch.engine is engine else None


@contextmanager
def write_batch(factory: sessionmaker[Session]) -> Iterator[WriteBatch | None]:
    """Open a group transaction on this thread (SQLite only; elsewhere yields None and write
    scopes run as usual). On leaving it commits; a failed commit is rolled back and marks
    the batch ``failed`` instead of raising, so the caller can answer every request in it."""
    engine = factory.kw["bind"]
    lock = _WRITE_LOCKS.get(engine)
    if lock is None or _open_batch(engine) is not None:
        yield None
        return
    with lock:
        conn = _thread_connection(engine)
        batch = WriteBatch(engine, conn)
        _local.batch = batch
        try:
            transaction = conn.begin()
            try:
                yield batch
            except BaseException:
                transaction.rollback()
                raise
            if batch.failed:
                transaction.rollback()
            else:
                try:
                    transaction.commit()
                except Exception:
                    logger.exception("write batch: commit failed")
                    batch.failed = True
                    transaction.rollback()
                    _end_open_transaction(conn)
        finally:
            _local.batch = None
    if not batch.failed:
        for work in batch._committed:
            try:
                work()
            except Exception:
                logger.exception("after-commit work failed")


def after_commit(factory: sessionmaker[Session], work: Callable[[], None]) -> None:
    """Run ``work`` once the group transaction open on this thread has committed (dropped if
    it fails), or now when none is open."""
    batch = _open_batch(factory.kw["bind"])
    if batch is None:
        work()
    else:
        batch._committed.append(work)


def _thread_connection(engine: Engine) -> Connection:
    """SQLite: each thread keeps one Connection for its write scopes. Checking a connection
    out of the pool and back in (with its reset) cost 36 µs of a 52 µs empty transaction,
    more than most ``/track`` statements; a file database never drops a connection, so
    keeping it is safe. Writers are one at a time anyway (the lock above)."""
    held: weakref.WeakKeyDictionary[Engine, Connection] | None = getattr(_local, "connections", None)
    if held is None:
        held = _local.connections = weakref.WeakKeyDictionary()
    conn = held.get(engine)
    if conn is None or conn.closed or conn.invalidated:
        conn = held[engine] = engine.connect()
    return conn


@contextmanager
def read_scope(factory: sessionmaker[Session]) -> Iterator[Connection]:
    """A read-only transaction on a bare Connection: no ORM session, for hot read paths."""
    engine = factory.kw["bind"]
    batch = _open_batch(engine)
    if batch is not None:  # reads what the batch wrote so far, as a write scope would
        with batch.savepoint():
            yield batch.conn
        return
    with engine.connect().execution_options(**{READ_ONLY: True}) as conn, conn.begin():
        yield conn


def start_checkpoints(engine: Engine, *, every: float = CHECKPOINT_SECONDS) -> Callable[[], None]:
    """SQLite: checkpoint the WAL every ``every`` seconds on a thread of its own (sqlite3
    releases the GIL while it copies pages, so requests go on meanwhile). A PASSIVE
    checkpoint never waits for readers or writers. Returns the function that stops it; on
    other databases there is nothing to do."""
    if engine.dialect.name != "sqlite":
        return lambda: None
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every):
            try:
                with engine.connect() as conn:
                    conn.connection.dbapi_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
            except Exception:  # a busy or vanished file: the next round, or autocheckpoint, catches up
                logger.warning("WAL checkpoint failed", exc_info=True)

    threading.Thread(target=run, name="punchcard-checkpoint", daemon=True).start()
    return stop.set


def ping(engine: Engine) -> None:
    with engine.connect().execution_options(**{READ_ONLY: True}) as conn:
        conn.execute(text("SELECT 1"))
