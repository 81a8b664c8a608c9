"""An experiment, not how Punchcard runs: `punchcard` with the PostgreSQL round trips that
bench/track_scale.py found on the `/track` path taken out at run time, to measure what
removing them would gain before anyone changes storage/db.py or bot/signing.py.

    .venv/bin/python bench/track_scale.py --serve-cmd ".venv/bin/python bench/track_scale_probe.py"

Each change is on unless its variable is set to 0 (SQLite is left as it is):
- ``PROBE_NO_PING``: the engine without ``pool_pre_ping`` (storage.db.make_engine): a
  checkout no longer runs a statement (SQLAlchemy's ping) before the unit of work;
- ``PROBE_THREAD_CONN``: write units on a request thread (the dispatch pool's "AnyIO worker
  thread"s, long-lived and at most ``serve --threads``) keep one connection per thread, as
  ``Database._thread_connection`` does on SQLite: no pool checkout and check-in per unit;
- ``PROBE_GUARD``: the replay guard's first-sight INSERT (bot.signing.replay_guard) as one
  autocommit statement on a connection the request thread keeps, instead of a unit of work
  of its own (pool checkout, ping, BEGIN, INSERT, COMMIT): the same guarantee (the row is
  committed before the listener runs, as now on PostgreSQL; a concurrent insert of the same
  signature waits for the other's transaction).

And, off unless set to 1 (it is about SQLite's margin, not PostgreSQL's round trips):
- ``PROBE_QUIET_REQUESTS``: the one INFO line per request (bot.metrics.observe, logger
  ``punchcard.requests``) not written: the logger's level raised to WARNING.

It patches private functions of storage.db and bot.signing: when they change, this may stop
working (it then fails loudly at start-up).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, create_engine  # noqa: E402

import storage.db as sdb  # noqa: E402


def _on(name: str) -> bool:
    return os.environ.get(name, "1") != "0"


REQUEST_THREAD = "AnyIO worker thread"  # anyio names its pool's threads so

if _on("PROBE_NO_PING"):
    _make_engine = sdb.make_engine

    def make_engine(url: str, **kwargs: Any) -> Engine:
        url = sdb.normalize_url(url)
        if url.startswith("sqlite"):
            return _make_engine(url, **kwargs)
        return create_engine(url, pool_size=20, max_overflow=20, pool_pre_ping=False, **kwargs)

    sdb.make_engine = make_engine

if _on("PROBE_THREAD_CONN"):
    _plain = sdb.Database._plain

    def plain(self: sdb.Database, read_only: bool) -> Iterator[Any]:
        if read_only or self.sqlite or threading.current_thread().name != REQUEST_THREAD:
            yield from _plain(self, read_only)
            return
        conn = self._thread_connection()
        unit = sdb._Unit(conn, False)
        with self._entered(unit), conn.begin():
            yield conn
        sdb._run(unit.committed)

    sdb.Database._plain = plain  # type: ignore[method-assign]

if _on("PROBE_GUARD"):
    from slack_bolt import BoltResponse

    import bot.signing as signing

    _replay_guard = signing.replay_guard
    FIRST = (
        "INSERT INTO seen_requests (signature, signed_at) VALUES (%s, %s) "
        "ON CONFLICT (signature) DO NOTHING RETURNING signature"
    )

    def replay_guard(db: sdb.Database, *, clock: Callable[[], float] = time.time) -> Callable[..., Any]:
        if db.sqlite:
            return _replay_guard(db, clock=clock)
        import psycopg

        local = threading.local()
        pruned = [0.0]
        url = db.engine.url

        def connection() -> Any:
            conn = getattr(local, "conn", None)
            if conn is None or conn.closed:
                conn = local.conn = psycopg.connect(
                    host=url.host, port=url.port, user=url.username, password=url.password,
                    dbname=url.database, autocommit=True,
                )  # fmt: skip
            return conn

        def guard(req: Any, next: Callable[[], Any]) -> Any:  # noqa: A002 (Bolt's name)
            signature = signing._header(req.headers, signing.SIGNATURE)
            timestamp = signing._header(req.headers, signing.TIMESTAMP)
            if signature is None or timestamp is None or not timestamp.isdigit():
                return next()
            now = clock()
            row = connection().execute(FIRST, (signature, int(timestamp)), prepare=True).fetchone()
            if row is not None and now - pruned[0] > signing.PRUNE_EVERY:
                pruned[0] = now
                with db.transaction() as conn:
                    signing.replays.forget_before(conn, int(now) - signing.WINDOW)
            if row is None:
                return BoltResponse(status=200, body="")
            return next()

        return guard

    signing.replay_guard = replay_guard


if os.environ.get("PROBE_QUIET_REQUESTS") == "1":
    import logging

    logging.getLogger("punchcard.requests").setLevel(logging.WARNING)


if __name__ == "__main__":
    from bot.cli import main

    sys.argv[0] = "punchcard"
    sys.exit(main())
