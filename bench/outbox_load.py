"""Benchmark: draining 10,000 queued messages through the outbox sender, on SQLite and PostgreSQL.

A fake Slack Web API on 127.0.0.1 answers every call at once. In the same run, and with the
same client, the baseline sends the same 10,000 chat.postMessage calls with no outbox; then
the sender (bot.delivery.Sender, as `serve` runs it: claim a batch, render, send, record each)
drains 10,000 queued rows. The outbox's own cost per message is the time spent claiming and
recording (and rendering), measured around those steps; the HTTP call's is measured around
the call. Target: the outbox's own cost under 1 ms a message.

    python bench/outbox_load.py [--messages 10000] [--postgres postgresql://...]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import harness

sys.path.insert(0, str(harness.ROOT))

from sqlalchemy import insert, text  # noqa: E402

from bot.delivery import Sender  # noqa: E402
from bot.slack import outbox_client  # noqa: E402
from storage.db import Database, make_engine  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import OutboxMessage, OutboxStatus  # noqa: E402

NOW = datetime.now(UTC)  # queued now: due at once
MESSAGE = {
    "text": "3 submissions waiting for your approval",
    "blocks": [
        {"type": "section", "text": {"type": "mrkdwn", "text": "*3 submissions waiting for your approval*"}}
    ],
}


class Timer:
    """Seconds spent in each wrapped step."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.spent[name] = self.spent.get(name, 0.0) + time.perf_counter() - started

        return timed


def queue(db: Database, count: int) -> None:
    rows = [
        {"key": f"bench:{i}", "kind": "message", "user_id": None, "channel": f"C{i % 50:04d}", "payload": MESSAGE,
         "status": OutboxStatus.PENDING, "attempts": 0, "due_at": NOW, "uncertain": False, "last_error": "",
         "created_at": NOW}
        for i in range(count)
    ]  # fmt: skip
    with db.transaction() as conn:
        for start in range(0, count, 2000):
            conn.execute(insert(OutboxMessage), rows[start : start + 2000])
    if db.dialect == "postgresql":  # what autovacuum does after a bulk insert on a live table
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE outbox"))


def baseline(api: str, count: int) -> float:
    client = outbox_client(harness.TOKEN, api)
    started = time.perf_counter()
    for i in range(count):
        client.api_call("chat.postMessage", json={**MESSAGE, "channel": f"C{i % 50:04d}"})
    return time.perf_counter() - started


def drain(db: Database, api: str) -> tuple[float, Timer, int]:
    timer = Timer()
    sender = Sender(db, outbox_client(harness.TOKEN, api), clock=lambda: datetime.now(UTC))
    # Each step as the sender runs it, transactions included.
    sender.client.api_call = timer.wrap("http", sender.client.api_call)  # type: ignore[method-assign]
    for step in ("claim", "render", "record"):
        setattr(sender, f"_{step}", timer.wrap(step, getattr(sender, f"_{step}")))
    started = time.perf_counter()
    while sender.deliver_due():
        pass
    total = time.perf_counter() - started
    with db.transaction(read_only=True) as conn:
        sent = int(conn.execute(text("SELECT count(*) FROM outbox WHERE status = 'sent'")).scalar_one())
    return total, timer, sent


@contextmanager
def sqlite_db() -> Iterator[Database]:
    workdir = Path(tempfile.mkdtemp(prefix="punchcard-outbox-"))
    try:
        engine = make_engine(f"sqlite:///{workdir / 'outbox.db'}")
        upgrade(engine)
        yield Database(engine)
        engine.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@contextmanager
def postgres_db(base: str) -> Iterator[Database]:
    with harness.postgres_url(base) as url:
        engine = make_engine(url)
        upgrade(engine)
        yield Database(engine)
        engine.dispose()


def measure(label: str, db: Database, api: str, count: int) -> bool:
    queue(db, count)
    bare = baseline(api, count)
    total, timer, sent = drain(db, api)
    http = timer.spent.get("http", 0.0)
    own = timer.spent.get("claim", 0.0) + timer.spent.get("record", 0.0) + timer.spent.get("render", 0.0)
    per = 1e6 / count
    print(f"\n{label}: {sent:,} of {count:,} messages sent")
    print(
        f"  {'baseline: the same chat.postMessage calls, no outbox':<58} {bare:7.2f} s  {bare * per:8.0f} µs/msg"
    )
    print(f"  {'outbox: drained by the sender, in all':<58} {total:7.2f} s  {total * per:8.0f} µs/msg")
    print(f"  {'  of which the HTTP call':<58} {http:7.2f} s  {http * per:8.0f} µs/msg")
    print(
        f"  {'  of which the outbox own cost (claim + render + record)':<58} {own:7.2f} s  {own * per:8.0f} µs/msg"
    )
    for step in ("claim", "render", "record"):
        print(
            f"  {'    ' + step:<58} {timer.spent.get(step, 0.0):7.2f} s  {timer.spent.get(step, 0.0) * per:8.0f} µs/msg"
        )
    verdict = "under" if own * per < 1000 else "OVER"
    print(f"  outbox own cost {own * per:.0f} µs a message: {verdict} the 1 ms target")
    return sent == count


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--postgres", default=os.environ.get("PUNCHCARD_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    ok = True
    with harness.fake_slack() as api:
        with sqlite_db() as db:
            ok &= measure("SQLite", db, api, args.messages)
        if args.postgres:
            with postgres_db(args.postgres) as db:
                ok &= measure("PostgreSQL", db, api, args.messages)
        else:
            print("\nPostgreSQL: skipped (give --postgres or set PUNCHCARD_TEST_POSTGRES_URL)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
