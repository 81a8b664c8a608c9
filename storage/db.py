"""The database: engines, and the one unit of work every caller opens (``Database.transaction``).

Who commits: the caller that opens ``transaction()`` (a listener through ``Deps.work``, a
job, a CLI command); services and storage functions take the Connection it yields and never
commit. Work that must follow the commit (a Slack call, waking the outbox sender) is
registered with :func:`on_commit` and runs once the transaction has committed, never when
it rolled back.

On SQLite one writer at a time holds the file's write lock; here a Python lock queues the
writers of this process (SQLite's own busy handler sleeps up to 100 ms between tries), and
group commit (:meth:`Database.batch`) lets the requests that arrive together share one
transaction, a savepoint each. Nothing that waits on Slack or renders a PDF may run inside a
write transaction: it holds that lock.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.engine import make_url

logger = logging.getLogger(__name__)

# Execution option: begin a read-only transaction (plain BEGIN on SQLite).
READ_ONLY = "punchcard_read_only"
AUTOCHECKPOINT_PAGES = 10_000  # 40 MB of WAL at 4 KB pages
CHECKPOINT_SECONDS = 1.0
_UNIT = "punchcard.unit"  # conn.info key: the unit of work the connection is in now


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
    engine = create_engine(url, **{"pool_size": 20, "max_overflow": 20, **kwargs})
    _ping_when_idle(engine)
    return engine


# A pooled connection idle longer than this is pinged before it is handed out; a busy one is
# not (`pool_pre_ping` pings every checkout: a round trip per unit of work, a third of a
# /track request's database calls on PostgreSQL, bench/track_scale.py).
IDLE_PING_SECONDS = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """SQLAlchemy's pessimistic disconnect handling, for connections that sat idle: a server
    restarted (or a connection dropped by a firewall) is found at checkout, and the pool
    replaces the connection (``DisconnectionError``) instead of failing the request."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            if not dbapi_connection.autocommit:
                dbapi_connection.rollback()  # the ping's implicit transaction, ended
        except Exception as err:
            raise exc.DisconnectionError(f"a pooled connection was dead: {err}") from err


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
        # A large sort (a report's GROUP BY over a million entries) may merge on a second
        # thread: 15-18 % less time for it here; small sorts never start one.
        cursor.execute("PRAGMA threads=2")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front: a deferred transaction that later upgrades to a
        # write fails with "database is locked" instead of waiting when another writer won.
        # Read-only scopes begin deferred: in WAL mode readers never wait for writers.
        # Straight on the driver: this runs for every transaction.
        begin = "BEGIN" if conn.get_execution_options().get(READ_ONLY) else "BEGIN IMMEDIATE"
        conn.connection.dbapi_connection.execute(begin)


@dataclass
class _Unit:
    conn: Connection
    read_only: bool
    committed: list[Callable[[], None]] = field(default_factory=list)


def on_commit(conn: Connection, work: Callable[[], None]) -> None:
    """Run ``work`` once the transaction ``conn`` is in has committed (dropped if it rolls
    back): how a service asks for what must follow its change (a Slack call, a wake-up)."""
    unit: _Unit | None = conn.info.get(_UNIT)
    if unit is None:
        raise RuntimeError("on_commit outside a Database.transaction()")
    unit.committed.append(work)


def _run(work: list[Callable[[], None]]) -> None:
    for item in work:
        try:
            item()
        except Exception:
            logger.exception("after-commit work failed")


class BatchFailed(Exception):
    """The group transaction a unit of work joined can no longer commit."""


