"""On PostgreSQL a pooled connection that sat idle is pinged at checkout, and a dead one is
replaced there, not handed to a request: no ping for a busy connection (a round trip each)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import event, text

import storage.db
from storage.db import make_engine


def test_a_dead_idle_connection_is_replaced_at_checkout_and_a_busy_one_is_not_pinged(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not empty_database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server connection to lose")
    monkeypatch.setattr(storage.db, "IDLE_PING_SECONDS", 0.3)
    engine = make_engine(empty_database_url, pool_size=1, max_overflow=0)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    try:
        with engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with engine.connect() as conn:  # at once: reused without a ping
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() == pid
        admin = make_engine(empty_database_url)
        with admin.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        admin.dispose()
        time.sleep(0.4)
        with engine.connect() as conn:  # idle long enough: pinged, found dead, replaced
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid
        assert statements.count("SELECT pg_backend_pid()") == 3  # the ping runs on the driver, unseen here
    finally:
        engine.dispose()
