"""SQLite's WAL is checkpointed by serve's own thread, not by a committing request."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import text

from storage.db import AUTOCHECKPOINT_PAGES, make_engine, start_checkpoints


def test_the_wal_is_copied_back_by_the_checkpoint_thread(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'c.db'}")
    with engine.begin() as conn:
        assert conn.execute(text("PRAGMA wal_autocheckpoint")).scalar() == AUTOCHECKPOINT_PAGES
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT)"))
    for _ in range(50):
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t (body) VALUES (:b)"), {"b": "x" * 2000})
    size_before = (tmp_path / "c.db").stat().st_size
    stop = start_checkpoints(engine, every=0.05)
    try:
        deadline = time.monotonic() + 5
        while (tmp_path / "c.db").stat().st_size == size_before and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        stop()
    # The pages written to the WAL are now in the database file itself.
    assert (tmp_path / "c.db").stat().st_size > size_before + 50 * 2000
    engine.dispose()


def test_other_databases_need_no_checkpoint_thread() -> None:
    engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    start_checkpoints(engine)()  # nothing started, nothing to stop