class WriteBatch:
    """Group commit on SQLite: the units of work a thread opens while this is open share one
    transaction, each in a savepoint of its own, so one that fails rolls back alone, and
    the batch commits once: one COMMIT (one WAL append of the pages they share) instead of
    one per request. ``failed`` is set when the batch could not commit: nothing in it was
    saved, and the after-commit work of its units is dropped."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.failed = False
        self._raw: Any = conn.connection.dbapi_connection
        self.committed: list[Callable[[], None]] = []

    @contextmanager
    def savepoint(self, unit: _Unit) -> Iterator[None]:
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
        self.committed.extend(unit.committed)


class Database:
    """One database: its engine, and the units of work opened on it.

    ``transaction()`` is the one scope application code opens. Opened again on the same
    thread while one is open, it joins it (one transaction, one commit by the outermost).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.sqlite = engine.dialect.name == "sqlite"
        # One writer at a time in this process (SQLite), woken at once when the last ends.
        self._write_lock = threading.Lock() if self.sqlite else None
        self._local = threading.local()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def _open(self) -> _Unit | None:
        return getattr(self._local, "unit", None)

    def _batch(self) -> WriteBatch | None:
        return getattr(self._local, "batch", None)

    @contextmanager
    def transaction(self, *, read_only: bool = False, snapshot: bool = False) -> Iterator[Connection]:
        """A transaction: committed when the block ends, rolled back on any error.

        ``read_only`` units never write; on SQLite they run beside the writer instead of
        queueing for the write lock (WAL readers see the last commit). ``snapshot``: every
        statement sees the same commit, as a SQLite transaction always does (PostgreSQL:
        REPEATABLE READ, where READ COMMITTED reads each statement's latest; for reads of
        several statements that must add up, such as a report)."""
        open_unit = self._open()
        if open_unit is not None:  # nested: the outer unit commits
            if open_unit.read_only and not read_only:
                raise RuntimeError("a write unit of work opened inside a read-only one")
            yield open_unit.conn
            return
        batch = self._batch()
        if batch is not None:  # joins the group transaction (the write lock is the batch's)
            unit = _Unit(batch.conn, read_only)
            with self._entered(unit), batch.savepoint(unit):
                yield batch.conn
            return
        if read_only or not self.sqlite:
            yield from self._plain(read_only, snapshot and not self.sqlite)
            return
        assert self._write_lock is not None
        with self._write_lock:
            conn = self._thread_connection()
            unit = _Unit(conn, False)
            try:
                with self._entered(unit), conn.begin():
                    yield conn
            except BaseException:
                _end_open_transaction(conn)
                raise
        _run(unit.committed)

    def _plain(self, read_only: bool, repeatable: bool = False) -> Iterator[Connection]:
        conn = self.engine.connect()
        if repeatable:  # for this checkout only: the pool resets it on return
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        if read_only:
            conn = conn.execution_options(**{READ_ONLY: True})
        unit = _Unit(conn, read_only)
        try:
            with self._entered(unit), conn.begin():
                yield conn
        finally:
            conn.close()
        _run(unit.committed)

    @contextmanager
    def _entered(self, unit: _Unit) -> Iterator[None]:
        self._local.unit = unit
        unit.conn.info[_UNIT] = unit
        try:
            yield
        finally:
            self._local.unit = None
            unit.conn.info.pop(_UNIT, None)

    def after_commit(self, work: Callable[[], None]) -> None:
        """Run ``work`` once the unit of work (or the group transaction) open on this thread
        has committed, or now when none is open."""
        unit = self._open()
        batch = self._batch()
        if unit is not None:
            unit.committed.append(work)
        elif batch is not None:
            batch.committed.append(work)
        else:
            work()

    @contextmanager
    def batch(self) -> Iterator[WriteBatch | None]:
        """Open a group transaction on this thread (SQLite only; elsewhere yields None and
        units of work run as usual). On leaving it commits; a failed commit is rolled back
        and marks the batch ``failed`` instead of raising, so the caller can answer every
        request in it."""
        if self._write_lock is None or self._batch() is not None or self._open() is not None:
            yield None
            return
        with self._write_lock:
            conn = self._thread_connection()
            batch = WriteBatch(conn)
            self._local.batch = batch
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
                self._local.batch = None
        if not batch.failed:
            _run(batch.committed)

    def _thread_connection(self) -> Connection:
        """SQLite: each thread keeps one Connection for its write units. Checking a
        connection out of the pool and back in (with its reset) cost 36 µs of a 52 µs empty
        transaction, more than most ``/track`` statements; a file database never drops a
        connection, so keeping it is safe. Writers are one at a time anyway (the lock)."""
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.invalidated:
            conn = self._local.conn = self.engine.connect()
        return conn

    def ping(self) -> None:
        ping(self.engine)

    def dispose(self) -> None:
        self.engine.dispose()


def _end_open_transaction(conn: Connection) -> None:
    """A COMMIT that failed on a deferred constraint leaves SQLite's transaction open, and
    SQLAlchemy, which counts it as ended, would not roll it back: a connection the thread
    keeps must not carry it into its next unit of work."""
    if conn.dialect.name != "sqlite":
        return
    raw: Any = conn.connection.dbapi_connection
    if raw is not None and raw.in_transaction:
        raw.execute("ROLLBACK")


def open_database(url: str, **kwargs: Any) -> Database:
    """A Database on a new engine (only the app, the CLI and tests create them)."""
    return Database(make_engine(url, **kwargs))


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
                    raw: Any = conn.connection.dbapi_connection
                    raw.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except Exception:  # a busy or vanished file: the next round, or autocheckpoint, catches up
                logger.warning("WAL checkpoint failed", exc_info=True)

    threading.Thread(target=run, name="punchcard-checkpoint", daemon=True).start()
    return stop.set


def ping(engine: Engine) -> None:
    with engine.connect().execution_options(**{READ_ONLY: True}) as conn:
        conn.execute(text("SELECT 1"))
